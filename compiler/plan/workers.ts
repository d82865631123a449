/**
 * How many workers a model should run on: the partition half of the plan. Each worker keeps its
 * slice of every RNN's weights hot in its own core's cache for the whole sequence (DeepCPU's
 * private-cache-aware partition) and meets the others at a barrier each timestep; more workers
 * shrink the slices until they fit a private L2, but every step then pays a barrier.
 */
import type { Plan } from './cell.js';

/** The machine model the choice is made against. */
export interface MachineModel {
  /** Cores the runtime may use (os.availableParallelism() / navigator.hardwareConcurrency). */
  readonly cores: number;
  /** Private L2 bytes per core (not observable from wasm; 512 KiB is typical of current x64 cores). */
  readonly l2Bytes: number;
  /** Sustained f32x4 mul+add rate of one core, GFLOP/s (measured on the CI machine's cores). */
  readonly gflops: number;
  /** Cost of one barrier among the workers, microseconds (cache-line handoff, spin, futex wake). */
  readonly barrierUs: number;
  /** The cell update (activations, state) per hidden unit and timestep, nanoseconds. */
  readonly updateNsPerUnit: number;
  /**
   * What a call pays to start and collect its other workers, microseconds: a few tens in Node (the
   * caller computes a share, the others poll for the next call), a few hundred in a browser page
   * (the main thread cannot block: it awaits DONE through the event loop). A recommendation must
   * hold for both, since one artifact serves both.
   */
  readonly callUs: number;
  /** The sequence length the choice is made for (calls of one step pay callUs per step). */
  readonly seq: number;
  /**
   * Throughput of two busy threads over one (bench/parallel.ts), as a fraction of the ideal 2x:
   * 1 on dedicated cores, near 0.5 where the "cores" share one physical core.
   */
  readonly parallelEfficiency: number;
}

/**
 * Measured on the CI machine (2 vCPUs, AMD EPYC, Node 20; bench/parallel.ts): two busy threads run
 * at twice the rate of one; with the calling thread computing worker 0's share (no third thread
 * competing for the cores) a barrier and a tiny step cost 0.3 us per timestep, taken as 0.5 here;
 * 2 workers reach 1.7-2.1x on LSTM 256/256 and 1.2-1.6x on GRU 256/256 (two barriers per step).
 * The cell update took 0.2 ms of LSTM 4/256's 1.5 ms (100 steps): about 8 ns per unit and step.
 * A streaming step of the demo's LSTM 128 took 0.03 ms on 1 worker and 0.5-0.8 ms on 2 in Chromium
 * (0.06 ms in Node): per call, 2 workers cost about 200 us more where the caller awaits them.
 */
export const DEFAULT_MACHINE: MachineModel = { cores: 2, l2Bytes: 1024 * 1024, gflops: 35, barrierUs: 0.5, updateNsPerUnit: 8, callUs: 200, seq: 100, parallelEfficiency: 0.9 };

export interface WorkerChoice {
  readonly workers: number;
  readonly reasons: readonly string[];
}

/**
 * Picks the worker count for a set of RNN plans at batch 1 (the serving case): the least time for a
 * call of `machine.seq` steps, counting each additional worker's per-call cost.
 */
export function chooseWorkers(plans: readonly Plan[], machine: MachineModel = DEFAULT_MACHINE): WorkerChoice {
  const reasons: string[] = [];
  if (plans.length === 0) return { workers: 1, reasons: ['no recurrent node: one worker'] };
  let best = 1;
  let bestUs = Infinity;
  for (let p = 1; p <= Math.max(1, machine.cores); p++) {
    let us = 0;
    for (const plan of plans) {
      const L = plan.layout;
      const blocks = L.hiddenPadded / L.unitsPerBlock;
      if (p > blocks) { us = Infinity; break; }
      const flops = 2 * L.gates * L.hiddenPadded * L.hiddenSize; // recurrent step, batch 1
      // The input projection is split over the workers too (its share of one timestep; near peak).
      const inputFlops = 2 * L.gates * L.hiddenPadded * L.inputSize * L.directions;
      const rBytes = (L.gates * L.hiddenPadded * L.hiddenSize * 4) / p;
      // Weights that stay in L2 stream at compute speed; beyond it, at about half (L3 bandwidth).
      const spill = rBytes > machine.l2Bytes ? 2 : 1;
      const efficiency = p > 1 ? machine.parallelEfficiency : 1;
      const computeUs = ((flops * L.directions / p) / (machine.gflops * 1e3 * efficiency)) * spill +
        (inputFlops / p) / (2 * machine.gflops * 1e3 * efficiency) +
        (L.hiddenSize * L.directions * machine.updateNsPerUnit) / 1e3 / (p * efficiency);
      const barriers = p > 1 ? L.phases.length * L.directions * machine.barrierUs : 0;
      us += computeUs + barriers;
    }
    const callUs = us * machine.seq + (p > 1 ? machine.callUs : 0);
    reasons.push(`${p} worker${p > 1 ? 's' : ''}: about ${us.toFixed(1)} us per timestep, ${(callUs / 1000).toFixed(2)} ms per call of ${machine.seq} steps${p > 1 ? ` (incl. ${machine.callUs} us to start and collect the workers)` : ''}`);
    if (callUs < bestUs * 0.9) { best = p; bestUs = callUs; }
  }
  reasons.push(`chose ${best} (cores ${machine.cores}, L2 ${machine.l2Bytes / 1024} KiB per core assumed; the runtime never uses more workers than cores)`);
  return { workers: best, reasons };
}
