/**
 * The machine-readable results (bench/results/*.json) and what is derived from the timings:
 * GFLOP/s, % of the measured peak, speedups against each peer, and the issue's targets.
 */
import { caseBytes, caseFlops, intensity, recurrentFlops, type BenchCase } from './cases.js';
import type { MachineProbe } from './peak.js';
import type { ContestantId } from './peers/types.js';
import { CONTESTANT_THREADS } from './peers/types.js';
import type { Timing, TimingOptions } from './timing.js';

export interface ContestantResult extends Omit<Timing, 'roundMedians'> {
  readonly id: ContestantId;
  /** Threads or workers asked for; % of peak is against this many times the one-core peak. */
  readonly threads: number;
  readonly roundMedians: readonly number[];
  readonly gflops: number;
  readonly pctPeak: number;
  /** Max abs difference of Y against native onnxruntime (TF.js GRU: against its linear_before_reset=0 variant). */
  readonly maxAbsDiff: number;
  readonly note: string | null;
}

/** A speedup: how many times faster `of` is than `over` (over's median / of's median). */
export interface Ratio {
  readonly of: ContestantId;
  readonly over: ContestantId;
  readonly ratio: number;
  /** Median over rounds of the per-round ratio: less sensitive to load that shifted between rounds. */
  readonly paired: number;
  /** Ratio of the p10s: the runs that other processes interrupted least. */
  readonly fast: number;
}

export interface CaseResult {
  readonly case: BenchCase;
  readonly label: string;
  /** Flops the GFLOP/s figures count: all multiply-adds, or the recurrent ones for a `recurrent` probe. */
  readonly flops: number;
  readonly bytes: number;
  readonly intensity: number;
  readonly kernels: readonly string[];
  readonly compileMs: number;
  readonly contestants: readonly ContestantResult[];
  readonly ratios: readonly Ratio[];
  readonly loadavg: readonly number[];
  /** Percent of the CPUs' time the hypervisor took while the case was timed (Linux), or null. */
  readonly stealPct?: number | null;
}

export interface Target {
  readonly name: string;
  readonly measured: string;
  /** null when the run did not include the cases the target needs. */
  readonly holds: boolean | null;
}

export interface BenchResults {
  readonly meta: {
    readonly date: string;
    readonly node: string;
    readonly v8: string;
    readonly cpu: string;
    readonly cores: number;
    readonly platform: string;
    readonly loadavgStart: readonly number[];
    readonly loadavgEnd: readonly number[];
    /** Percent of the CPUs' time the hypervisor took over the whole run (Linux), or null. */
    readonly stealPct?: number | null;
    readonly quick: boolean;
    readonly filter: string | null;
    readonly versions: Readonly<Record<string, string>>;
    readonly timing: TimingOptions;
    readonly durationS: number;
  };
  readonly machine: MachineProbe;
  readonly cases: readonly CaseResult[];
  readonly targets: readonly Target[];
}

/** Flops a case's GFLOP/s count. */
export const ratedFlops = (c: BenchCase): number => (c.kind === 'recurrent' ? recurrentFlops(c) : caseFlops(c));

/** Pairs reported as speedups, when both sides ran. */
export const RATIO_PAIRS: readonly (readonly [ContestantId, ContestantId])[] = [
  ['rnnc-1w', 'ort-web-1t'], ['rnnc-2w', 'ort-web-2t'], ['rnnc-1w', 'tfjs-1t'], ['rnnc-2w', 'tfjs-1t'],
  ['rnnc-1w', 'ort-node-1t'], ['rnnc-2w', 'ort-node-1t'], ['rnnc-2w', 'rnnc-1w'],
];

export function contestantResult(c: BenchCase, id: ContestantId, t: Timing, peak: number, maxAbsDiff: number, note: string | null): ContestantResult {
  const threads = CONTESTANT_THREADS[id];
  const gflops = ratedFlops(c) / (t.median * 1e6);
  return { id, threads, ...t, gflops, pctPeak: (100 * gflops) / (peak * threads), maxAbsDiff, note };
}

export function caseResult(c: BenchCase, label: string, kernels: readonly string[], compileMs: number, rs: readonly ContestantResult[], loadavg: readonly number[], stealPct: number | null = null): CaseResult {
  const by = new Map(rs.map((r) => [r.id, r]));
  const ratios: Ratio[] = [];
  for (const [of, over] of RATIO_PAIRS) {
    const a = by.get(of), b = by.get(over);
    if (!a || !b) continue;
    const perRound = a.roundMedians.map((m, i) => b.roundMedians[i] / m).sort((x, y) => x - y);
    ratios.push({ of, over, ratio: b.median / a.median, paired: perRound[Math.floor(perRound.length / 2)], fast: b.p10 / a.p10 });
  }
  return { case: c, label, flops: ratedFlops(c), bytes: caseBytes(c), intensity: intensity(c), kernels, compileMs, contestants: rs, ratios, loadavg, stealPct };
}

export const findRatio = (r: CaseResult, of: ContestantId, over: ContestantId): number | undefined =>
  r.ratios.find((x) => x.of === of && x.over === over)?.ratio;

export const geomean = (xs: readonly number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

/** The issue's targets, judged on this run's listed cases. */
export function judgeTargets(cases: readonly CaseResult[]): Target[] {
  const seq = cases.filter((r) => r.case.kind === 'sequence' && r.case.listed);
  const ratiosOf = (of: ContestantId, over: ContestantId) => seq.map((r) => findRatio(r, of, over)).filter((x): x is number => x !== undefined);
  const out: Target[] = [];
  const gm = (name: string, of: ContestantId, over: ContestantId, min: number, noneSlower = false) => {
    const xs = ratiosOf(of, over);
    if (!xs.length) return out.push({ name, measured: 'not run', holds: null });
    const g = geomean(xs), worst = Math.min(...xs);
    const slowest = seq.find((r) => findRatio(r, of, over) === worst)!.case.id;
    out.push({
      name, measured: `geomean ${g.toFixed(2)}x over ${xs.length} shapes; lowest ${worst.toFixed(2)}x (${slowest})`,
      holds: g >= min && (!noneSlower || worst >= 1),
    });
  };
  gm('1 worker vs ORT-web 1 thread: geomean >= 1.5x, no shape slower', 'rnnc-1w', 'ort-web-1t', 1.5, true);
  gm('2 workers vs ORT-web 2 threads: geomean >= 1.8x', 'rnnc-2w', 'ort-web-2t', 1.8);
  gm('1 worker vs TF.js: geomean >= 15x', 'rnnc-1w', 'tfjs-1t', 15);
  const probe = cases.find((r) => r.case.kind === 'recurrent' && r.case.cell === 'lstm' && r.case.hidden === 256);
  const p1 = probe?.contestants.find((x) => x.id === 'rnnc-1w');
  out.push(p1
    ? { name: 'recurrent step H=256, 1 worker: >= 85% of peak', measured: `${p1.pctPeak.toFixed(0)}% (LSTM; ${p1.gflops.toFixed(1)} GFLOP/s, recurrent flops only)`, holds: p1.pctPeak >= 85 }
    : { name: 'recurrent step H=256, 1 worker: >= 85% of peak', measured: 'not run', holds: null });
  const l256 = seq.find((r) => r.case.id === 'lstm_i256_h256_t100_b1');
  const l2 = l256?.contestants.find((x) => x.id === 'rnnc-2w'), native = l256?.contestants.find((x) => x.id === 'ort-node-1t');
  out.push(l2 && native
    ? { name: 'LSTM 256/256/100, 2 workers at or below native ORT 1 thread', measured: `${l2.median.toFixed(3)} ms vs ${native.median.toFixed(3)} ms`, holds: l2.median <= native.median }
    : { name: 'LSTM 256/256/100, 2 workers at or below native ORT 1 thread', measured: 'not run', holds: null });
  for (const cell of ['lstm', 'gru']) {
    const r = seq.find((x) => x.case.id === `${cell}_i256_h256_t100_b1`);
    const s = r && findRatio(r, 'rnnc-2w', 'rnnc-1w');
    const name = `${cell.toUpperCase()} 256/256/100: 2 workers >= 1.8x over 1 worker`;
    out.push(s !== undefined ? { name, measured: `${s.toFixed(2)}x`, holds: s >= 1.8 } : { name, measured: 'not run', holds: null });
  }
  const step = cases.find((r) => r.case.kind === 'step');
  const st = step && findRatio(step, 'rnnc-1w', 'ort-web-1t');
  out.push(st !== undefined
    ? { name: 'streaming step (LSTM 256/256): >= 5x faster than ORT-web', measured: `${st.toFixed(2)}x (1 worker vs 1 thread)`, holds: st >= 5 }
    : { name: 'streaming step (LSTM 256/256): >= 5x faster than ORT-web', measured: 'not run', holds: null });
  return out;
}
