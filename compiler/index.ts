/**
 * The compiler's public entry: ONNX bytes -> program -> model plan -> artifact, one path for files,
 * bytes and shapes (a shape is compiled as its one-node model, `cellModel`), and the pieces the CLI,
 * the tuner and the benchmarks build on.
 */
import { internalAt } from '../contract/errors.js';
import { compileProgram, type CompileOptions, type CompileResult } from './module/artifact.js';
import { lowerModel, type LowerOptions } from './frontend/index.js';

export { describeCell, descriptorKey, type CellDescriptor, type CellDescriptorInit } from './cells/descriptor.js';
export { cellModel, syntheticWeights, type CellModelOptions, type CellWeights } from './frontend/cell_model.js';
export { lowerModel, openInputs, type LowerOptions } from './frontend/index.js';
export type { Program, Step } from './frontend/program.js';
export { makePlan, type Plan, type PlanOptions } from './plan/cell.js';
export { planModel, type ModelPlan, type ModelPlanOptions } from './plan/model.js';
export { compileProgram, writeArtifact, type CompileOptions, type CompileResult } from './module/artifact.js';

/** Loads binaryen, which `optimize: 'full'` and `text: true` need (a default compile does not). */
export { loadBinaryen } from './emit/wasm/binaryen.js';

export type ModelCompileOptions = CompileOptions & LowerOptions;

/**
 * Compiles an ONNX model (bytes): the whole graph is folded and lowered to a program, planned, and
 * emitted into one artifact. `summary` lists the program, the plans and the worker choice.
 */
export function compileModel(bytes: Uint8Array, opts: ModelCompileOptions = {}): CompileResult & { summary: readonly string[] } {
  const { program, summary } = lowerModel(bytes, { batch: opts.batch, source: opts.source, shapes: opts.shapes, bind: opts.bind });
  // Planning and emission name the step at fault; what fails between steps is named by the model.
  const result = internalAt(opts.source ?? 'model', () => compileProgram(program, { name: opts.source, ...opts }, summary));
  return { ...result, summary: result.artifact.manifest.summary };
}
