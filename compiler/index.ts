/**
 * The compiler's public entry: ONNX bytes -> artifact, descriptor -> kernel, and the pieces the CLI
 * and the tuner build on.
 */
import { importRnnModel, type ImportOptions } from './onnx/import.js';
import { compileRnnModel, type CompileOptions, type CompileResult } from './artifact.js';

export { describeCell, descriptorKey, type CellDescriptor, type CellDescriptorInit } from './descriptor.js';
export { makePlan, type Plan, type PlanOptions } from './plan.js';
export { buildKernel, type CompiledKernel } from './module.js';
export { compileRnnModel, writeArtifact, type CompileOptions, type CompileResult } from './artifact.js';
export { importRnnModel, type ImportOptions } from './onnx/import.js';
export type { RnnModel } from './model.js';

export type ModelCompileOptions = CompileOptions & ImportOptions;

/** Imports an ONNX model (bytes) and compiles it into an artifact. */
export function compileModel(bytes: Uint8Array, opts: ModelCompileOptions = {}): CompileResult & { model: ReturnType<typeof importRnnModel> } {
  const model = importRnnModel(bytes, { batch: opts.batch, source: opts.source });
  return { ...compileRnnModel(model, opts), model };
}
