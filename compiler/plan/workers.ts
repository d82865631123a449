/**
 * How many workers a model should run on: the partition half of the plan. Each worker keeps its
 * slice of every RNN's weights hot in its own core's cache for the whole sequence (DeepCPU's
 * private-cache-aware partition) and meets the others at a barrier each timestep; more workers
 * shrink the slices until they fit a private L2, but every step then pays a barrier.
 */
import type { Plan } from './cell.js';
import { DEFAULT_MACHINE, type MachineModel } from './machine.js';

export { DEFAULT_MACHINE, type MachineModel } from './machine.js';

/** The worker count for each number of cores a machine may have, and why. */
export interface WorkerRecommendation {
  /** byCores[c - 1]: the count for a machine with c cores; machines with more cores take the last entry. */
  readonly byCores: readonly number[];
  readonly reasons: readonly string[];
}

/** The most cores a recommendation lists: past this, machines take its last entry. */
export const RECOMMEND_CORES = 16;

/**
 * The worker count, per number of cores, for a set of RNN plans at batch 1 (the serving case): the
 * least time for a call of `machine.seq` steps, counting each additional worker's per-call cost. It
 * depends on the target's cores, not on the compiling machine's: the artifact carries the whole list.
 */
export function recommendWorkers(plans: readonly Plan[], machine: MachineModel = DEFAULT_MACHINE, maxCores = RECOMMEND_CORES): WorkerRecommendation {
  if (plans.length === 0) return { byCores: [1], reasons: ['no recurrent node: one worker'] };
  const reasons: string[] = [];
  const byCores: number[] = [];
  let best = 1;
  let bestUs = Infinity;
  for (let p = 1; p <= maxCores; p++) {
    const us = stepUs(plans, p, machine);
    const callUs = us * machine.seq + (p > 1 ? machine.callUs : 0);
    if (Number.isFinite(us)) {
      reasons.push(`${p} worker${p > 1 ? 's' : ''}: about ${us.toFixed(1)} us per timestep, ${(callUs / 1000).toFixed(2)} ms per call of ${machine.seq} steps${p > 1 ? ` (incl. ${machine.callUs} us to start and collect the workers)` : ''}`);
    }
    if (callUs < bestUs * 0.9) { best = p; bestUs = callUs; }
    byCores.push(best);
  }
  while (byCores.length > 1 && byCores[byCores.length - 1] === byCores[byCores.length - 2]) byCores.pop();
  const listed = byCores.map((w, c) => `${c + 1}${c === byCores.length - 1 && c + 1 < maxCores ? '+' : ''} core${c ? 's' : ''}: ${w}`);
  reasons.push(`chose by the target's cores: ${listed.join(', ')} (L2 ${machine.l2Bytes / 1024} KiB per core assumed; the runtime never uses more workers than cores)`);
  return { byCores, reasons };
}

/** Microseconds per timestep on p workers: the recurrent steps, the input projection and the updates, split; barriers added. */
function stepUs(plans: readonly Plan[], p: number, machine: MachineModel): number {
  let us = 0;
  for (const plan of plans) {
    const L = plan.layout;
    const blocks = L.hiddenPadded / L.unitsPerBlock;
    if (p > blocks) return Infinity;
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
  return us;
}
