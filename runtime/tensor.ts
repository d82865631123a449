/** Tensors exchanged with a session, shaped like onnxruntime-web's `Tensor`. */
import { InputError } from '../contract/errors.js';

export type TensorType = 'float32' | 'int32' | 'int64';
export type TensorData = Float32Array | Int32Array | BigInt64Array;

/** A dense, row-major tensor. */
export class Tensor {
  /** Element type. */
  readonly type: TensorType;
  /** Elements, row-major. */
  readonly data: TensorData;
  /** Dimensions. */
  readonly dims: readonly number[];

  /**
   * `new Tensor('float32', data, dims)`, `new Tensor(data, dims)` (type from the array), or
   * `new Tensor('int32', [1, 2, 3], [3])` from a plain array.
   */
  constructor(type: TensorType, data: TensorData | readonly number[], dims?: readonly number[]);
  constructor(data: TensorData, dims?: readonly number[]);
  constructor(a: TensorType | TensorData, b?: TensorData | readonly number[], c?: readonly number[]) {
    let type: TensorType, data: TensorData, dims: readonly number[] | undefined;
    if (typeof a === 'string') {
      if (a !== 'float32' && a !== 'int32' && a !== 'int64') {
        throw new InputError(`tensor type '${String(a)}' is not supported; expected float32, int32 or int64`);
      }
      type = a;
      const raw = b ?? [];
      data = raw instanceof Float32Array || raw instanceof Int32Array || raw instanceof BigInt64Array ? raw
        : type === 'float32' ? Float32Array.from(raw as readonly number[])
          : type === 'int32' ? Int32Array.from(raw as readonly number[])
            : BigInt64Array.from(raw as readonly number[], (v) => BigInt(v));
      dims = c;
    } else {
      data = a;
      type = a instanceof Int32Array ? 'int32' : a instanceof BigInt64Array ? 'int64' : 'float32';
      dims = b as readonly number[] | undefined;
    }
    const need = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array }[type];
    if (!(data instanceof need)) throw new InputError(`tensor of type ${type} needs a ${need.name}, got ${data?.constructor?.name}`);
    dims = dims ?? [data.length];
    if (!dims.every((d) => Number.isInteger(d) && d >= 0)) throw new InputError(`tensor dims must be non-negative integers, got [${dims.join(', ')}]`);
    const size = dims.reduce((p, d) => p * d, 1);
    if (size !== data.length) {
      throw new InputError(`tensor dims [${dims.join(', ')}] hold ${size} elements but the data has ${data.length}`);
    }
    this.type = type;
    this.data = data;
    this.dims = Object.freeze([...dims]);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }
}
