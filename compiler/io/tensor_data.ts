/**
 * The in-memory tensor every rnnc file reader returns and every writer takes: dims, element type and
 * a typed array in C (row-major) order. Only the two element types rnnc exchanges exist here.
 */
import { ModelError, type RnncError } from '../../contract/errors.js';

/** Tensor element types rnnc exchanges in files (.npy, .pb). */
export type DType = 'float32' | 'int32';

/** A dense tensor in row-major order. `data.length` is the product of `dims` (1 for a scalar). */
export interface TensorData {
  /** Dims, outermost first; `[]` is a scalar. */
  dims: number[];
  /** Element type; `data` is a Float32Array for float32 and an Int32Array for int32. */
  dtype: DType;
  data: Float32Array | Int32Array;
}

/** A tensor with the name it carries in its file (a TensorProto name; may be empty). */
export interface NamedTensor extends TensorData {
  /** The tensor's name, '' when the file gives none. */
  name: string;
}

/** The constructor of one of rnnc's error classes, used by readers to report as the caller asks. */
export type ErrorClass = new (message: string) => RnncError;

/**
 * The number of elements of a tensor with these dims, checking that each dim is a non-negative
 * integer and that the count stays a safe integer. `what` names the tensor in the error.
 */
export function elementCount(dims: readonly number[], what: string, error: ErrorClass = ModelError): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new error(`${what}: invalid dim ${d} in [${dims.join(', ')}]`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new error(`${what}: dims [${dims.join(', ')}] hold too many elements`);
  }
  return n;
}

/**
 * Converts int64 values to int32, throwing `error` naming `what` at the first value outside the
 * int32 range.
 */
export function narrowToInt32(values: ArrayLike<bigint | number>, what: string, error: ErrorClass): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!(v >= -0x80000000 && v <= 0x7fffffff)) {
      throw new error(`${what}: int64 value ${String(values[i])} at index ${i} does not fit in int32`);
    }
    out[i] = v;
  }
  return out;
}
