/**
 * The compiler's public entry: ONNX bytes -> artifact, descriptor -> kernel, and the pieces the CLI
 * and the tuner build on.
 */
import type { ImportOptions } from './onnx/import.js';
import { compileStream, type CompileOptions, type CompileResult } from './artifact.js';
import { lowerModel } from './graph/index.js';

export { describeCell, descriptorKey, type CellDescriptor, type CellDescriptorInit } from './descriptor.js';
export { makePlan, type Plan, type PlanOptions } from './plan.js';
export { buildKernel, type CompiledKernel } from './module.js';
export { compileRnnModel, writeArtifact, type CompileOptions, type CompileResult } from './artifact.js';
export { importRnnModel, type ImportOptions } from './onnx/import.js';
export type { RnnModel } from './model.js';

export type ModelCompileOptions = CompileOptions & ImportOptions;

/**
 * Imports an ONNX model (bytes): the whole graph is folded and lowered to a kernel stream, then
 * compiled into one artifact. `summary` lists the stream, the plans and the worker choice.
 */
export function compileModel(bytes: Uint8Array, opts: ModelCompileOptions = {}): CompileResult & { summary: readonly string[] } {
  const { stream, summary } = lowerModel(bytes, { batch: opts.batch, source: opts.source });
  const result = compileStream(stream, { name: opts.source, ...opts }, summary);
  return { ...result, summary: result.artifact.manifest.summary };
}
export { lowerModel } from './graph/index.js';
