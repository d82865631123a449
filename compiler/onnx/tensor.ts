/**
 * ONNX TensorProto <-> TensorData: decoding initializers, Constant values and the backend tests'
 * `input_N.pb` / `output_N.pb` files, and encoding one tensor (what `rnnc run` writes).
 */
import { InputError, ModelError, UnsupportedError } from '../../contract/errors.js';
import {
  type ErrorClass, type NamedTensor, elementCount, narrowToInt32,
} from '../io/tensor_data.js';
import { DataType, type Int64, type TensorProto, dataTypeName, int64ToNumber, onnx } from './proto.js';

const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;

/**
 * Decodes a TensorProto to float32 or int32. FLOAT, DOUBLE and FLOAT16 become float32; INT32 and
 * INT64 become int32 (INT64 values outside int32 are an error). `what` names the tensor in errors
 * (default: `tensor '<name>'`); `error` is the class thrown for malformed data (an unsupported type
 * or external data always throws UnsupportedError). The data present is checked against the dims
 * before anything is allocated: a dim of 2^40 over 8 bytes is an error of the model, not of memory.
 */
export function decodeTensor(t: TensorProto, what?: string, error: ErrorClass = ModelError): NamedTensor {
  const { name, label, type, dims, count, view, checkRaw, checkCount } = tensorLayout(t, what, error);
  switch (type) {
    case DataType.FLOAT: {
      if (view) checkRaw(4);
      else checkCount(t.floatData?.length ?? 0, 'float_data');
      const data = new Float32Array(count);
      if (view) for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
      else data.set(t.floatData ?? []);
      return { name, dims, dtype: 'float32', data };
    }
    case DataType.DOUBLE: {
      if (view) checkRaw(8);
      else checkCount(t.doubleData?.length ?? 0, 'double_data');
      const data = new Float32Array(count);
      if (view) for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, true);
      else data.set(t.doubleData ?? []);
      return { name, dims, dtype: 'float32', data };
    }
    case DataType.FLOAT16: {
      // ONNX stores each float16 in the low 16 bits of an int32_data entry.
      if (view) checkRaw(2);
      else checkCount(t.int32Data?.length ?? 0, 'int32_data');
      const data = new Float32Array(count);
      if (view) for (let i = 0; i < count; i++) data[i] = halfToFloat(view.getUint16(2 * i, true));
      else for (let i = 0; i < count; i++) data[i] = halfToFloat(t.int32Data![i] & 0xffff);
      return { name, dims, dtype: 'float32', data };
    }
    case DataType.INT32:
      return { name, dims, dtype: 'int32', data: Int32Array.from(int32Values(t, count, view, checkRaw, checkCount)) };
    case DataType.INT64:
      return { name, dims, dtype: 'int32', data: narrowToInt32(int64Values(t, count, view, checkRaw, checkCount), label, error) };
    default:
      return unsupportedType(type, label, error);
  }
}

/** An integer tensor with its values as JS numbers (see `decodeIntTensor`). */
export interface IntTensor {
  readonly name: string;
  readonly dims: number[];
  /** Row-major values; INT64 values beyond 2^53 in magnitude are rounded to the nearest double. */
  readonly data: number[];
}

/**
 * Decodes an INT32, INT64 or BOOL TensorProto without narrowing to int32: shape arithmetic needs the
 * INT64 values exporters use as "to the end" markers (e.g. INT64_MAX as a Slice end). Other types
 * throw UnsupportedError; `what` and `error` as for `decodeTensor`.
 */
export function decodeIntTensor(t: TensorProto, what?: string, error: ErrorClass = ModelError): IntTensor {
  const { name, label, type, dims, count, view, checkRaw, checkCount } = tensorLayout(t, what, error);
  switch (type) {
    case DataType.INT32:
    case DataType.BOOL:
      if (type === DataType.BOOL && view) {
        checkRaw(1);
        return { name, dims, data: Array.from({ length: count }, (_, i) => view.getUint8(i)) };
      }
      return { name, dims, data: int32Values(t, count, view, checkRaw, checkCount) };
    case DataType.INT64:
      return { name, dims, data: int64Values(t, count, view, checkRaw, checkCount).map(Number) };
    default:
      return unsupportedType(type, label, error);
  }
}

type RawCheck = (bytesPer: number) => void;
type CountCheck = (n: number, field: string) => void;

/** What every decoder reads first: label, type, dims, element count and the raw_data view with its checks. */
function tensorLayout(t: TensorProto, what: string | undefined, error: ErrorClass) {
  const name = t.name ?? '';
  const label = what ?? `tensor '${name}'`;
  const type = t.dataType ?? 0;
  if (t.dataLocation === EXTERNAL) {
    throw new UnsupportedError(`${label}: data stored outside the model file (data_location EXTERNAL) is not supported; save the model with its weights inside`);
  }
  if (t.segment) throw new UnsupportedError(`${label}: segmented tensors are not supported`);
  const dims = (t.dims ?? []).map((d) => {
    const n = int64ToNumber(d);
    if (n === null || n < 0) throw new error(`${label}: invalid dim ${String(d)}`);
    return n;
  });
  const count = elementCount(dims, label, error);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const checkRaw: RawCheck = (bytesPer) => {
    if (raw!.length !== count * bytesPer) {
      throw new error(`${label}: raw_data holds ${raw!.length} bytes, but ${dataTypeName(type)} dims [${dims.join(', ')}] need ${count * bytesPer}`);
    }
  };
  const checkCount: CountCheck = (n, field) => {
    if (n !== count) throw new error(`${label}: ${field} holds ${n} elements, but dims [${dims.join(', ')}] need ${count}`);
  };
  return { name, label, type, dims, count, view, checkRaw, checkCount };
}

function int32Values(t: TensorProto, count: number, view: DataView | null, checkRaw: RawCheck, checkCount: CountCheck): number[] {
  if (view) {
    checkRaw(4);
    return Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
  }
  checkCount(t.int32Data?.length ?? 0, 'int32_data');
  return Array.from(t.int32Data ?? []);
}

function int64Values(t: TensorProto, count: number, view: DataView | null, checkRaw: RawCheck, checkCount: CountCheck): (bigint | number)[] {
  if (view) {
    checkRaw(8);
    return Array.from({ length: count }, (_, i) => view.getBigInt64(8 * i, true));
  }
  checkCount(t.int64Data?.length ?? 0, 'int64_data');
  return (t.int64Data ?? []).map((v) => int64ToNumber(v) ?? int64Approx(v));
}

/** An int64 beyond 2^53 as the nearest double (NaN when it cannot be read). */
function int64Approx(v: Int64): number {
  if (v === null || v === undefined || typeof v === 'number') return typeof v === 'number' ? v : NaN;
  const high = v.unsigned ? v.high >>> 0 : v.high | 0;
  return high * 2 ** 32 + (v.low >>> 0);
}

function unsupportedType(type: number, label: string, error: ErrorClass): never {
  if (type === DataType.UNDEFINED) throw new error(`${label}: the tensor has no data type (data_type 0)`);
  throw new UnsupportedError(
    `${label}: data type ${dataTypeName(type)} is not supported; rnnc reads FLOAT, DOUBLE, FLOAT16, INT32 and INT64 tensors`,
  );
}

/** IEEE 754 binary16 bits to a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Reads one serialized TensorProto (an ONNX backend test `input_N.pb` / `output_N.pb` file). `what`
 * names the file in errors; `error` is the class thrown for a malformed file (InputError by default,
 * as these files are usually feeds; pass ModelError for reference data).
 */
export function readTensorFile(bytes: Uint8Array, what: string, error: ErrorClass = InputError): NamedTensor {
  let t: TensorProto;
  try {
    t = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new error(`${what}: not a serialized ONNX TensorProto (${(e as Error).message})`);
  }
  if (!t.dataType) throw new error(`${what}: not a serialized ONNX TensorProto (no data type)`);
  return decodeTensor(t, t.name ? `${what} (tensor '${t.name}')` : what, error);
}

/**
 * Serializes one tensor as an ONNX TensorProto with little-endian `raw_data`: FLOAT for a
 * Float32Array, INT32 for an Int32Array. Throws ModelError when `data.length` does not match `dims`.
 */
export function encodeTensorProto(name: string, dims: readonly number[], data: Float32Array | Int32Array): Uint8Array {
  const count = elementCount(dims, `tensor '${name}'`);
  if (count !== data.length) {
    throw new ModelError(`tensor '${name}': ${data.length} values given for dims [${dims.join(', ')}] (${count} elements)`);
  }
  const raw = new Uint8Array(4 * count);
  const view = new DataView(raw.buffer);
  if (data instanceof Float32Array) {
    for (let i = 0; i < count; i++) view.setFloat32(4 * i, data[i], true);
  } else {
    for (let i = 0; i < count; i++) view.setInt32(4 * i, data[i], true);
  }
  const dataType = data instanceof Float32Array ? DataType.FLOAT : DataType.INT32;
  const bytes = onnx.TensorProto.encode({ name, dims: [...dims], dataType, rawData: raw }).finish();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
