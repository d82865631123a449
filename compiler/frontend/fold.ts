/**
 * Compile-time evaluation on constants: the data movement of Transpose, Slice, Gather, Concat and
 * Expand, and elementwise arithmetic with NumPy broadcasting. Int data may hold symbolic integers
 * (a Shape node's `seq`), so every op here is generic over the element type.
 */
import { UnsupportedError } from '../../contract/errors.js';
import { type SymInt, formatDims, isNum, symEq } from './symbolic.js';
import { type ConstVal, type FloatConst, type IntConst, sizeOf } from './value.js';

/**
 * The most elements folding makes in one constant (2^27: half a GiB of float32). Weights are far
 * smaller; a Range or Expand past it is a broken or hostile model, refused before any allocation.
 */
export const MAX_FOLDED = 2 ** 27;

/** Throws UnsupportedError when a folded constant of `count` elements (of dims `dims`) would pass MAX_FOLDED. */
export function checkFolded(count: number, dims: readonly SymInt[]): void {
  if (count > MAX_FOLDED) {
    throw new UnsupportedError(`folding it would make a constant of ${formatDims(dims)} (${count} elements); rnnc folds constants of at most ${MAX_FOLDED} elements`);
  }
}

/** Row-major strides of dims. */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** Calls f with each multi-index of dims in row-major order, and its flat position. */
function forEachIndex(dims: readonly number[], f: (idx: readonly number[], flat: number) => void): void {
  const n = sizeOf(dims);
  checkFolded(n, dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(idx, flat);
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
}

/** A constant of the same element type holding v's elements at flat positions `from`. */
export function take(v: ConstVal, from: readonly number[], dims: readonly number[]): ConstVal {
  if (v.dtype === 'float') {
    const data = new Float32Array(from.length);
    for (let i = 0; i < from.length; i++) data[i] = v.data[from[i]];
    return { kind: 'const', dtype: 'float', dims: [...dims], data };
  }
  return { kind: 'const', dtype: 'int', dims: [...dims], data: from.map((i) => v.data[i]) };
}

/** The same data seen with other dims (Reshape, Squeeze, Unsqueeze, Flatten). */
export function withDims(v: ConstVal, dims: readonly number[]): ConstVal {
  return { ...v, dims: [...dims] } as ConstVal;
}

export function transposeConst(v: ConstVal, perm: readonly number[]): ConstVal {
  const st = strides(v.dims);
  const dims = perm.map((p) => v.dims[p]);
  const from: number[] = [];
  forEachIndex(dims, (idx) => from.push(idx.reduce((acc, i, a) => acc + i * st[perm[a]], 0)));
  return take(v, from, dims);
}

/** Per axis: first index, step and count. */
export interface AxisRange {
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

export function sliceConst(v: ConstVal, ranges: readonly AxisRange[]): ConstVal {
  const st = strides(v.dims);
  const dims = ranges.map((r) => r.count);
  const from: number[] = [];
  forEachIndex(dims, (idx) => from.push(idx.reduce((acc, i, a) => acc + (ranges[a].start + i * ranges[a].step) * st[a], 0)));
  return take(v, from, dims);
}

/** ONNX Gather along `axis` with (already normalized, in-range) indices of dims idxDims. */
export function gatherConst(v: ConstVal, axis: number, indices: readonly number[], idxDims: readonly number[]): ConstVal {
  const outer = sizeOf(v.dims.slice(0, axis));
  const inner = sizeOf(v.dims.slice(axis + 1));
  checkFolded(outer * indices.length * inner, [...v.dims.slice(0, axis), ...idxDims, ...v.dims.slice(axis + 1)]);
  const from: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const k of indices) for (let i = 0; i < inner; i++) from.push((o * v.dims[axis] + k) * inner + i);
  }
  return take(v, from, [...v.dims.slice(0, axis), ...idxDims, ...v.dims.slice(axis + 1)]);
}

/** Concatenation along axis of constants of one element type and matching other dims. */
export function concatConst(vs: readonly ConstVal[], axis: number): ConstVal {
  const dims = [...vs[0].dims];
  dims[axis] = vs.reduce((s, v) => s + v.dims[axis], 0);
  checkFolded(sizeOf(dims), dims);
  const outer = sizeOf(dims.slice(0, axis));
  const pieces: { v: ConstVal; at: number }[] = [];
  for (let o = 0; o < outer; o++) {
    for (const v of vs) {
      const block = sizeOf(v.dims.slice(axis));
      for (let i = 0; i < block; i++) pieces.push({ v, at: o * block + i });
    }
  }
  if (vs[0].dtype === 'float') {
    return { kind: 'const', dtype: 'float', dims, data: Float32Array.from(pieces, (p) => (p.v as FloatConst).data[p.at]) };
  }
  return { kind: 'const', dtype: 'int', dims, data: pieces.map((p) => (p.v as IntConst).data[p.at]) };
}

/**
 * NumPy broadcast of two shapes, right-aligned; a symbolic dim meets only itself or 1. Null when
 * the shapes do not broadcast.
 */
export function broadcastDims(a: readonly SymInt[], b: readonly SymInt[]): SymInt[] | null {
  const n = Math.max(a.length, b.length);
  const out: SymInt[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (symEq(x, y) || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else return null;
  }
  return out;
}

/** The flat positions in a constant of dims `from` read by each element of a broadcast to `to`. */
function broadcastIndex(from: readonly number[], to: readonly number[]): number[] {
  const st = strides(from);
  const lead = to.length - from.length;
  const out: number[] = [];
  forEachIndex(to, (idx) => {
    let at = 0;
    for (let a = 0; a < from.length; a++) if (from[a] !== 1) at += idx[lead + a] * st[a];
    out.push(at);
  });
  return out;
}

/** Broadcasts a constant to numeric dims (Expand; operands of folded arithmetic). */
export function expandConst(v: ConstVal, dims: readonly number[]): ConstVal {
  return take(v, broadcastIndex(v.dims, dims), dims);
}

/**
 * Elementwise f over two constants of one element type, broadcast to `dims` (numeric). For int
 * data f sees symbolic integers and may return null (not representable): the result is then null.
 */
export function zipConst(a: ConstVal, b: ConstVal, dims: readonly number[], f: (x: SymInt, y: SymInt) => SymInt | null): ConstVal | null {
  const ia = broadcastIndex(a.dims, dims);
  const ib = broadcastIndex(b.dims, dims);
  if (a.dtype === 'float' && b.dtype === 'float') {
    const data = new Float32Array(ia.length);
    for (let i = 0; i < ia.length; i++) data[i] = f(a.data[ia[i]], b.data[ib[i]]) as number;
    return { kind: 'const', dtype: 'float', dims: [...dims], data };
  }
  const out: SymInt[] = [];
  for (let i = 0; i < ia.length; i++) {
    const r = f(a.data[ia[i]], b.data[ib[i]]);
    if (r === null) return null;
    out.push(r);
  }
  return { kind: 'const', dtype: 'int', dims: [...dims], data: out };
}

/** Elementwise f over a float constant. */
export function mapFloat(v: FloatConst, f: (x: number) => number): FloatConst {
  return { ...v, data: v.data.map(f) };
}

/** The constant as another element kind (Cast); null when int data is symbolic and must become float. */
export function castConst(v: ConstVal, to: 'float' | 'int'): ConstVal | null {
  if (v.dtype === to) return v;
  if (v.dtype === 'float') return { kind: 'const', dtype: 'int', dims: v.dims, data: Array.from(v.data, Math.trunc) };
  if (!v.data.every(isNum)) return null;
  return { kind: 'const', dtype: 'float', dims: v.dims, data: Float32Array.from(v.data as number[]) };
}

/** The single value of a constant whose elements are all equal numbers, else null. */
export function uniformValue(v: ConstVal): number | null {
  if (v.data.length === 0) return null;
  const first = v.data[0];
  if (!isNum(first)) return null;
  for (let i = 1; i < v.data.length; i++) if (v.data[i] !== first) return null;
  return first;
}
