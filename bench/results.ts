/**
 * The machine-readable results (bench/results/*.json) and what is derived from the timings:
 * GFLOP/s, % of the measured peak, speedups against each peer, and the issue's targets.
 */
import { caseBytes, caseFlops, intensity, recurrentFlops, type BenchCase } from './cases.js';
import { ceilingMs } from './ceiling.js';
import type { MachineProbe } from './peak.js';
import type { ContestantId } from './peers/types.js';
import { CONTESTANT_THREADS } from './peers/types.js';
import type { Timing, TimingOptions } from './timing.js';
import type { WeightSizes } from './sizes.js';
import { conditionTargets, SCALING_TARGET, type ConditionsResult } from './report/conditions.js';

export interface ContestantResult extends Omit<Timing, 'roundMedians'> {
  readonly id: ContestantId;
  /** Threads or workers asked for; % of peak is against this many times the one-core peak. */
  readonly threads: number;
  readonly roundMedians: readonly number[];
  readonly gflops: number;
  readonly pctPeak: number;
  /** This machine's ceiling for the case on `threads` threads over the median, in percent (ceiling.ts). */
  readonly pctCeiling: number;
  /** Max abs difference of Y against native onnxruntime (TF.js GRU: against its linear_before_reset=0 variant). */
  readonly maxAbsDiff: number;
  readonly note: string | null;
  /** rnnc: of the timed calls, those on every worker and those on the calling thread alone (adaptWorkers); null for peers. */
  readonly calls: { readonly all: number; readonly solo: number } | null;
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
  /** This machine's ceiling for the case on 1 and on 2 threads, ms (ceiling.ts). */
  readonly ceiling1Ms: number;
  readonly ceiling2Ms: number;
  readonly contestants: readonly ContestantResult[];
  readonly ratios: readonly Ratio[];
  readonly loadavg: readonly number[];
  /** Percent of the CPUs' time the hypervisor took while the case was timed (Linux), or null. */
  readonly stealPct?: number | null;
  /** The model's weights in the ONNX file, the artifact and a loaded session's memory (rnnc compiled it). */
  readonly weights?: WeightSizes;
}

export interface Target {
  readonly name: string;
  readonly measured: string;
  /** What this machine's ceiling allows for the same figure (ceiling.ts): whether the target is reachable here. */
  readonly ceiling: string;
  /** null when the run did not include the cases the target needs. */
  readonly holds: boolean | null;
}

export interface BenchResults {
  readonly meta: {
    readonly date: string;
    readonly node: string;
    readonly v8: string;
    /** rnnc's kernels fused their multiply-adds (this engine has relaxed SIMD); absent in older runs. */
    readonly relaxedSimd?: boolean;
    readonly cpu: string;
    readonly cores: number;
    readonly platform: string;
    readonly loadavgStart: readonly number[];
    readonly loadavgEnd: readonly number[];
    /** Percent of the CPUs' time the hypervisor took over the whole run (Linux), or null. */
    readonly stealPct?: number | null;
    readonly quick: boolean;
    readonly filter: string | null;
    /** Busy processes that ran beside the benchmark on purpose (--hog); absent in older results. */
    readonly hogs?: number;
    readonly versions: Readonly<Record<string, string>>;
    readonly timing: TimingOptions;
    readonly durationS: number;
  };
  readonly machine: MachineProbe;
  readonly cases: readonly CaseResult[];
  /** rnnc 2 workers vs onnxruntime-web 2 threads in the conditions users run them (a full run; absent in older results). */
  readonly conditions?: ConditionsResult;
  readonly targets: readonly Target[];
}

/** Flops a case's GFLOP/s count. */
export const ratedFlops = (c: BenchCase): number => (c.kind === 'recurrent' ? recurrentFlops(c) : caseFlops(c));

/** Pairs reported as speedups, when both sides ran. */
export const RATIO_PAIRS: readonly (readonly [ContestantId, ContestantId])[] = [
  ['rnnc-1w', 'ort-web-1t'], ['rnnc-2w', 'ort-web-2t'], ['rnnc-1w', 'tfjs-1t'], ['rnnc-2w', 'tfjs-1t'],
  ['rnnc-1w', 'ort-node-1t'], ['rnnc-2w', 'ort-node-1t'], ['rnnc-2w', 'rnnc-1w'], ['rnnc-2w', 'rnnc-2w-fixed'], ['rnnc-2w-fixed', 'rnnc-1w'],
];

/** The figures of a contestant that depend on the machine probe. */
function againstMachine(c: BenchCase, threads: number, gflops: number, median: number, machine: MachineProbe) {
  return { pctPeak: (100 * gflops) / (machine.mulAddGflops * threads), pctCeiling: (100 * ceilingMs(c, threads, machine)) / median };
}

/** The figures of a case that depend on the machine probe. */
function ceilings(c: BenchCase, machine: MachineProbe) {
  return { ceiling1Ms: ceilingMs(c, 1, machine), ceiling2Ms: ceilingMs(c, 2, machine) };
}

export function contestantResult(c: BenchCase, id: ContestantId, t: Timing, machine: MachineProbe, maxAbsDiff: number, note: string | null,
  calls: ContestantResult['calls'] = null): ContestantResult {
  const threads = CONTESTANT_THREADS[id];
  const gflops = ratedFlops(c) / (t.median * 1e6);
  return { id, threads, ...t, gflops, ...againstMachine(c, threads, gflops, t.median, machine), maxAbsDiff, note, calls };
}

export function caseResult(c: BenchCase, label: string, kernels: readonly string[], compileMs: number, rs: readonly ContestantResult[], machine: MachineProbe, loadavg: readonly number[], stealPct: number | null = null): CaseResult {
  const by = new Map(rs.map((r) => [r.id, r]));
  const ratios: Ratio[] = [];
  for (const [of, over] of RATIO_PAIRS) {
    const a = by.get(of), b = by.get(over);
    if (!a || !b) continue;
    const perRound = a.roundMedians.map((m, i) => b.roundMedians[i] / m).sort((x, y) => x - y);
    ratios.push({ of, over, ratio: b.median / a.median, paired: perRound[Math.floor(perRound.length / 2)], fast: b.p10 / a.p10 });
  }
  return {
    case: c, label, flops: ratedFlops(c), bytes: caseBytes(c), intensity: intensity(c), kernels, compileMs,
    ...ceilings(c, machine), contestants: rs, ratios, loadavg, stealPct,
  };
}

/** The same case judged against another machine probe (the run's final, fastest readings). */
export function withMachine(r: CaseResult, machine: MachineProbe): CaseResult {
  const contestants = r.contestants.map((k) => ({ ...k, ...againstMachine(r.case, k.threads, k.gflops, k.median, machine) }));
  return { ...r, ...ceilings(r.case, machine), contestants };
}

export const findRatio = (r: CaseResult, of: ContestantId, over: ContestantId): number | undefined =>
  r.ratios.find((x) => x.of === of && x.over === over)?.ratio;

export const geomean = (xs: readonly number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

const median = (r: CaseResult | undefined, id: ContestantId) => r?.contestants.find((x) => x.id === id)?.median;
const ceilingOf = (r: CaseResult, threads: number) => (threads > 1 ? r.ceiling2Ms : r.ceiling1Ms);

/**
 * The issue's targets, judged on this run's listed cases, each with what this machine's ceiling
 * allows: the same figure with rnnc at its ceiling (peers as measured).
 */
export function judgeTargets(cases: readonly CaseResult[], machine: MachineProbe, conditions?: ConditionsResult): Target[] {
  const seq = cases.filter((r) => r.case.kind === 'sequence' && r.case.listed);
  const out: Target[] = [];
  const notRun = (name: string) => out.push({ name, measured: 'not run', ceiling: '', holds: null });
  // The geomean targets are over the DeepCPU shapes at batch 1 (the issue's 18); the listed batch 4
  // and 10 rows are quoted beside them, never folded in.
  const gm = (name: string, of: ContestantId, over: ContestantId, min: number, noneBelow = 0, perfectFrom?: ContestantId) => {
    const ratioed = seq.filter((r) => findRatio(r, of, over) !== undefined);
    const rows = ratioed.filter((r) => r.case.batch === 1);
    if (!rows.length) return notRun(name);
    const xs = rows.map((r) => findRatio(r, of, over)!);
    const g = geomean(xs), worst = Math.min(...xs);
    const slowest = rows[xs.indexOf(worst)].case.id;
    const atCeiling = rows.map((r) => median(r, over)! / ceilingOf(r, CONTESTANT_THREADS[of]));
    const cg = geomean(atCeiling), cmin = Math.min(...atCeiling);
    const all = ratioed.length > rows.length
      ? `; with batch 4 and 10, ${geomean(ratioed.map((r) => findRatio(r, of, over)!)).toFixed(2)}x over ${ratioed.length}` : '';
    // What perfect scaling would give: `of` exactly `threads` times as fast as `perfectFrom` was in this run.
    const base = perfectFrom && rows.map((r) => median(r, perfectFrom));
    const perfect = base && base.every((m) => m !== undefined)
      ? `; with ${CONTESTANT_THREADS[of]} workers exactly ${CONTESTANT_THREADS[of]}x as fast as this run's ${perfectFrom}, ${geomean(rows.map((r, i) => (median(r, over)! * CONTESTANT_THREADS[of]) / base[i]!)).toFixed(2)}x` : '';
    out.push({
      name, measured: `geomean ${g.toFixed(2)}x over ${xs.length} shapes at batch 1; lowest ${worst.toFixed(2)}x (${slowest})${all}${perfect}`,
      // The target over the ceiling's geomean: the share of its ceiling rnnc needs on every shape alike.
      // The share of its ceiling rnnc needs on every shape alike: for the geomean, and for the floor on the shape nearest it.
      ceiling: `geomean ${cg.toFixed(2)}x, lowest ${cmin.toFixed(2)}x (${rows[atCeiling.indexOf(cmin)].case.id}): ${cg >= min && cmin >= noneBelow ? `reachable, at ${(100 * Math.max(min / cg, noneBelow / cmin)).toFixed(0)}% of the ceiling on every shape` : '**out of reach here**'}`,
      holds: g >= min && worst >= noneBelow,
    });
  };
  gm('1 worker vs ORT-web 1 thread: geomean >= 1.6x, none below 1.2x', 'rnnc-1w', 'ort-web-1t', 1.6, 1.2);
  gm('2 workers vs ORT-web 2 threads: geomean >= 1.8x', 'rnnc-2w', 'ort-web-2t', 1.8, 0, 'rnnc-1w');
  gm('1 worker vs TF.js: geomean >= 15x', 'rnnc-1w', 'tfjs-1t', 15);

  const rec = 'recurrent step H=256, 1 worker: >= 85% of peak';
  const probe = cases.find((r) => r.case.kind === 'recurrent' && r.case.cell === 'lstm' && r.case.hidden === 256);
  const p1 = probe?.contestants.find((x) => x.id === 'rnnc-1w');
  if (probe && p1) {
    const top = (100 * probe.flops) / (probe.ceiling1Ms * 1e6) / machine.mulAddGflops;
    out.push({
      name: rec, measured: `${p1.pctPeak.toFixed(0)}% (LSTM; ${p1.gflops.toFixed(1)} GFLOP/s, recurrent flops only)`,
      ceiling: `${top.toFixed(0)}% (R, ${(probe.bytes / probe.case.seq / 2 ** 20).toFixed(2)} MiB a step, at the read bandwidth of that working set): ${top >= 85 ? 'reachable' : '**out of reach here**'}`,
      holds: p1.pctPeak >= 85,
    });
  } else notRun(rec);

  const nat = 'LSTM 256/256/100, 2 workers at or below native ORT 1 thread';
  const l256 = seq.find((r) => r.case.id === 'lstm_i256_h256_t100_b1');
  const l2 = median(l256, 'rnnc-2w'), native = median(l256, 'ort-node-1t');
  if (l256 && l2 !== undefined && native !== undefined) {
    out.push({
      name: nat, measured: `${l2.toFixed(3)} ms vs ${native.toFixed(3)} ms`,
      ceiling: `${l256.ceiling2Ms.toFixed(3)} ms: ${l256.ceiling2Ms <= native ? 'reachable' : '**out of reach here**'}`, holds: l2 <= native,
    });
  } else notRun(nat);

  for (const H of [256, 1024]) {
    const r = seq.find((x) => x.case.id === `lstm_i${H}_h${H}_t100_b1`);
    const s = r && findRatio(r, 'rnnc-2w', 'rnnc-1w');
    const name = `LSTM ${H}/${H}/100: 2 workers >= ${SCALING_TARGET}x over 1 worker`;
    if (!r || s === undefined) { notRun(name); continue; }
    const top = r.ceiling1Ms / r.ceiling2Ms;
    out.push({ name, measured: `${s.toFixed(2)}x`, ceiling: `${top.toFixed(2)}x (both at their ceilings): ${top >= SCALING_TARGET ? 'reachable' : '**out of reach here**'}`, holds: s >= SCALING_TARGET });
  }

  const sname = 'streaming step (LSTM 256/256): >= 5x faster than ORT-web';
  const step = cases.find((r) => r.case.kind === 'step');
  const st = step && findRatio(step, 'rnnc-1w', 'ort-web-1t');
  if (step && st !== undefined) {
    const top = median(step, 'ort-web-1t')! / step.ceiling1Ms;
    out.push({ name: sname, measured: `${st.toFixed(2)}x (1 worker vs 1 thread)`, ceiling: `${top.toFixed(2)}x (W and R, ${(step.bytes / 2 ** 20).toFixed(1)} MiB, read once): ${top >= 5 ? 'reachable' : '**out of reach here**'}`, holds: st >= 5 });
  } else notRun(sname);
  // Where users run it (bench/conditions.ts), when the run measured the conditions.
  if (conditions) out.push(...conditionTargets(conditions));
  return out;
}
