/**
 * Plan -> validated, optimized WebAssembly module. The one place that strings the emitters together.
 */
import { Builder, type ModuleFeatures } from '../emit/ir.js';
import type { Plan } from '../plan/cell.js';
import { CONSTANT_POOL, ENTRY, MAX_PAGES, RESERVED } from '../../contract/abi.js';
import { emitRnnNode } from '../emit/rnn/run.js';
import { EngineError } from '../../contract/errors.js';


export interface CompiledKernel {
  readonly plan: Plan;
  readonly wasm: Uint8Array;
  readonly features: ModuleFeatures;
  /** Text form of the optimized module (binaryen's printer), when asked for. */
  readonly text?: string;
}

export interface BuildOptions {
  /** Skip binaryen's optimizer (for debugging the emitters). */
  readonly optimize?: boolean;
  /** Also return the text form. */
  readonly text?: boolean;
}

/** Emits, validates and optimizes the kernel module of a plan. */
export function buildKernel(plan: Plan, opts: BuildOptions = {}): CompiledKernel {
  const features: ModuleFeatures = { simd: true, relaxedSimd: plan.relaxedSimd, threads: false };
  const b = new Builder(features);
  try {
    b.importMemory(Math.ceil(plan.layout.staticEnd / 65536), MAX_PAGES);
    b.useConstantPool(CONSTANT_POOL, RESERVED);
    emitRnnNode(b, plan, ENTRY, ENTRY);
    b.finishConstantPool();
    if (!b.validate()) throw new EngineError(`internal error: the module emitted for ${plan.kernelName} (${plan.key}) does not validate`);
    if (opts.optimize !== false) b.optimize();
    if (!b.validate()) throw new EngineError(`internal error: the optimized module for ${plan.kernelName} does not validate`);
    return { plan, wasm: b.emitBinary(), features, text: opts.text ? b.emitText() : undefined };
  } finally {
    b.dispose();
  }
}
