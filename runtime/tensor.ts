/** Tensors exchanged with a session, shaped like onnxruntime-web's `Tensor`. */
import { InputError } from '../contract/errors.js';
import { ARRAY_OF, CONVERTS_TO, TENSOR_TYPES, describe, fromArray, typeOfArray, widen, type TensorData, type TensorDataMap, type TensorType } from './tensor_data.js';

export type { TensorData, TensorDataMap, TensorType } from './tensor_data.js';

/** What a tensor's elements may be given as, besides their typed array: a plain array. */
type PlainData = readonly number[] | readonly bigint[] | readonly boolean[];

/**
 * A dense, row-major tensor in CPU memory. `T` is its element type, as in onnxruntime-web's
 * `TypedTensor<T>`; `data` is the typed array of that type (float16 and bool as their bits).
 */
export class Tensor<T extends TensorType = TensorType> {
  /** Element type. */
  readonly type: T;
  /** Dimensions. */
  readonly dims: readonly number[];
  /** Where the data lives: always the CPU (no GPU buffers, no textures). */
  readonly location = 'cpu' as const;
  #data: TensorDataMap[T] | null;

  /**
   * `new Tensor('float32', data, dims)`, `new Tensor(data, dims)` (type from the typed array; a
   * plain array of numbers is float32, of booleans bool), or a type and a plain array (integer
   * types: integers in range only; int64 also takes bigints).
   */
  constructor(type: T, data: TensorDataMap[T] | PlainData, dims?: readonly number[]);
  constructor(data: TensorDataMap[T] | readonly number[] | readonly boolean[], dims?: readonly number[]);
  constructor(a: T | TensorDataMap[T] | PlainData, b?: TensorDataMap[T] | PlainData | readonly number[], c?: readonly number[]) {
    let type: TensorType, data: unknown, dims: unknown;
    if (typeof a === 'string') {
      if (!TENSOR_TYPES.includes(a as TensorType)) {
        throw new InputError(`tensor type '${String(a)}' is not supported; expected one of ${TENSOR_TYPES.join(', ')}`);
      }
      type = a as TensorType;
      data = Array.isArray(b) ? fromArray(type, b) : b;
      dims = c;
    } else {
      const plain = Array.isArray(a) ? (typeof a[0] === 'boolean' ? 'bool' : 'float32') : null;
      const typed = plain ?? typeOfArray(a);
      if (!typed) throw new InputError(`a tensor without a type needs a Float32Array, Int32Array, BigInt64Array, Int8Array, Uint8Array or a plain array, got ${describe(a)}; name the type for float16 or bool (new Tensor('float16', bits, dims))`);
      type = typed;
      data = plain ? fromArray(plain, a as readonly unknown[]) : a;
      dims = b;
    }
    const need = ARRAY_OF[type];
    if (!(data instanceof need)) {
      throw new InputError(`tensor of type ${type} needs a ${need.name} or a plain array, got ${describe(data)}`);
    }
    const list = (dims ?? [(data as TensorData).length]) as readonly number[];
    if (!Array.isArray(list) || !list.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new InputError(`tensor dims must be an array of non-negative integers, got ${Array.isArray(list) ? `[${list.join(', ')}]` : describe(list)}`);
    }
    const size = list.reduce((p, d) => p * d, 1);
    if (size !== (data as TensorData).length) {
      throw new InputError(`tensor dims [${list.join(', ')}] hold ${size} elements but the data has ${(data as TensorData).length}`);
    }
    this.type = type as T;
    this.#data = data as TensorDataMap[T];
    this.dims = Object.freeze([...list]);
  }

  /** Elements, row-major. */
  get data(): TensorDataMap[T] {
    if (this.#data === null) throw new InputError(`this ${this.type} tensor [${this.dims.join(', ')}] has been disposed; its data is gone`);
    return this.#data;
  }

  /** Number of elements. */
  get size(): number {
    return this.dims.reduce((p, d) => p * d, 1);
  }

  /**
   * The data (onnxruntime's way for tensors that may live on a GPU; here it is already on the CPU).
   * `releaseData` is for GPU tensors: as in onnxruntime, a CPU tensor keeps its data.
   */
  async getData(_releaseData?: boolean): Promise<TensorDataMap[T]> {
    return this.data;
  }

  /** The same data under other dims with as many elements (no copy). */
  reshape(dims: readonly number[]): Tensor<T> {
    return new Tensor<T>(this.type, this.data, dims);
  }

  /** Lets go of the data; reading it afterwards is an error. */
  dispose(): void {
    this.#data = null;
  }
}

/** The types of `Tensor` under onnxruntime-web's names (`Tensor.Type`, `Tensor.DataTypeMap`, ...). */
export declare namespace Tensor {
  type Type = TensorType;
  type DataTypeMap = TensorDataMap;
  type DataType = TensorData;
  type DataLocation = 'cpu';
  type ElementTypeMap = { [K in TensorType]: K extends 'int64' ? bigint : K extends 'bool' ? boolean : number };
  type ElementType = ElementTypeMap[Type];
}

/** A tensor of element type T, as onnxruntime-web names it. */
export type TypedTensor<T extends TensorType> = Tensor<T>;

/**
 * A feed as a checked Tensor: a `Tensor`, or a plain `{ type, data, dims }` object (what
 * onnxruntime-web's tensors and hand-made feeds look like), checked exactly as the constructor
 * checks a new Tensor. Errors name the input.
 */
export function feedTensor(value: unknown, name: string): Tensor {
  if (typeof value !== 'object' || value === null || !('type' in value) || !('data' in value)) {
    throw new InputError(`input '${name}' must be a Tensor or an object with type, data and dims, got ${describe(value)}`);
  }
  try {
    const { type, data, dims } = value as { type: unknown; data: unknown; dims?: unknown };
    if (typeof type !== 'string') throw new InputError(`tensor type must be one of ${TENSOR_TYPES.join(', ')}, got ${describe(type)}`);
    return new Tensor(type as TensorType, data as TensorData, dims as readonly number[] | undefined);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`input '${name}': ${e.message}`);
    throw e;
  }
}

/**
 * A feed as the module reads it: as given when the input accepts its type, else converted where
 * that loses nothing the model could read (int8, uint8, bool to int32; float16 to float32).
 */
export function moduleFeed(t: Tensor, name: string, dtype: 'float32' | 'int32', accepts: readonly string[]): Tensor {
  if (accepts.includes(t.type)) return t;
  if (CONVERTS_TO[dtype].includes(t.type)) return new Tensor(widen(t.type, t.data), t.dims);
  throw new InputError(`input '${name}' must be ${accepts.join(' or ')} (or ${CONVERTS_TO[dtype].filter((x) => !accepts.includes(x)).join(', ')}, converted), got ${t.type}`);
}
