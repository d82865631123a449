/**
 * The compiler's public entry: ONNX bytes -> artifact, descriptor -> kernel, and the pieces the CLI
 * and the tuner build on.
 */
import type { ImportOptions } from './onnx/import.js';
import { compileProgram, type CompileOptions, type CompileResult } from './module/artifact.js';
import { lowerModel } from './frontend/index.js';

export { describeCell, descriptorKey, type CellDescriptor, type CellDescriptorInit } from './cells/descriptor.js';
export { makePlan, type Plan, type PlanOptions } from './plan/cell.js';
export { buildKernel, type CompiledKernel } from './module/kernel.js';
export { compileRnnModel, writeArtifact, type CompileOptions, type CompileResult } from './module/artifact.js';
export { importRnnModel, type ImportOptions } from './onnx/import.js';
export type { RnnModel } from './frontend/rnn_model.js';

export type ModelCompileOptions = CompileOptions & ImportOptions;

/**
 * Imports an ONNX model (bytes): the whole graph is folded and lowered to a program, then
 * compiled into one artifact. `summary` lists the program, the plans and the worker choice.
 */
export function compileModel(bytes: Uint8Array, opts: ModelCompileOptions = {}): CompileResult & { summary: readonly string[] } {
  const { program, summary } = lowerModel(bytes, { batch: opts.batch, source: opts.source });
  const result = compileProgram(program, { name: opts.source, ...opts }, summary);
  return { ...result, summary: result.artifact.manifest.summary };
}
export { lowerModel } from './frontend/index.js';
