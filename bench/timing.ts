import { readdirSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * The timing harness: every contestant of a case warms up (V8 tiers wasm up from Liftoff to
 * TurboFan; ORT and TF.js fill their caches), then all are timed in alternating rounds, so load that
 * comes and goes on a shared machine hits them alike. Per-inference latencies; medians and p10/p90.
 */

/** How long and how often to measure. */
export interface TimingOptions {
  /** Warm-up: at least this many runs and this many ms... */
  readonly warmRuns: number;
  readonly warmMs: number;
  /** ...unless a run is so slow that this many ms pass first (with at least 5 runs). */
  readonly warmCapMs: number;
  /** Rounds; each round runs every contestant once, in a rotating order. */
  readonly rounds: number;
  /** Target time of one contestant's block in a round (at least one run). */
  readonly blockMs: number;
  /** Pause after each block so threads a peer leaves spinning go idle before the next one starts. */
  readonly settleMs: number;
  /**
   * Then, where the process's threads' CPU time can be read (Linux), wait until they are idle, up to
   * this many ms. onnxruntime-web's pool threads spin on for 10-25 ms after its runs (LSTM 64/64 and
   * GRU 256/256, 2 threads; a scratch script sampling processCpuNs every millisecond): a 5 ms pause
   * left them running into the next block.
   */
  readonly quietCapMs: number;
}

export const FULL_TIMING: TimingOptions = { warmRuns: 30, warmMs: 300, warmCapMs: 4000, rounds: 15, blockMs: 80, settleMs: 5, quietCapMs: 60 };
export const QUICK_TIMING: TimingOptions = { warmRuns: 30, warmMs: 300, warmCapMs: 1500, rounds: 3, blockMs: 40, settleMs: 2, quietCapMs: 30 };

/** Latency statistics of one contestant in one case, milliseconds per inference. */
export interface Timing {
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly runs: number;
  readonly warmRuns: number;
  /** Process CPU time / wall time over the timed blocks: about the cores actually kept busy. */
  readonly cpuPerWall: number;
  /** The contestant's median in each round, in round order (for paired ratios). */
  readonly roundMedians: readonly number[];
}

export interface Timed {
  readonly id: string;
  run(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A full garbage collection, so that no contestant is timed while V8 collects a peer's garbage
 * (TF.js allocates tensors on every call; its collections, main-thread and concurrent, landed in the
 * next contestant's block and took a core from 2-worker runs).
 */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/**
 * Nanoseconds every thread of this process has run so far (the first field of each thread's
 * /proc/self/task/<tid>/schedstat), or null where there is no such file (not Linux). Not
 * process.cpuUsage(): it moves in scheduler ticks here, and over 2 ms windows read either 0 or 2
 * cores busy.
 */
export function processCpuNs(): number | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return Number.isFinite(ns) ? ns : null;
}

/** A window over which the threads used less than this many cores counts as idle. */
const IDLE_CORES = 0.25;
const IDLE_WINDOW_MS = 2;

/** Between blocks: collect, pause, then wait (up to quietCapMs) until the threads a peer left spinning are idle. */
async function settle(o: TimingOptions): Promise<void> {
  collectGarbage();
  await sleep(o.settleMs);
  const start = performance.now();
  let cpu = processCpuNs();
  while (cpu !== null && performance.now() - start < o.quietCapMs) {
    const t0 = performance.now();
    await sleep(IDLE_WINDOW_MS);
    const now = processCpuNs();
    if (now === null) return;
    const cores = (now - cpu) / 1e6 / (performance.now() - t0);
    cpu = now;
    if (cores < IDLE_CORES) return;
  }
}

/** The q-quantile (0..1) of sorted xs, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q, lo = Math.floor(at), hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

async function warmUp(c: Timed, o: TimingOptions): Promise<{ runs: number; perRunMs: number }> {
  const t0 = performance.now();
  let runs = 0;
  for (;;) {
    const elapsed = performance.now() - t0;
    if (runs >= o.warmRuns && elapsed >= o.warmMs) break;
    if (runs >= 5 && elapsed >= o.warmCapMs) break;
    await c.run();
    runs++;
  }
  return { runs, perRunMs: (performance.now() - t0) / runs };
}

/**
 * Warms every contestant up, then times them in `rounds` alternating rounds; `timed` is called
 * between the two (e.g. to count only the timed calls of a contestant).
 */
export async function timeRoundRobin(contestants: readonly Timed[], o: TimingOptions, timed?: () => void): Promise<Map<string, Timing>> {
  const state = new Map<string, { samples: number[]; rounds: number[]; reps: number; warmRuns: number; cpuUs: number; wallMs: number }>();
  for (const c of contestants) {
    const w = await warmUp(c, o);
    state.set(c.id, { samples: [], rounds: [], reps: Math.max(1, Math.round(o.blockMs / w.perRunMs)), warmRuns: w.runs, cpuUs: 0, wallMs: 0 });
    await settle(o);
  }
  timed?.();
  for (let r = 0; r < o.rounds; r++) {
    for (let k = 0; k < contestants.length; k++) {
      const c = contestants[(k + r) % contestants.length];
      const s = state.get(c.id)!;
      const block: number[] = [];
      const cpu0 = process.cpuUsage(), wall0 = performance.now();
      for (let i = 0; i < s.reps; i++) {
        const t0 = performance.now();
        await c.run();
        block.push(performance.now() - t0);
      }
      const cpu = process.cpuUsage(cpu0);
      s.wallMs += performance.now() - wall0;
      s.cpuUs += cpu.user + cpu.system;
      s.samples.push(...block);
      s.rounds.push(quantile([...block].sort((a, b) => a - b), 0.5));
      await settle(o);
    }
  }
  const out = new Map<string, Timing>();
  for (const [id, s] of state) {
    const sorted = [...s.samples].sort((a, b) => a - b);
    out.set(id, {
      median: quantile(sorted, 0.5), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9),
      runs: sorted.length, warmRuns: s.warmRuns, cpuPerWall: s.cpuUs / 1000 / s.wallMs, roundMedians: s.rounds,
    });
  }
  return out;
}
