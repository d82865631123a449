/**
 * The model plan: every decision about a program, made once, before any code is emitted. Each step's
 * kernel plans itself (its op module's plan hook: an RNN's cell plan, a GEMM's tile), asks for
 * run-time scratch buffers, then reserves its static memory; the memory plan places everything; the
 * features the module needs and the worker recommendation follow from the step plans. The module,
 * the manifest, `rnnc plan` and the key all derive from this object.
 */
import type { CellDescriptor } from '../cells/types.js';
import { type ConstRef, type Program, stepLabel } from '../frontend/program.js';
import { stepKernel } from '../ops/index.js';
import type { Plan, PlanOptions } from './cell.js';
import { DEFAULT_MACHINE, type MachineModel } from './machine.js';
import { MemoryPlanner, type StaticMemory } from './memory.js';
import { recommendWorkers, type WorkerRecommendation } from './workers.js';
import { fnv1a64 } from '../../contract/hash.js';
import { fileDigest } from '../../contract/artifact_digest.js';
import { RNNC_VERSION } from '../../contract/version.js';
import { internalAt } from '../../contract/errors.js';
import { recommendedWorkers } from '../../contract/manifest.js';

/** What a compile may set: plan overrides for every node, tuned plans per descriptor, the machine model. */
export interface ModelPlanOptions extends PlanOptions {
  /** Per-descriptor plan (and worker count) from a tuning file; overrides the options above for that node. */
  readonly tuned?: (d: CellDescriptor) => { plan: PlanOptions; workers: number } | undefined;
  /** The machine model the planner decides against (default DEFAULT_MACHINE). */
  readonly machine?: Partial<MachineModel>;
  /**
   * Build the multi-worker module too. Default: when the recommendation is above 1 worker for `cores`
   * cores, given (a compile for this machine, as InferenceSession.create does), else for some count.
   */
  readonly threads?: boolean;
  /** The cores the artifact will run on, when known (see `threads`); the recommendation still lists every count. */
  readonly cores?: number;
}

/** The plan of a whole program. */
export interface ModelPlan {
  readonly program: Program;
  /** Per step, its kernel's placed plan (what the op module's `place` returned; an RNN's holds its cell plan). */
  readonly steps: readonly unknown[];
  /** The cell plans of the RNN steps, in step order. */
  readonly cells: readonly Plan[];
  readonly memory: StaticMemory;
  /** What the module needs of the engine beside SIMD: relaxed SIMD where some step's plan uses it. */
  readonly features: { readonly relaxedSimd: boolean };
  /** The worker count by the target's cores (the cost model's, or the tuned one's). */
  readonly workers: WorkerRecommendation;
  /** Whether the multi-worker module is built. */
  readonly threads: boolean;
  /** Every step can run a timestep at a time, carrying its state (no RNN runs backward): `session.stream()`. */
  readonly streamable: boolean;
  /**
   * Names exactly one artifact: a hash of the rnnc version, the program, its constants' bytes and
   * every step's placed plan. Two plans that emit different bytes never share it.
   */
  readonly key: string;
}

/** Plans a program: every step's kernel in two passes around the memory plan. */
export function planModel(program: Program, options: ModelPlanOptions = {}): ModelPlan {
  const machine: MachineModel = { ...DEFAULT_MACHINE, ...options.machine };
  const planOptions = (d?: CellDescriptor): PlanOptions => {
    const tuned = d ? options.tuned?.(d)?.plan : undefined;
    if (!tuned) return options;
    // The SIMD flavour is the compile's: a plain artifact loads on every engine with wasm SIMD, so a
    // tuned plan never makes one node fused; in a fused compile it may keep a node plain, where the
    // tuner measured plain faster on this engine.
    const { relaxedSimd, ...rest } = tuned;
    return { ...options, ...rest, relaxedSimd: options.relaxedSimd === true && relaxedSimd !== false };
  };
  const memory = new MemoryPlanner(program);
  const decided = program.steps.map((step, index) => internalAt(stepLabel(step, index), () => stepKernel(step.op).plan?.(step, {
    index, program, machine, options: planOptions, buffer: (dims, slack) => memory.buffer(dims, slack),
    zeroedStatic: (bytes) => memory.zeroedStatic(bytes, stepLabel(step, index)),
  })));
  memory.placeConstants(constantsReadAtRunTime(program));
  const steps = program.steps.map((step, index) => internalAt(stepLabel(step, index), () => {
    const place = stepKernel(step.op).place;
    if (!place) return decided[index];
    return place(step, decided[index], {
      index, program,
      reserve: (bytes, fill) => memory.reserve(bytes, fill, stepLabel(step, index)),
      get next() { return memory.next; },
      constant: (c) => memory.constant(c),
      zeroedOffset: (handle) => memory.zeroedOffset(handle),
    });
  }));
  const cells = program.steps.flatMap((step, i) => {
    const cell = stepKernel(step.op).cellPlan?.(steps[i]);
    return cell ? [cell] : [];
  });
  const relaxedSimd = program.steps.some((step, i) => stepKernel(step.op).relaxedSimd?.(steps[i]) ?? false);
  const workers = recommendation(cells, machine, options);
  const threads = cells.length > 0 &&
    (options.threads ?? (options.cores ? recommendedWorkers({ workers }, options.cores) > 1 : workers.byCores.some((w) => w > 1)));
  const streamable = cells.length > 0 && program.steps.every((step) => stepKernel(step.op).streamable?.(step) ?? true);
  const finished = memory.finish();
  const key = fnv1a64(JSON.stringify({
    // Constants' data are in the image (its digest below); the program keeps their names and dims.
    rnnc: RNNC_VERSION, program: { ...program, constants: program.constants.map((c) => ({ ...c, data: c.data.length })) },
    steps: steps.map(withoutReasons), image: fileDigest(finished.image), relaxedSimd, workers: workers.byCores, threads,
  }));
  return { program, steps, cells, memory: finished, features: { relaxedSimd }, workers, threads, streamable, key };
}

/**
 * The constants some step's kernel reads at run time: every constant operand of a step, but those its
 * kernel only packs while placing (`packs`). Operands may sit in a step's arrays or nested objects.
 */
function constantsReadAtRunTime(program: Program): Set<number> {
  const read = new Set<number>();
  const walk = (v: unknown, packed: ReadonlySet<unknown>): void => {
    if (!v || typeof v !== 'object' || packed.has(v)) return;
    if (typeof (v as ConstRef).constant === 'number') read.add((v as ConstRef).constant);
    else for (const x of Object.values(v)) walk(x, packed);
  };
  for (const step of program.steps) walk(step, new Set(stepKernel(step.op).packs?.(step) ?? []));
  return read;
}

/** The cost model's recommendation, or the tuned worker count where every node has a tuning entry. */
function recommendation(cells: readonly Plan[], machine: MachineModel, options: ModelPlanOptions): WorkerRecommendation {
  const modelled = recommendWorkers(cells, machine);
  const tuned = cells.map((p) => options.tuned?.(p.descriptor)?.workers);
  if (tuned.length === 0 || tuned.some((w) => w === undefined)) return modelled;
  const most = Math.max(...(tuned as number[]));
  return {
    byCores: Array.from({ length: most }, (_, c) => Math.min(most, c + 1)),
    reasons: [...modelled.reasons, `tuned on this engine: ${most} (rnnc tune)`],
  };
}

/** A plan without its prose (the key covers decisions, not their explanations). */
function withoutReasons(p: unknown): unknown {
  return JSON.parse(JSON.stringify(p ?? null, (k, v) => (k === 'reasons' ? undefined : v)));
}
