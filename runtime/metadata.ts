/** `inputMetadata` and `outputMetadata`, as onnxruntime-web 1.2x gives them, from a manifest. */
import type { Manifest, ManifestIO } from '../contract/manifest.js';
import type { TensorType } from './tensor_data.js';

/** A graph input's or output's name, element type and shape (symbolic axes by name). */
export interface ValueMetadata {
  readonly name: string;
  /** Always true: rnnc's inputs and outputs are tensors. */
  readonly isTensor: true;
  readonly type: TensorType;
  /** Dims; a string names a size that varies per call ('seq', 'batch', or the model's own dim name). */
  readonly shape: readonly (number | string)[];
  /**
   * rnnc: the largest batch a call may have, for a value with a 'batch' axis of a compiled artifact
   * (`rnnc compile --batch N` sets it). A session compiled in-process has none: it compiles for a
   * larger batch when one is fed.
   */
  readonly maxBatch?: number;
}

/** The metadata of an artifact's inputs and outputs: the module's types and dims. */
export function manifestMetadata(m: Manifest): { inputs: ValueMetadata[]; outputs: ValueMetadata[] } {
  const entry = (io: ManifestIO): ValueMetadata => {
    const shape = io.groups ? grouped(io.dims, io.groups) : [...io.dims];
    const batched = io.dims.includes('batch');
    return { name: io.name, isTensor: true, type: io.dtype, shape, ...(batched ? { maxBatch: m.maxBatch } : {}) };
  };
  return { inputs: m.inputs.map(entry), outputs: m.outputs.map(entry) };
}

/** Axis i spans groups[i] entries of dims: their product, or 'seq*batch' where one is symbolic. */
function grouped(dims: readonly (number | string)[], groups: readonly number[]): (number | string)[] {
  let at = 0;
  return groups.map((g) => {
    const part = dims.slice(at, at + g);
    at += g;
    if (part.every((d) => typeof d === 'number')) return (part as number[]).reduce((p, d) => p * d, 1);
    return part.join('*');
  });
}

/** The largest batch axis among the feeds of inputs with one (0: none given); the engine checks the rest. */
export function fedBatch(m: Manifest, feeds: unknown): number {
  let batch = 0;
  for (const io of m.inputs) {
    const axis = io.dims.indexOf('batch');
    const t = axis >= 0 && typeof feeds === 'object' && feeds !== null ? (feeds as Record<string, { dims?: unknown }>)[io.name] : undefined;
    const n = Array.isArray(t?.dims) ? t.dims[axis] : undefined;
    if (Number.isSafeInteger(n) && n > batch) batch = n;
  }
  return batch;
}
