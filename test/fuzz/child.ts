/**
 * A fuzzing child process: started by the pool (pool.ts) with a heap cap, it says `ready`, then
 * handles one job at a time: builds the variant, compiles and runs it (the compiler loads with the
 * first and stays loaded for the next), and sends the outcome back. A hang, a crash or an
 * out-of-memory death is the pool's to see. Self-test jobs misbehave on purpose, so the suite can
 * show that the pool tells each failure apart.
 */
import { ModelError } from '../../contract/errors.js';
import { classifyError, harnessFault, type Outcome } from './outcome.js';
import { runVariant } from './run_variant.js';
import { makeVariant } from './variant.js';

/** A job: variant `index` of campaign `seed`, or a self test. */
export type Job = { readonly seed: number; readonly index: number } | { readonly selftest: SelfTest };
/** The self tests: each ends the way its name says. */
export type SelfTest = 'ok' | 'rnnc' | 'js' | 'hang' | 'sleep' | 'crash' | 'oom' | 'rss';

/** What a child reports about a job. */
export interface JobReport {
  readonly outcome: Outcome;
  readonly model: string;
  readonly kinds: readonly string[];
  readonly what: readonly string[];
}

async function selfTest(kind: SelfTest): Promise<void> {
  if (kind === 'rnnc') throw new ModelError('self test: a model error');
  if (kind === 'js') throw new TypeError('self test: a plain TypeError');
  if (kind === 'hang') for (;;);
  // A hang that uses no CPU, as a wait on a worker that never answers would: only the wall limit ends it.
  if (kind === 'sleep') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  if (kind === 'crash') process.abort();
  if (kind === 'oom') {
    const keep: unknown[][] = [];
    for (;;) keep.push(new Array(1 << 16).fill(keep.length));
  }
  if (kind === 'rss') {
    // Memory outside the JS heap, as a wasm memory is: only the pool's RSS watch catches it.
    const pages = new Uint8Array(new WebAssembly.Memory({ initial: 16384 }).buffer);
    pages.fill(1);
    await new Promise((resolve) => setTimeout(resolve, 60_000));
  }
}

export async function handle(job: Job): Promise<JobReport> {
  if ('selftest' in job) {
    const none = { model: 'selftest', kinds: [`selftest:${job.selftest}`], what: [job.selftest] };
    try {
      await selfTest(job.selftest);
      return { outcome: { cls: 'ok', name: '', message: '', where: '' }, ...none };
    } catch (e) {
      return { outcome: classifyError(e), ...none };
    }
  }
  let v;
  try {
    v = makeVariant(job.seed, job.index);
  } catch (e) {
    return { outcome: harnessFault(e, `making variant ${job.seed}:${job.index}`), model: '?', kinds: [], what: [] };
  }
  return { outcome: await runVariant(v), model: v.model, kinds: v.kinds, what: v.what };
}

/** Only as a forked child: the pool passes this flag. */
if (process.send && process.argv.includes('--fuzz-child')) {
  process.on('message', (job: Job) => {
    void handle(job).then((report) => process.send!({ type: 'done', report }));
  });
  // A child whose campaign ended (or died) has nothing left to do.
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}
