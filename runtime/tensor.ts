/** Tensors exchanged with a session, shaped like onnxruntime-web's `Tensor`. */
import { InputError } from '../contract/errors.js';

export type TensorType = 'float32' | 'int32' | 'int64';
export type TensorData = Float32Array | Int32Array | BigInt64Array;

const ARRAY_OF = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array } as const;

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
   * `new Tensor('int32', [1, 2, 3], [3])` from a plain array (integer types: integers in range only;
   * int64 also takes bigints).
   */
  constructor(type: TensorType, data: TensorData | readonly number[] | readonly bigint[], dims?: readonly number[]);
  constructor(data: TensorData, dims?: readonly number[]);
  constructor(a: TensorType | TensorData, b?: TensorData | readonly number[] | readonly bigint[], c?: readonly number[]) {
    let type: TensorType, data: TensorData, dims: readonly number[] | undefined;
    if (typeof a === 'string') {
      if (a !== 'float32' && a !== 'int32' && a !== 'int64') {
        throw new InputError(`tensor type '${String(a)}' is not supported; expected float32, int32 or int64`);
      }
      type = a;
      data = Array.isArray(b) ? fromArray(type, b) : b as TensorData;
      dims = c;
    } else {
      data = a;
      type = a instanceof Int32Array ? 'int32' : a instanceof BigInt64Array ? 'int64' : 'float32';
      dims = b as readonly number[] | undefined;
    }
    const need = ARRAY_OF[type];
    if (!(data instanceof need)) {
      throw new InputError(`tensor of type ${type} needs a ${need.name} or an array of ${type === 'float32' ? 'numbers' : 'integers'}, got ${describe(data)}`);
    }
    dims = dims ?? [data.length];
    if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new InputError(`tensor dims must be an array of non-negative integers, got ${Array.isArray(dims) ? `[${dims.join(', ')}]` : describe(dims)}`);
    }
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

/**
 * A feed as a checked Tensor: a `Tensor`, or a plain `{ type, data, dims }` object (what
 * onnxruntime-web's tensors and hand-made feeds look like), checked exactly as the constructor
 * checks a new Tensor. Errors name the input.
 */
export function feedTensor(value: unknown, name: string): Tensor {
  if (typeof value !== 'object' || value === null || !('type' in value) || !('data' in value)) {
    throw new InputError(`input '${name}' must be a Tensor or an object with type, data and dims, got ${describe(value)}`);
  }
  const { type, data, dims } = value as { type: unknown; data: unknown; dims?: unknown };
  try {
    if (typeof type !== 'string') throw new InputError(`tensor type must be 'float32', 'int32' or 'int64', got ${describe(type)}`);
    return new Tensor(type as TensorType, data as TensorData, dims as readonly number[] | undefined);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`input '${name}': ${e.message}`);
    throw e;
  }
}

/**
 * A plain array as the typed array of `type`. Typed arrays would turn 7.9 into 7 and NaN into 0 in
 * an integer tensor (a token id, a sequence length) without a word, so integer types take integers
 * in range only, and every type takes numbers only (int64 also bigints).
 */
function fromArray(type: TensorType, values: readonly unknown[]): TensorData {
  const bad = values.findIndex((v) => !fits(type, v));
  if (bad >= 0) {
    const range = type === 'int32' ? 'an integer in -2^31..2^31-1' : type === 'int64' ? 'an integer in -2^63..2^63-1' : 'a number';
    throw new InputError(`tensor of type ${type}: element ${bad} is ${describe(values[bad])}; expected ${range}`);
  }
  if (type === 'int64') return BigInt64Array.from(values as readonly (number | bigint)[], (v) => BigInt(v));
  return ARRAY_OF[type].from(values as readonly number[]);
}

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

function fits(type: TensorType, v: unknown): boolean {
  if (type === 'float32') return typeof v === 'number';
  if (type === 'int32') return Number.isInteger(v) && (v as number) >= -2147483648 && (v as number) <= 2147483647;
  if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX;
  return Number.isInteger(v) && BigInt(v as number) >= INT64_MIN && BigInt(v as number) <= INT64_MAX;
}

/** A value for an error message: numbers and strings as written, arrays by their class, else the type. */
function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v;
}
