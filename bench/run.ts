/**
 * rnnc side by side with onnxruntime-web (wasm SIMD, 1 and 2 threads), TensorFlow.js (wasm) and
 * native onnxruntime (1 thread), in one process and one run: the same ONNX model, weights and
 * inputs for everyone; outputs checked against native onnxruntime (a run that is off by more than
 * 1e-3 fails); each case warmed up (TurboFan), then timed in alternating rounds; medians, p10/p90,
 * GFLOP/s, % of this engine's measured f32x4 mul+add peak, speedups. Writes a new folder,
 * bench/results/runs/<date>/ (not committed); --update writes the committed bench/results/ instead.
 *
 *   npm run bench                              full run (about 20 minutes): the cases, then the conditions
 *                                              (bench/conditions.ts; --no-conditions or --quick skips
 *                                              them), then Silero; `-- --update` for bench/results
 *   node dist/bench/run.js --quick             a few shapes, few rounds (or BENCH_QUICK=1)
 *   node dist/bench/run.js --quick --filter lstm_i256_h256,step --peers rnnc-1w,ort-web-1t --no-write
 *                                              (BENCH_FILTER, BENCH_PEERS; --list prints the case ids)
 *   node dist/bench/run.js --hog 1 --filter lstm_i256_h256_t100_b1,gru_i256_h256_t100_b1 \
 *        --peers rnnc-1w,rnnc-2w,rnnc-2w-fixed --no-write
 *                                              beside a busy process: what adaptWorkers saves
 *   node dist/bench/run.js --silero [--quick]  Silero VAD per frame only (bench/silero.ts; a full run ends with it)
 *   node dist/bench/run.js --browser           the Chromium rows only (bench/browser.ts, as npm run bench:browser)
 *   node dist/bench/run.js --rejudge bench/results/<stamp>.json
 *                                              judges a saved run's targets again with this build's
 *                                              rules and rewrites its report (nothing is timed)
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { engineRelaxedSimd } from '../runtime/features.js';
import { caseLabel, filterCases, fullCases, makeCase, quickCases, type BenchCase } from './cases.js';
import { caseData, onnxModel, type CaseData } from './models.js';
import { fastestOf, measureMachine, type MachineProbe } from './peak.js';
import { loadOrtNode, loadOrtWeb, ortContestant, ortVersion } from './peers/ort.js';
import { compileCase, rnncContestant, type CompiledCase } from './peers/rnnc.js';
import { tfjsContestant, tfjsVersion } from './peers/tfjs.js';
import { CONTESTANTS, DEFAULT_CONTESTANTS, type Contestant, type ContestantId } from './peers/types.js';
import { startHogs } from './hog.js';
import { sizesLine } from './sizes.js';
import { stealMark, stealPercent } from './steal.js';
import { caseResult, contestantResult, judgeTargets, withMachine, type BenchResults, type CaseResult, type ContestantResult, type Target } from './results.js';
import { FULL_TIMING, QUICK_TIMING, timeRoundRobin, type TimingOptions } from './timing.js';
import { writeReport } from './report/write.js';
import { soloNote } from './report/markdown.js';
import { runSilero } from './silero.js';
import { runConditions } from './conditions.js';
import { conditionsMarkdown } from './report/conditions.js';

/** Largest max abs difference from native onnxruntime a contestant may show. */
export const MAX_ABS_DIFF = 1e-3;

export interface BenchOptions {
  /** Few rounds and, unless `filter` picks cases, a few shapes: seconds, not minutes. */
  readonly quick?: boolean;
  /** Comma-separated case-id patterns (substring or regex), e.g. `lstm_i256_h256,step`. */
  readonly filter?: string;
  /** Explicit cases instead of the built-in list (e.g. one shape from `rnnc bench --cell ...`). */
  readonly cases?: readonly BenchCase[];
  /** Contestants to run (default: DEFAULT_CONTESTANTS, every one but rnnc-2w-fixed). */
  readonly contestants?: readonly ContestantId[];
  /** Busy processes kept spinning beside the run (default 0): a loaded machine, on purpose. */
  readonly hogs?: number;
  /** Overrides of the warm-up and round settings. */
  readonly timing?: Partial<TimingOptions>;
  /** Where to write the results; null writes nothing (default: a new folder, bench/results/runs/<date>/). */
  readonly outDir?: string | null;
  /** Progress lines (default console.log). */
  readonly log?: (line: string) => void;
  /**
   * After the cases, rnnc 2 workers vs onnxruntime-web 2 threads where users run them (alone, beside
   * a busy thread, calls alternating: bench/conditions.ts), in the report and its targets. A full
   * run does (`--no-conditions` skips it).
   */
  readonly conditions?: boolean;
}

/** A contestant computed the wrong answer: the benchmark must not report its speed. */
export class BenchAccuracyError extends Error {
  override readonly name = 'BenchAccuracyError';
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The committed results: written only when asked (--update), and by --rejudge. */
export const DEFAULT_OUT_DIR = path.join(ROOT, 'bench', 'results');
/** A run's own folder, beside the committed results and ignored by git. */
const runDir = (date: string) => path.join(DEFAULT_OUT_DIR, 'runs', date.replace(/[:.]/g, '-'));

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i] - b[i]);
    if (!(x <= d)) d = x; // NaN propagates as a failure
  }
  return d;
}

/** Y of the case's whole input (all frames) from native onnxruntime, on the given model bytes. */
async function reference(c: BenchCase, data: CaseData, model: Uint8Array): Promise<Float32Array> {
  const ref = await ortContestant('ort-node-1t', await loadOrtNode(), { ...c, kind: 'sequence', seq: data.frames }, data, model);
  try {
    return await ref.outputs();
  } finally {
    await ref.release();
  }
}

async function createContestant(id: ContestantId, c: BenchCase, data: CaseData, model: Uint8Array, compiled: CompiledCase | null): Promise<Contestant> {
  switch (id) {
    case 'rnnc-1w': return rnncContestant(id, 1, c, data, compiled!);
    case 'rnnc-2w': return rnncContestant(id, 2, c, data, compiled!);
    case 'rnnc-2w-fixed': return rnncContestant(id, 2, c, data, compiled!, false);
    case 'ort-web-1t': return ortContestant(id, await loadOrtWeb(1), c, data, model);
    case 'ort-web-2t': return ortContestant(id, await loadOrtWeb(2), c, data, model);
    case 'ort-node-1t': return ortContestant(id, await loadOrtNode(), c, data, model);
    case 'tfjs-1t': return tfjsContestant(c, data);
  }
}

async function runCase(c: BenchCase, ids: readonly ContestantId[], timing: TimingOptions, machine: MachineProbe): Promise<CaseResult> {
  const data = caseData(c);
  const seqModel = onnxModel(c, data.weights);
  const model = c.kind === 'step' ? onnxModel(c, data.weights, { state: true }) : seqModel;
  const ref = await reference(c, data, seqModel);
  // tfjs-layers' GRU is linear_before_reset = 0 only: check it against that variant.
  const tfRef = c.cell === 'gru' && ids.includes('tfjs-1t') ? await reference(c, data, onnxModel(c, data.weights, { linearBeforeReset: false })) : ref;
  const compiled = ids.some((id) => id.startsWith('rnnc')) ? compileCase(c, model) : null;
  const contestants: Contestant[] = [];
  try {
    for (const id of ids) contestants.push(await createContestant(id, c, data, model, compiled));
    const diffs = new Map<ContestantId, number>();
    for (const k of contestants) {
      const d = maxAbsDiff(await k.outputs(), k.id === 'tfjs-1t' ? tfRef : ref);
      if (!(d <= MAX_ABS_DIFF)) {
        throw new BenchAccuracyError(`${c.id}: ${k.id} differs from native onnxruntime by ${d} (max abs over Y), more than ${MAX_ABS_DIFF}; its timings would be meaningless`);
      }
      diffs.set(k.id, d);
    }
    // Calls on all workers or the caller alone, counted over the timed rounds (not the warm-up).
    let calls0 = new Map<ContestantId, ReturnType<NonNullable<Contestant['calls']>> | undefined>();
    const steal0 = stealMark();
    const times = await timeRoundRobin(contestants, timing, () => { calls0 = new Map(contestants.map((k) => [k.id, k.calls?.()])); });
    const steal = stealPercent(steal0);
    const timedCalls = (k: Contestant) => {
      const a = calls0.get(k.id), b = k.calls?.();
      return a && b ? { all: b.all - a.all, solo: b.solo - a.solo } : null;
    };
    const rs: ContestantResult[] = contestants.map((k) => contestantResult(c, k.id, times.get(k.id)!, machine, diffs.get(k.id)!, k.note, timedCalls(k)));
    const r = caseResult(c, caseLabel(c), compiled?.kernels ?? [], compiled?.compileMs ?? 0, rs, machine, os.loadavg(), steal);
    return compiled ? { ...r, weights: compiled.weights } : r;
  } finally {
    for (const k of contestants) await k.release();
  }
}

function logCase(r: CaseResult, log: (l: string) => void): void {
  log(`${r.label}  [${r.case.id}]  ${r.kernels.join(', ')}  load ${r.loadavg.map((x) => x.toFixed(2)).join(' ')}${r.stealPct == null ? '' : `  steal ${r.stealPct.toFixed(1)}%`}`);
  for (const k of r.contestants) {
    log(`  ${k.id.padEnd(12)} ${k.median.toFixed(3).padStart(9)} ms  p10 ${k.p10.toFixed(3)} p90 ${k.p90.toFixed(3)}  ${k.gflops.toFixed(2).padStart(6)} GFLOP/s ${k.pctPeak.toFixed(0).padStart(3)}% peak ${k.pctCeiling.toFixed(0).padStart(3)}% ceiling  cpu/wall ${k.cpuPerWall.toFixed(2)}  diff ${k.maxAbsDiff.toExponential(1)}${soloNote(k)}${k.note ? `  (${k.note})` : ''}`);
  }
  if (r.weights) log(`  ${sizesLine(r.weights)}`);
  log(`  speedups: ${r.ratios.map((x) => `${x.of}/${x.over} ${x.ratio.toFixed(2)}x`).join(', ')}`);
}

async function versions(ids: readonly ContestantId[]): Promise<Record<string, string>> {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const v: Record<string, string> = { rnnc: pkg.version };
  if (ids.includes('ort-web-1t')) v['onnxruntime-web (1 thread)'] = ortVersion(await loadOrtWeb(1));
  if (ids.includes('ort-web-2t')) v['onnxruntime-web (2 threads)'] = ortVersion(await loadOrtWeb(2));
  v['onnxruntime-node'] = ortVersion(await loadOrtNode());
  if (ids.includes('tfjs-1t')) v['@tensorflow/tfjs'] = await tfjsVersion();
  return v;
}

/** Runs the benchmark; writes a new folder of results unless outDir says where (null: nowhere). */
export async function runBench(o: BenchOptions = {}): Promise<BenchResults> {
  const log = o.log ?? ((l: string) => console.log(l));
  const started = performance.now();
  // --quick alone picks a few cases; with a filter it only shortens the timing of the filtered ones.
  const all = o.cases ? [...o.cases] : o.quick && !o.filter ? quickCases() : fullCases();
  const cases = filterCases(all, o.filter);
  if (!cases.length) throw new Error(`--filter '${o.filter}' matches no case; cases: ${all.map((c) => c.id).join(', ')}`);
  const unknown = o.contestants?.filter((id) => !CONTESTANTS.includes(id));
  if (unknown?.length) throw new Error(`--peers: unknown ${unknown.join(', ')}; expected some of ${CONTESTANTS.join(', ')}`);
  const ids = CONTESTANTS.filter((id) => (o.contestants ?? DEFAULT_CONTESTANTS).includes(id));
  const hogs = await startHogs(o.hogs ?? 0);
  try {
    return await measure(o, cases, ids, hogs.count, log, started);
  } finally {
    hogs.stop();
  }
}

async function measure(o: BenchOptions, cases: readonly BenchCase[], ids: readonly ContestantId[], hogs: number, log: (line: string) => void, started: number): Promise<BenchResults> {
  const timing = { ...(o.quick ? QUICK_TIMING : FULL_TIMING), ...o.timing };
  const loadavgStart = os.loadavg();
  const runSteal = stealMark();
  log(`rnnc bench: ${cases.length} case(s), ${ids.join(', ')}; node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, load ${loadavgStart.map((x) => x.toFixed(2)).join(' ')}${hogs ? `; ${hogs} busy process(es) beside it (--hog)` : ''}`);
  const probeLine = (when: string, m: MachineProbe) => `${when} (1 core): f32x4 mul+add ${m.mulAddGflops.toFixed(2)} GFLOP/s, relaxed madd ${m.relaxedMaddGflops?.toFixed(2) ?? 'n/a'}; read bandwidth ${m.bandwidth.map((b) => `${b.label} ${b.gbps.toFixed(1)} GB/s`).join(', ')}`;
  const first: MachineProbe = measureMachine();
  log(probeLine('peak', first));
  const v = await versions(ids);
  const live: CaseResult[] = [];
  for (const c of cases) {
    const r = await runCase(c, ids, timing, first);
    logCase(r, log);
    live.push(r);
  }
  const conditions = o.conditions ? await runConditions({ quick: o.quick, log }) : undefined;
  if (conditions) log(conditionsMarkdown(conditions));
  // Probed again at the end; each probe's faster reading is the machine's (see fastestOf).
  const last = measureMachine();
  const machine = fastestOf(first, last);
  log(probeLine('peak again at the end', last));
  const results = live.map((r) => withMachine(r, machine));
  const bench: BenchResults = {
    meta: {
      date: new Date().toISOString(), node: process.version, v8: process.versions.v8, relaxedSimd: engineRelaxedSimd(undefined), cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(), platform: `${os.platform()} ${os.arch()}`, loadavgStart, loadavgEnd: os.loadavg(), stealPct: stealPercent(runSteal),
      quick: !!o.quick, filter: o.filter ?? null, hogs, versions: v, timing, durationS: (performance.now() - started) / 1000,
    },
    machine, cases: results, ...(conditions ? { conditions } : {}), targets: judgeTargets(results, machine, conditions),
  };
  for (const t of bench.targets) log(targetLine(t));
  const outDir = o.outDir === undefined ? runDir(bench.meta.date) : o.outDir;
  if (outDir !== null) {
    const files = await writeReport(bench, outDir);
    log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
  }
  return bench;
}

const targetLine = (t: Target) =>
  `target: ${t.name}: ${t.measured} -> ${t.holds === null ? 'not run' : t.holds ? 'holds' : 'does not hold'}${t.ceiling ? `; at the ceiling: ${t.ceiling.replace(/\*\*/g, '')}` : ''}`;

/**
 * A saved run judged again with this build's rules (the measurements untouched), its report
 * rewritten into `outDir` (default bench/results; null writes nothing). Returns the paths written.
 */
export async function rejudge(file: string, outDir: string | null = DEFAULT_OUT_DIR, log: (line: string) => void = console.log): Promise<string[]> {
  let saved: BenchResults;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  } catch (e) {
    throw new Error(`--rejudge: cannot read ${file} as a bench results file: ${e instanceof Error ? e.message : e}`);
  }
  if (!saved?.meta?.date || !Array.isArray(saved.cases) || !saved.machine) {
    throw new Error(`--rejudge: ${file} is not a bench results file (expected meta, machine and cases, as bench/results/*.json)`);
  }
  // The current rules include the ceiling model: every case's ceilings are computed again from the run's probe.
  const cases = saved.cases.map((r) => withMachine(r, saved.machine));
  const bench: BenchResults = { ...saved, cases, targets: judgeTargets(cases, saved.machine, saved.conditions) };
  for (const t of bench.targets) log(targetLine(t));
  return outDir === null ? [] : writeReport(bench, outDir);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
      filter: { type: 'string', default: process.env.BENCH_FILTER },
      peers: { type: 'string', default: process.env.BENCH_PEERS },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      update: { type: 'boolean', default: false },
      hog: { type: 'string', default: '0' },
      list: { type: 'boolean', default: false },
      rejudge: { type: 'string' },
      cell: { type: 'string' },
      input: { type: 'string' },
      hidden: { type: 'string' },
      seq: { type: 'string', default: '100' },
      batch: { type: 'string', default: '1' },
      silero: { type: 'boolean', default: false },
      browser: { type: 'boolean', default: false },
      'no-conditions': { type: 'boolean', default: false },
    },
  });
  if (values.rejudge) {
    const files = await rejudge(values.rejudge, values['no-write'] ? null : values.out);
    if (files.length) console.log(`wrote ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
    return;
  }
  if (values.list) {
    for (const c of filterCases(values.quick && !values.filter ? quickCases() : fullCases(), values.filter)) console.log(`${c.id.padEnd(34)} ${caseLabel(c)}`);
    return;
  }
  // A new folder under bench/results/runs/ unless --update (the committed results) or --out says otherwise.
  const outDir = values['no-write'] ? null : values.out ?? (values.update ? DEFAULT_OUT_DIR : undefined);
  if (values.browser) {
    // Loaded only here: it needs playwright-core and Chromium.
    const file = await (await import('./browser.js')).browserBench(outDir === undefined ? runDir(new Date().toISOString()) : outDir);
    if (file) console.log(`wrote ${path.relative(process.cwd(), file)}`);
    return;
  }
  // Silero VAD per frame (bench/silero.ts): alone with --silero, and after the RNN cases of a full run.
  if (values.silero) {
    await runSilero({ quick: values.quick, outDir: outDir === undefined ? runDir(new Date().toISOString()) : outDir });
    return;
  }
  const contestants = values.peers?.split(',').map((s) => s.trim()) as ContestantId[] | undefined;
  // Checked here for the message (the text as given); startHogs checks the number for API callers.
  if (!/^\d+$/.test(values.hog!)) throw new Error(`--hog: expected a whole number of busy processes, got '${values.hog}'`);
  // One shape instead of the case list: --cell lstm|gru --input I --hidden H [--seq T] [--batch B].
  const cases = values.cell ? [oneCase(values.cell, values.input, values.hidden, values.seq!, values.batch!)] : undefined;
  // A full run: every case, the conditions (not with --quick: minutes, 1024/1024 among them) and Silero.
  const full = !cases && !values.filter && !contestants && values.hog === '0';
  const bench = await runBench({ quick: values.quick, filter: cases ? undefined : values.filter, cases, contestants, hogs: Number(values.hog), outDir, conditions: full && !values.quick && !values['no-conditions'] });
  if (full) await runSilero({ quick: values.quick, outDir: outDir === undefined ? runDir(bench.meta.date) : outDir });
}

function oneCase(cell: string, input: string | undefined, hidden: string | undefined, seq: string, batch: string): BenchCase {
  const n = (flag: string, v: string | undefined) => {
    if (!v || !/^[1-9]\d*$/.test(v)) throw new Error(`--${flag}: expected a positive whole number, got '${v ?? ''}'`);
    return Number(v);
  };
  if (cell !== 'lstm' && cell !== 'gru') throw new Error(`--cell: expected lstm or gru, got '${cell}'`);
  return makeCase('sequence', cell, n('input', input), n('hidden', hidden), n('seq', seq), n('batch', batch), false);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(() => process.exit(0), (e: unknown) => {
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  });
}
