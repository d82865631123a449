/**
 * A campaign: variants `from .. from + count - 1` of a seed, run on the pool and tallied. The suite
 * test and `npm run fuzz` both run campaigns.
 */
import type { Job, JobReport } from './child.js';
import type { Outcome } from './outcome.js';
import { DEFAULT_POOL, runJobs, type PoolOptions } from './pool.js';
import { Tally, type Result } from './report.js';
import { makeVariant } from './variant.js';

export interface CampaignOptions extends Partial<PoolOptions> {
  readonly seed: number;
  readonly count: number;
  /** First variant index (default 0). */
  readonly from?: number;
  /** Called after each variant, in completion order. */
  readonly onResult?: (r: Result, done: number) => void;
}

/**
 * What a variant was, when its child died before saying: rebuilt here, from the same (seed, index).
 */
function describe(seed: number, index: number): Pick<Result, 'model' | 'kinds' | 'what'> {
  try {
    const v = makeVariant(seed, index);
    return { model: v.model, kinds: v.kinds, what: v.what };
  } catch (e) {
    return { model: '?', kinds: [], what: [`cannot rebuild the variant: ${(e as Error).message}`] };
  }
}

function resultOf(seed: number, job: Job, report: JobReport | null, outcome: Outcome, ms: number): Result {
  const index = 'index' in job ? job.index : -1;
  const about = report ?? ('index' in job ? describe(seed, index) : { model: 'selftest', kinds: [`selftest:${job.selftest}`], what: [job.selftest] });
  return { seed, index, model: about.model, kinds: about.kinds, what: about.what, outcome, ms };
}

export async function runCampaign(opts: CampaignOptions): Promise<Tally> {
  const pool: PoolOptions = { ...DEFAULT_POOL, ...stripUndefined(opts) };
  const from = opts.from ?? 0;
  const jobs: Job[] = Array.from({ length: opts.count }, (_, k) => ({ seed: opts.seed, index: from + k }));
  const tally = new Tally();
  await runJobs(jobs, pool, (job, report, outcome, ms) => {
    const r = resultOf(opts.seed, job, report, outcome, ms);
    tally.add(r);
    opts.onResult?.(r, tally.results.length);
  });
  tally.results.sort((a, b) => a.index - b.index);
  return tally;
}

/** Runs single jobs (replays, self tests) on a pool of one child each, for their outcomes in order. */
export async function runOne(job: Job, opts: Partial<PoolOptions> = {}): Promise<Result> {
  const seed = 'seed' in job ? job.seed : 0;
  let result: Result | null = null;
  await runJobs([job], { ...DEFAULT_POOL, ...stripUndefined(opts), jobs: 1 }, (j, report, outcome, ms) => {
    result = resultOf(seed, j, report, outcome, ms);
  });
  return result!;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
