/**
 * The model plan: every decision about a program, made once, before any code is emitted. Each step's
 * kernel plans itself (its op module's plan hook: an RNN's cell plan, a GEMM's tile), asks for
 * run-time scratch buffers, then reserves its static memory; the memory plan places everything; the
 * features the module needs and the worker recommendation follow from the step plans. The module,
 * the manifest, `rnnc plan` and the key all derive from this object.
 */
import type { CellDescriptor } from '../cells/types.js';
import type { Program } from '../frontend/program.js';
import { stepKernel } from '../ops/index.js';
import type { Plan, PlanOptions } from './cell.js';
import { DEFAULT_MACHINE, type MachineModel } from './machine.js';
import { MemoryPlanner, type StaticMemory } from './memory.js';

/** What a compile may set: plan overrides for every node, tuned plans per descriptor, the machine model. */
export interface ModelPlanOptions extends PlanOptions {
  /** Per-descriptor plan (and worker count) from a tuning file; overrides the options above for that node. */
  readonly tuned?: (d: CellDescriptor) => { plan: PlanOptions; workers: number } | undefined;
  /** The machine model the planner decides against (default DEFAULT_MACHINE). */
  readonly machine?: Partial<MachineModel>;
}

/** The plan of a whole program. */
export interface ModelPlan {
  readonly program: Program;
  /** Per step, its kernel's placed plan (what the op module's `place` returned; an RNN's holds its cell plan). */
  readonly steps: readonly unknown[];
  /** The cell plans of the RNN steps, in step order. */
  readonly cells: readonly Plan[];
  readonly memory: StaticMemory;
  readonly machine: MachineModel;
  /** The options the model was planned with (tuned entries included, per descriptor). */
  readonly options: ModelPlanOptions;
}

/** Plans a program: every step's kernel in two passes around the memory plan. */
export function planModel(program: Program, options: ModelPlanOptions = {}): ModelPlan {
  const machine: MachineModel = { ...DEFAULT_MACHINE, ...options.machine };
  const planOptions = (d?: CellDescriptor): PlanOptions => ({ ...options, ...(d ? options.tuned?.(d)?.plan : undefined) });
  const memory = new MemoryPlanner(program);
  const decided = program.steps.map((step, index) => stepKernel(step.op).plan?.(step, {
    index, program, machine, options: planOptions, buffer: (dims, slack) => memory.buffer(dims, slack),
  }));
  memory.placeConstants();
  const steps = program.steps.map((step, index) => {
    const place = stepKernel(step.op).place;
    if (!place) return decided[index];
    return place(step, decided[index], {
      index, program,
      reserve: (bytes, fill) => memory.reserve(bytes, fill),
      get next() { return memory.next; },
      constant: (c) => memory.constant(c),
    });
  });
  const cells = program.steps.flatMap((step, i) => {
    const cell = stepKernel(step.op).cellPlan?.(steps[i]);
    return cell ? [cell] : [];
  });
  return { program, steps, cells, memory: memory.finish(), machine, options };
}
