/**
 * The element types a Tensor holds and the conversions between them: plain arrays to typed arrays
 * (checked), the narrow types models use at their borders to the module's int32 and float32, and
 * float16's bits to float32 and back.
 */
import { InputError } from '../contract/errors.js';

/** The typed array behind each element type, as in onnxruntime-web (bool and float16 by their bits). */
export interface TensorDataMap {
  float32: Float32Array;
  float16: Uint16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

/** Element types of tensors a session takes and returns. */
export type TensorType = keyof TensorDataMap;
export type TensorData = TensorDataMap[TensorType];

export const ARRAY_OF = {
  float32: Float32Array, float16: Uint16Array, int32: Int32Array, int64: BigInt64Array,
  int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
} as const;

export const TENSOR_TYPES = Object.keys(ARRAY_OF) as TensorType[];

const INT_RANGE: Partial<Record<TensorType, readonly [number, number]>> = {
  int32: [-2147483648, 2147483647], int8: [-128, 127], uint8: [0, 255], float16: [0, 65535],
};

/**
 * A plain array as the typed array of `type`. Typed arrays would turn 7.9 into 7 and NaN into 0 in
 * an integer tensor (a token id, a sequence length) without a word, so integer types take integers
 * in range only, float types numbers, bool booleans (or 0/1), int64 also bigints. A float16 array
 * holds the bits, as onnxruntime's does.
 */
export function fromArray(type: TensorType, values: readonly unknown[]): TensorData {
  const bad = values.findIndex((v) => !fits(type, v));
  if (bad >= 0) throw new InputError(`tensor of type ${type}: element ${bad} is ${describe(values[bad])}; expected ${expected(type)}`);
  if (type === 'int64') return BigInt64Array.from(values as readonly (number | bigint)[], (v) => BigInt(v));
  if (type === 'bool') return Uint8Array.from(values as readonly (boolean | number)[], (v) => Number(v));
  return ARRAY_OF[type].from(values as readonly number[]);
}

function expected(type: TensorType): string {
  const range = INT_RANGE[type];
  if (type === 'float16') return 'an integer in 0..65535 (the bits of a float16)';
  if (range) return `an integer in ${range[0]}..${range[1]}`;
  if (type === 'int64') return 'an integer in -2^63..2^63-1';
  if (type === 'bool') return 'a boolean (or 0, 1)';
  return 'a number';
}

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

function fits(type: TensorType, v: unknown): boolean {
  if (type === 'float32') return typeof v === 'number';
  if (type === 'bool') return typeof v === 'boolean' || v === 0 || v === 1;
  const range = INT_RANGE[type];
  if (range) return Number.isInteger(v) && (v as number) >= range[0] && (v as number) <= range[1];
  if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX;
  return Number.isInteger(v) && BigInt(v as number) >= INT64_MIN && BigInt(v as number) <= INT64_MAX;
}

/** The element type of a typed array given without a type (`new Tensor(data, dims)`), or null. */
export function typeOfArray(data: unknown): TensorType | null {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  return null;
}

/** The types a feed may have for a module input of `dtype`: converted on the way in. */
export const CONVERTS_TO: Readonly<Record<'float32' | 'int32', readonly TensorType[]>> = {
  float32: ['float32', 'float16'],
  int32: ['int32', 'int64', 'int8', 'uint8', 'bool'],
};

/** Narrow integer and bool elements as int32, float16 bits as float32 (int64 stays: the engine checks its range). */
export function widen(type: TensorType, data: TensorData): Float32Array | Int32Array | BigInt64Array {
  if (type === 'float16') return Float32Array.from(data as Uint16Array, halfToFloat);
  if (type === 'bool') return Int32Array.from(data as Uint8Array, (v) => (v ? 1 : 0));
  if (type === 'int8' || type === 'uint8') return Int32Array.from(data as Int8Array);
  return data as Float32Array | Int32Array | BigInt64Array;
}

/** The module's int32 or float32 elements as the model's declared type (outputs keep it). */
export function narrow(type: TensorType, data: Float32Array | Int32Array): TensorData {
  switch (type) {
    case 'int64': return BigInt64Array.from(data as Int32Array, (v) => BigInt(v));
    case 'float16': return Uint16Array.from(data as Float32Array, floatToHalf);
    case 'int8': return Int8Array.from(data as Int32Array);
    case 'uint8': return Uint8Array.from(data as Int32Array);
    case 'bool': return Uint8Array.from(data as Int32Array, (v) => (v ? 1 : 0));
    default: return data;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A number to IEEE binary16 bits, rounded to nearest even. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff, frac = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (frac ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = frac | 0x800000, shift = 14 - e;
    return sign | roundShift(m, shift);
  }
  // A carry out of the fraction rounds up into the exponent, as it should.
  return (sign | (e << 10)) + roundShift(frac, 13);
}

function roundShift(m: number, shift: number): number {
  const q = Math.floor(m / 2 ** shift), rest = m - q * 2 ** shift, half = 2 ** (shift - 1);
  return rest > half || (rest === half && q & 1) ? q + 1 : q;
}

/** A value for an error message: numbers and strings as written, arrays by their class, else the type. */
export function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v;
}
