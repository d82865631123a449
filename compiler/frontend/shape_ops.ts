/**
 * Shape rules of the structural ops: each computes its outputs' dims (symbolic), folds constants
 * (including the int shape vectors of Shape -> Gather -> Concat -> Expand subgraphs) and records
 * the resolved parameters of run-time Slice, Gather, Transpose and Concat for lowering.
 */
import { dataTypeName } from '../onnx/proto.js';
import {
  type Ctx, type SliceAxis, constInts, constSyms, modelError, normAxis, numericDims, plainDims, unsupported,
} from './ctx.js';
import {
  broadcastDims, castConst, concatConst, expandConst, gatherConst, sliceConst, transposeConst, uniformValue, withDims,
} from './fold.js';
import { type SymInt, add, div, formatDims, formatSym, isNum, product, symEq } from './symbolic.js';
import { type ConstVal, type Val, constantNodeValue, decodeConst, elemKind, numbers } from './value.js';

/** A shape rule: the values of the node's outputs (null for an output it does not produce). */
export type Rule = (c: Ctx) => (Val | null)[];

/** Same data, other dims (views). Constants keep their data; their dims must be numbers. */
function reshaped(c: Ctx, v: Val, dims: readonly SymInt[]): Val {
  if (v.kind === 'const') {
    if (!dims.every(isNum)) modelError(c, `a constant cannot take dims ${formatDims(dims)}`);
    return withDims(v, dims as number[]);
  }
  return { ...v, dims: [...dims] };
}

/** A fill with numeric dims as a real constant (small fills only appear in practice). */
export function materialize(v: Val, what: string): Val {
  if (v.kind !== 'fill') return v;
  const dims = numericDims(v, what);
  const scalar: ConstVal = v.dtype === 'float'
    ? { kind: 'const', dtype: 'float', dims: [], data: Float32Array.of(v.value) }
    : { kind: 'const', dtype: 'int', dims: [], data: [v.value] };
  return expandConst(scalar, dims);
}

const LARGE = 2 ** 31 - 1;

/** ONNX Slice clamping of one axis of numeric size d. */
function clampAxis(start: number, end: number, step: number, d: number): SliceAxis {
  let s = start < 0 ? start + d : start;
  let e = end < 0 ? end + d : end;
  let count: number;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), d);
    e = Math.min(Math.max(e, 0), d);
    count = Math.max(0, Math.ceil((e - s) / step));
  } else {
    s = Math.min(Math.max(s, 0), d - 1);
    e = Math.min(Math.max(e, -1), d - 1);
    count = Math.max(0, Math.ceil((s - e) / -step));
  }
  return { start: s, step, count, whole: s === 0 && step === 1 && count === d };
}

const FROM_END_HINT = "; for the last step of an RNN's output (output[-1]) take its Y_h (h_n in PyTorch) instead";

function sliceAxes(c: Ctx, x: Val, starts: SymInt[], ends: SymInt[], axes: number[] | null, steps: number[] | null): SliceAxis[] {
  const out: SliceAxis[] = x.dims.map((d) => ({ start: 0, step: 1, count: d, whole: true }));
  if (starts.length !== ends.length) modelError(c, `starts has ${starts.length} entries, ends ${ends.length}`);
  const list = axes ?? starts.map((_, i) => i);
  const seen = new Set<number>();
  list.forEach((axis, i) => {
    const a = normAxis(c, axis, x.dims.length);
    if (seen.has(a)) modelError(c, `axis ${axis} is sliced twice`);
    seen.add(a);
    const step = steps?.[i] ?? 1;
    if (step === 0) modelError(c, 'a slice step is 0');
    if (step !== 1 && x.kind === 'run') unsupported(`Slice with step ${step} of a run-time tensor; only step 1 is supported`);
    const d = x.dims[a];
    const [s, e] = [starts[i], ends[i]];
    if (!isNum(s)) unsupported(`a slice start of ${formatSym(s)}; starts must be numbers`);
    if (isNum(d)) {
      if (!isNum(e)) unsupported(`a slice end of ${formatSym(e)} on axis ${a} of size ${d}`);
      out[a] = clampAxis(s, e, step, d);
    } else if (s === 0 && step === 1 && (symEq(e, d) || (isNum(e) && e >= LARGE))) {
      out[a] = { start: 0, step: 1, count: d, whole: true };
    } else {
      unsupported(`a slice [${s}:${isNum(e) ? e : formatSym(e)}] of an axis of run-time size ${formatSym(d)}; only the whole axis is supported${s < 0 ? FROM_END_HINT : ''}`);
    }
  });
  return out;
}

const axesInput = (c: Ctx, i: number, what: string) =>
  c.opset >= 13 ? (c.optional(i) ? constInts(c, i, what) : null) : c.node.attrs.ints('axes');

export const SHAPE_RULES: Record<string, Rule> = {
  Constant: (c) => [constantNodeValue(c.node.proto, c.node.label)],

  Identity: (c) => [c.input(0)],

  Dropout: (c) => {
    if (c.used(1)) unsupported('its mask output is used; rnnc runs inference only, where Dropout passes its input through');
    return [c.input(0), null];
  },

  Shape: (c) => {
    const dims = c.input(0).dims;
    const r = dims.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const picked = dims.slice(clamp(c.node.attrs.int('start', 0)), clamp(c.node.attrs.int('end', r)));
    return [{ kind: 'const', dtype: 'int', dims: [picked.length], data: picked }];
  },

  Cast: (c) => {
    const to = c.node.attrs.int('to');
    if (to === null) modelError(c, "attribute 'to' is missing");
    const kind = elemKind(to);
    if (!kind) unsupported(`Cast to ${dataTypeName(to)}; rnnc computes in float32 and int32`);
    const x = c.input(0);
    if (x.kind === 'const') return [castConst(x, kind) ?? unsupported(`casting a shape value that depends on seq or batch to ${kind}`)];
    if (x.kind === 'fill') return [{ ...x, dtype: kind, value: kind === 'int' ? Math.trunc(x.value) : x.value }];
    if (x.dtype !== kind) unsupported(`a run-time Cast from ${x.dtype} to ${kind}; only casts within floats or within integers are supported`);
    return [x];
  },

  Reshape: (c) => {
    const x = c.input(0);
    const shape = constSyms(c, 1, 'the target shape');
    const allowZero = c.opset >= 14 && c.node.attrs.int('allowzero', 0) !== 0;
    let minus = -1;
    const out = shape.map((s, i): SymInt => {
      if (s === 0 && !allowZero) {
        if (i >= x.dims.length) modelError(c, `shape entry ${i} is 0 (copy), but the input has rank ${x.dims.length}`);
        return x.dims[i];
      }
      if (s === -1) {
        if (minus >= 0) modelError(c, 'the target shape has two -1 entries');
        minus = i;
        return 1;
      }
      if (isNum(s) && s < 0) modelError(c, `the target shape has a negative entry ${s}`);
      return s;
    });
    const total = product(x.dims);
    const bad = () => (x.dims.every(isNum)
      ? modelError(c, `cannot reshape ${formatDims(x.dims)} to ${formatDims(shape)}`)
      : unsupported(`reshaping ${formatDims(x.dims)} to ${formatDims(shape)}: the target fixes a size that varies at run time (the export baked in the example's sizes); export the shape with -1 or from x.shape`));
    if (minus >= 0) out[minus] = div(total, product(out)) ?? bad();
    if (!symEq(product(out), total)) bad();
    return [reshaped(c, x, out)];
  },

  Flatten: (c) => {
    const x = c.input(0);
    const r = x.dims.length;
    const a = c.node.attrs.int('axis', 1);
    const axis = a < 0 ? a + r : a;
    if (axis < 0 || axis > r) modelError(c, `axis ${a} is out of range for rank ${r}`);
    return [reshaped(c, x, [product(x.dims.slice(0, axis)), product(x.dims.slice(axis))])];
  },

  Squeeze: (c) => {
    const x = c.input(0);
    const axes = axesInput(c, 1, 'axes');
    if (!axes) return [reshaped(c, x, x.dims.filter((d) => d !== 1))];
    const set = new Set(axes.map((a) => normAxis(c, a, x.dims.length)));
    for (const a of set) {
      const d = x.dims[a];
      if (!isNum(d)) unsupported(`squeezing axis ${a} of ${formatDims(x.dims)}, whose size varies at run time`);
      if (d !== 1) modelError(c, `cannot squeeze axis ${a} of ${formatDims(x.dims)}: its size is ${d}, not 1`);
    }
    return [reshaped(c, x, x.dims.filter((_, i) => !set.has(i)))];
  },

  Unsqueeze: (c) => {
    const x = c.input(0);
    const axes = axesInput(c, 1, 'axes') ?? modelError(c, 'axes are missing');
    const rank = x.dims.length + axes.length;
    const set = new Set(axes.map((a) => normAxis(c, a, rank)));
    if (set.size !== axes.length) modelError(c, `axes [${axes.join(', ')}] repeat an axis`);
    const rest = [...x.dims];
    return [reshaped(c, x, Array.from({ length: rank }, (_, i) => (set.has(i) ? 1 : rest.shift()!)))];
  },

  Transpose: (c) => {
    const x = c.input(0);
    const r = x.dims.length;
    const perm = c.node.attrs.ints('perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
    if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
      modelError(c, `perm [${perm.join(', ')}] is not a permutation of the ${r} axes of ${formatDims(x.dims)}`);
    }
    if (x.kind === 'const') return [transposeConst(x, perm)];
    const dims = perm.map((p) => x.dims[p]);
    if (x.kind === 'run') {
      plainDims(x, 'the input');
      c.detail({ kind: 'transpose', perm });
    }
    return [{ ...x, dims }];
  },

  Concat: (c) => {
    const axisAttr = c.node.attrs.int('axis') ?? modelError(c, "attribute 'axis' is missing");
    const ins = c.node.inputs.map((_, i) => c.input(i));
    const r = ins[0].dims.length;
    const axis = normAxis(c, axisAttr, r);
    ins.forEach((v) => {
      if (v.dims.length !== r || v.dims.some((d, i) => i !== axis && !symEq(d, ins[0].dims[i])) || v.dtype !== ins[0].dtype) {
        modelError(c, `inputs ${ins.map((u) => `${u.dtype}${formatDims(u.dims)}`).join(', ')} do not concatenate along axis ${axis}`);
      }
    });
    const vals = ins.map((v) => materialize(v, 'an input broadcast over run-time dims'));
    if (vals.every((v) => v.kind === 'const')) return [concatConst(vals as ConstVal[], axis)];
    vals.forEach((v) => plainDims(v, 'an input'));
    const size = vals.reduce<SymInt | null>((s, v) => (s === null ? null : add(s, v.dims[axis])), 0)
      ?? unsupported(`concatenating sizes ${vals.map((v) => formatSym(v.dims[axis])).join(' + ')} along axis ${axis}`);
    c.detail({ kind: 'concat', axis });
    return [{ kind: 'run', dtype: ins[0].dtype, dims: ins[0].dims.map((d, i) => (i === axis ? size : d)) }];
  },

  Slice: (c) => {
    const x = c.input(0);
    const attrs = c.node.attrs;
    const axesList = c.opset < 10 ? attrs.ints('axes') : c.optional(3) ? constInts(c, 3, 'axes') : null;
    const steps = c.opset < 10 ? null : c.optional(4) ? constInts(c, 4, 'steps') : null;
    const starts = c.opset < 10 ? attrs.ints('starts') ?? modelError(c, "attribute 'starts' is missing") : constSyms(c, 1, 'starts');
    const ends = c.opset < 10 ? attrs.ints('ends') ?? modelError(c, "attribute 'ends' is missing") : constSyms(c, 2, 'ends');
    const axes = sliceAxes(c, x, starts, ends, axesList, steps);
    const dims = axes.map((a) => a.count);
    if (x.kind === 'const') return [sliceConst(x, axes.map((a) => ({ start: a.start, step: a.step, count: a.count as number })))];
    if (x.kind === 'run') {
      plainDims(x, 'the input');
      // The copy kernel moves strided rows: one sliced axis, step 1 (checked here, before any code is made).
      const cut = axes.filter((a) => !a.whole);
      if (cut.length > 1 || cut.some((a) => a.step !== 1)) {
        unsupported(`slicing ${cut.length} axes${cut.some((a) => a.step !== 1) ? ' with a step' : ''} of a run-time tensor; slice one axis with step 1`);
      }
      c.detail({ kind: 'slice', axes, squeeze: null });
    }
    return [{ ...x, dims }];
  },

  Gather: (c) => {
    const data = c.input(0);
    const idx = c.input(1);
    if (idx.dtype !== 'int') modelError(c, 'indices must be integers');
    const axis = normAxis(c, c.node.attrs.int('axis', 0), data.dims.length);
    const around = (mid: readonly SymInt[]) => [...data.dims.slice(0, axis), ...mid, ...data.dims.slice(axis + 1)];
    if (idx.kind === 'run') {
      if (data.kind !== 'const' || data.dtype !== 'float') {
        unsupported('Gather with run-time indices from a run-time or integer tensor; only constant float tables (embeddings) are supported');
      }
      if (axis !== 0) unsupported(`Gather of a constant table along axis ${axis}; only axis 0 (embedding rows) is supported`);
      const rest = data.dims.slice(1);
      c.detail({ kind: 'embedding', table: withDims(data, [data.dims[0], product(rest) as number]) as typeof data });
      return [{ kind: 'run', dtype: 'float', dims: [...idx.dims, ...rest] }];
    }
    const ids = (idx.kind === 'const' ? numbers(idx) : null) ?? unsupported('indices that vary at run time or depend on seq/batch');
    const d = data.dims[axis];
    const norm = ids.map((k) => {
      if (!isNum(d)) return k;
      if (k < -d || k >= d) modelError(c, `index ${k} is out of range for axis ${axis} of size ${d}`);
      return k < 0 ? k + d : k;
    });
    const idxDims = idx.dims as number[];
    if (data.kind === 'const') return [gatherConst(data, axis, norm, idxDims)];
    if (data.kind === 'fill') return [{ ...data, dims: around(idxDims) }];
    if (idxDims.length !== 0) unsupported('Gather of a run-time tensor with an array of indices; only a constant scalar index is supported');
    const k = norm[0];
    if (!isNum(d) && k !== 0) {
      unsupported(`index ${k} of an axis of run-time size ${formatSym(d)}; only index 0 is supported there${k < 0 ? FROM_END_HINT : ''}`);
    }
    plainDims(data, 'the input');
    const axes = data.dims.map((dd, i): SliceAxis => (i === axis ? { start: k, step: 1, count: 1, whole: dd === 1 } : { start: 0, step: 1, count: dd, whole: true }));
    c.detail({ kind: 'slice', axes, squeeze: axis });
    return [{ ...data, dims: around([]) }];
  },

  ConstantOfShape: (c) => {
    const dims = constSyms(c, 0, 'the shape');
    const t = c.node.attrs.tensor('value');
    const v = t ? decodeConst(t, `${c.node.label} value`) : null;
    if (v && v.data.length !== 1) modelError(c, `attribute 'value' must hold one element, got ${v.data.length}`);
    return [{ kind: 'fill', dtype: v?.dtype ?? 'float', dims, value: v ? (v.data[0] as number) : 0 }];
  },

  Expand: (c) => {
    const x = c.input(0);
    const shape = constSyms(c, 1, 'the shape');
    const uniform = x.kind === 'fill' ? x.value : x.kind === 'const' ? uniformValue(x) : null;
    if (uniform !== null) {
      // A uniform value broadcasts to any size: accept a traced example size meeting seq/batch.
      const n = Math.max(x.dims.length, shape.length);
      const dims = Array.from({ length: n }, (_, i): SymInt => {
        const xd = x.dims[x.dims.length - n + i] ?? 1;
        const t = shape[shape.length - n + i] ?? 1;
        if (t === 1 || symEq(xd, t)) return xd;
        if (xd === 1 || !isNum(t) || !isNum(xd)) return t;
        return modelError(c, `cannot expand ${formatDims(x.dims)} to ${formatDims(shape)}`);
      });
      return [{ kind: 'fill', dtype: x.dtype, dims, value: uniform }];
    }
    const dims = broadcastDims(x.dims, shape) ?? modelError(c, `cannot expand ${formatDims(x.dims)} to ${formatDims(shape)}`);
    if (x.kind === 'const') {
      if (!dims.every(isNum)) unsupported(`Expand of a non-uniform constant to ${formatDims(dims)}, which varies at run time`);
      return [expandConst(x, dims as number[])];
    }
    if (dims.length !== x.dims.length || dims.some((d, i) => !symEq(d, x.dims[i]))) {
      unsupported(`Expand of a run-time tensor ${formatDims(x.dims)} to ${formatDims(dims)} (a copy along new dims)`);
    }
    return [x];
  },

  Range: (c) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => {
      const v = c.input(i);
      if (v.dims.length !== 0 && !(v.dims.length === 1 && v.dims[0] === 1)) modelError(c, `input ${i} must be a scalar`);
      return constInts(c, i, ['start', 'limit', 'delta'][i])[0];
    });
    if (delta === 0) modelError(c, 'delta is 0');
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    const data = Array.from({ length: n }, (_, i) => start + i * delta);
    return [c.input(0).dtype === 'float'
      ? { kind: 'const', dtype: 'float', dims: [n], data: Float32Array.from(data) }
      : { kind: 'const', dtype: 'int', dims: [n], data }];
  },
};
