/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), the simplest way to hand rnnc a feed from
 * Python: `np.save('x.npy', x)`. Little-endian float32/float64/int32/int64 in C order are read;
 * float32 and int32 are written.
 */
import { InputError, UnsupportedError } from '../../contract/errors.js';
import { type ErrorClass, type TensorData, elementCount, narrowToInt32 } from './tensor_data.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Element types rnnc reads, by NumPy `descr`: bytes per element and how to read one. */
const READERS: Record<string, { size: number; float: boolean; get: (v: DataView, at: number) => number | bigint }> = {
  '<f4': { size: 4, float: true, get: (v, at) => v.getFloat32(at, true) },
  '<f8': { size: 8, float: true, get: (v, at) => v.getFloat64(at, true) },
  '<i4': { size: 4, float: false, get: (v, at) => v.getInt32(at, true) },
  '<i8': { size: 8, float: false, get: (v, at) => v.getBigInt64(at, true) },
};

/**
 * Reads a `.npy` file. float32 and float64 arrays become float32; int32 and int64 become int32 (an
 * int64 value outside int32 is an error). `what` names the file in errors; `error` is the class
 * thrown for a malformed file (InputError by default: .npy files are feeds). A Fortran-order array,
 * a big-endian or other element type throws UnsupportedError.
 */
export function readNpy(bytes: Uint8Array, what: string, error: ErrorClass = InputError): TensorData {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new error(`${what}: not a NumPy .npy file (it does not start with \\x93NUMPY)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new UnsupportedError(`${what}: .npy format version ${major}.${bytes[7]} is not supported; expected 1.0, 2.0 or 3.0`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new error(`${what}: truncated .npy header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (bytes.length < dataStart) {
    throw new error(`${what}: truncated .npy header (${bytes.length} bytes, the header ends at byte ${dataStart})`);
  }
  const headerBytes = bytes.subarray(8 + lenBytes, dataStart);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const { descr, fortran, dims } = parseHeader(header, what, error);

  const reader = READERS[descr];
  if (!reader) {
    throw new UnsupportedError(
      `${what}: NumPy dtype '${descr}' is not supported; rnnc reads little-endian ${Object.keys(READERS).join(', ')} (float32, float64, int32, int64)`,
    );
  }
  if (fortran) {
    throw new UnsupportedError(`${what}: Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)`);
  }
  const count = elementCount(dims, what, error);
  const need = count * reader.size;
  const have = bytes.length - dataStart;
  if (have < need) {
    throw new error(`${what}: truncated .npy data: ${have} bytes, but '${descr}' shape (${dims.join(', ')}) needs ${need}`);
  }
  if (have > need) throw new error(`${what}: ${have - need} unexpected bytes after the .npy data`);

  if (reader.float) {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = reader.get(view, dataStart + i * reader.size) as number;
    return { dims, dtype: 'float32', data };
  }
  const values = Array.from({ length: count }, (_, i) => reader.get(view, dataStart + i * reader.size));
  return { dims, dtype: 'int32', data: narrowToInt32(values, what, error) };
}

/** Parses the Python-literal header dict, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function parseHeader(header: string, what: string, error: ErrorClass): { descr: string; fortran: boolean; dims: number[] } {
  const bad = (why: string) => new error(`${what}: malformed .npy header (${why}): ${JSON.stringify(header.trim())}`);
  if (!header.trimStart().startsWith('{')) throw bad('not a dict');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  if (!descr) {
    if (/['"]descr['"]\s*:\s*\[/.test(header)) {
      throw new UnsupportedError(`${what}: structured NumPy arrays are not supported; save a plain numeric array`);
    }
    throw bad("no 'descr'");
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  if (!fortran) throw bad("no 'fortran_order'");
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shape) throw bad("no 'shape'");
  const parts = shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '');
  const dims = parts.map((p) => {
    const m = /^(\d+)L?$/.exec(p);
    if (!m) throw bad(`shape entry '${p}'`);
    return Number(m[1]);
  });
  return { descr: descr[1], fortran: fortran[1] === 'True', dims };
}

/**
 * Writes a `.npy` file (version 1.0, or 2.0 when the header needs it) holding `data` in C order with
 * the given dims: '<f4' for a Float32Array, '<i4' for an Int32Array. Throws InputError when
 * `data.length` does not match `dims`.
 */
/** The .npy element types writeNpy writes, by typed array; `bool` says a Uint8Array holds 0/1 flags. */
type NpyData = Float32Array | Int32Array | Uint16Array | BigInt64Array | Int8Array | Uint8Array;

/**
 * A .npy file of `data` under `dims`: float32 '<f4', int32 '<i4', int64 '<i8', int8 '|i1', uint8
 * '|u1' (or '|b1' with `bool`), and a Uint16Array as float16 bits '<f2' (the Tensor's float16 form).
 */
export function writeNpy(dims: readonly number[], data: NpyData, bool = false): Uint8Array {
  const count = elementCount(dims, '.npy data', InputError);
  if (count !== data.length) {
    throw new InputError(`.npy data: ${data.length} values given for shape (${dims.join(', ')}) (${count} elements)`);
  }
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Int32Array ? '<i4' : data instanceof BigInt64Array ? '<i8'
    : data instanceof Uint16Array ? '<f2' : data instanceof Int8Array ? '|i1' : bool ? '|b1' : '|u1';
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // NumPy pads the header with spaces and a final newline so that the data starts 64-byte aligned.
  const padded = (prefix: number) => Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const major = padded(10) - 10 > 0xffff ? 2 : 1;
  const prefix = major === 1 ? 10 : 12;
  const total = padded(prefix);
  dict = dict.padEnd(total - prefix - 1, ' ') + '\n';

  const out = new Uint8Array(total + data.byteLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  if (major === 1) view.setUint16(8, dict.length, true);
  else view.setUint32(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  // Little-endian, as every engine rnnc runs on lays out its typed arrays.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
