/**
 * How many workers a model should run on: the partition half of the plan. Each worker keeps its
 * slice of every RNN's weights hot in its own core's cache for the whole sequence (DeepCPU's
 * private-cache-aware partition) and meets the others at a barrier each timestep; more workers
 * shrink the slices until they fit a private L2, but every step then pays a barrier.
 */
import type { Plan } from './plan.js';

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
  /**
   * Throughput of two busy threads over one (bench/parallel.ts), as a fraction of the ideal 2x:
   * 1 on dedicated cores, near 0.5 where the "cores" share one physical core.
   */
  readonly parallelEfficiency: number;
}

/**
 * Measured on the CI machine (2 vCPUs, AMD EPYC, Node 20; bench/parallel.ts): two busy threads run
 * at twice the rate of one, a barrier costs about 1 us when the workers spin (a worker that falls
 * asleep in wait32 costs 10-15 us per step instead), and 2 workers reach 1.6-2.0x on LSTM 256/256.
 */
export const DEFAULT_MACHINE: MachineModel = { cores: 2, l2Bytes: 1024 * 1024, gflops: 35, barrierUs: 1.5, parallelEfficiency: 0.9 };

export interface WorkerChoice {
  readonly workers: number;
  readonly reasons: readonly string[];
}

/** Picks the worker count for a set of RNN plans at batch 1 (the serving case). */
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
      const rBytes = (L.gates * L.hiddenPadded * L.hiddenSize * 4) / p;
      // Weights that stay in L2 stream at compute speed; beyond it, at about half (L3 bandwidth).
      const spill = rBytes > machine.l2Bytes ? 2 : 1;
      const efficiency = p > 1 ? machine.parallelEfficiency : 1;
      const computeUs = ((flops / p) / (machine.gflops * 1e3 * efficiency)) * spill;
      const barriers = p > 1 ? L.phases.length * machine.barrierUs : 0;
      us += computeUs + barriers;
    }
    reasons.push(`${p} worker${p > 1 ? 's' : ''}: about ${us.toFixed(1)} us per timestep`);
    if (us < bestUs * 0.9) { best = p; bestUs = us; }
  }
  reasons.push(`chose ${best} (cores ${machine.cores}, L2 ${machine.l2Bytes / 1024} KiB per core assumed; the runtime never uses more workers than cores)`);
  return { workers: best, reasons };
}
