/**
 * Ops that only give a value other dims (or pass it through): Identity, Dropout (inference), Cast
 * within floats or within integers, Reshape, Flatten, Squeeze, Unsqueeze and an Expand that adds
 * nothing. On constants they fold; on run-time values they lower to views of the same buffer.
 */
import { DataType, dataTypeName } from '../onnx/proto.js';
import { castToBool, truths } from './logic.js';
import { fmtDims } from '../frontend/builder.js';
import { type Ctx, constInts, constSyms, modelError, normAxis, reshaped, unsupported } from '../frontend/ctx.js';
import { broadcastDims, castConst, expandConst, uniformValue } from '../frontend/fold.js';
import { type SymInt, div, formatDims, isNum, product, symEq } from '../frontend/symbolic.js';
import { elemKind } from '../frontend/value.js';
import { traceReshape } from './reshape_trace.js';
import type { LowerCtx, NodeRules, OpModule, TraceCtx } from './types.js';

/** The node's output as a view of its input's buffer. */
export function lowerView(l: LowerCtx): void {
  const [in0, out0] = [l.node.inputs[0], l.node.outputs[0]];
  const ref = l.b.view(out0, l.b.ref(in0), l.val(out0));
  l.b.lines.push(`   view '${l.node.name}' (${l.node.op}): ${l.b.describe(l.b.ref(in0))} as ${fmtDims(ref.dims)}`);
}

/** The axes of the output are the axes of input 0. */
export function traceThrough(t: TraceCtx): void {
  t.follow(t.node.inputs[0], t.trail);
}

/** Squeeze/Unsqueeze: the axes kept keep their roles, renumbered. */
function traceSqueeze(t: TraceCtx): void {
  const p = t.node;
  const axes = t.graph.opset >= 13 ? (p.inputs[1] ? t.constInts(p.inputs[1]) : null) : p.attrs.ints('axes');
  const rank = t.trail.rank;
  if (!axes || rank === null) return;
  const unsqueeze = p.op === 'Unsqueeze';
  const inRank = unsqueeze ? rank - axes.length : rank + axes.length;
  const wide = unsqueeze ? rank : inRank;
  const set = new Set(axes.map((a) => (a < 0 ? a + wide : a)));
  const kept = Array.from({ length: wide }, (_, i) => i).filter((i) => !set.has(i));
  const roles = new Map<number, 'seq' | 'batch'>();
  for (const [k, role] of t.trail.fromEnd) {
    const axis = k + rank;
    if (unsqueeze && !set.has(axis)) roles.set(kept.indexOf(axis) - inRank, role);
    if (!unsqueeze) roles.set(kept[axis] - inRank, role);
  }
  t.follow(p.inputs[0], { rank: inRank, fromEnd: roles });
}

const axesInput = (c: Ctx, i: number, what: string) =>
  c.opset >= 13 ? (c.optional(i) ? constInts(c, i, what) : null) : c.node.attrs.ints('axes');

const Identity: NodeRules = { infer: (c) => [c.input(0)], trace: traceThrough, lower: lowerView };

const Dropout: NodeRules = {
  infer: (c) => {
    if (c.used(1)) unsupported('its mask output is used; rnnc runs inference only, where Dropout passes its input through');
    return [c.input(0), null];
  },
  trace: traceThrough,
  lower: lowerView,
};

/** Cast; a run-time Cast to BOOL records the logic kernel's detail (its lowering is that kernel). */
const Cast: NodeRules<{ readonly fn?: string }> = {
  infer: (c) => {
    const to = c.node.attrs.int('to');
    if (to === null) modelError(c, "attribute 'to' is missing");
    const kind = elemKind(to);
    if (!kind) unsupported(`Cast to ${dataTypeName(to)}; rnnc computes in float32 and int32`);
    const x = c.input(0);
    if (to === DataType.BOOL) {
      // Nonzero is true; a size that varies at run time is at least 1.
      if (x.kind === 'const') return [{ kind: 'const', dtype: 'int', dims: x.dims, data: truths(x).map(Number) }];
      if (x.kind === 'fill') return [{ ...x, dtype: 'int', value: x.value !== 0 ? 1 : 0 }];
      return castToBool.infer(c as never);
    }
    if (x.kind === 'const') return [castConst(x, kind) ?? unsupported(`casting a shape value that depends on seq or batch to ${kind}`)];
    if (x.kind === 'fill') return [{ ...x, dtype: kind, value: kind === 'int' ? Math.trunc(x.value) : x.value }];
    if (x.dtype !== kind) unsupported(`a run-time Cast from ${x.dtype} to ${kind}; only casts within floats or within integers are supported`);
    return [x];
  },
  trace: traceThrough,
  lower: (l) => (l.detail?.fn ? castToBool.lower(l as never) : lowerView(l)),
};

const Reshape: NodeRules = {
  infer: (c) => {
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
  trace: traceReshape,
  lower: lowerView,
};

const Flatten: NodeRules = {
  infer: (c) => {
    const x = c.input(0);
    const r = x.dims.length;
    const a = c.node.attrs.int('axis', 1);
    const axis = a < 0 ? a + r : a;
    if (axis < 0 || axis > r) modelError(c, `axis ${a} is out of range for rank ${r}`);
    return [reshaped(c, x, [product(x.dims.slice(0, axis)), product(x.dims.slice(axis))])];
  },
  lower: lowerView,
};

const Squeeze: NodeRules = {
  infer: (c) => {
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
  trace: traceSqueeze,
  lower: lowerView,
};

const Unsqueeze: NodeRules = {
  infer: (c) => {
    const x = c.input(0);
    const axes = axesInput(c, 1, 'axes') ?? modelError(c, 'axes are missing');
    const rank = x.dims.length + axes.length;
    const set = new Set(axes.map((a) => normAxis(c, a, rank)));
    if (set.size !== axes.length) modelError(c, `axes [${axes.join(', ')}] repeat an axis`);
    const rest = [...x.dims];
    return [reshaped(c, x, Array.from({ length: rank }, (_, i) => (set.has(i) ? 1 : rest.shift()!)))];
  },
  trace: traceSqueeze,
  lower: lowerView,
};

const Expand: NodeRules = {
  infer: (c) => {
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
  lower: lowerView,
};

export const views: OpModule = {
  summary: 'Squeeze, Unsqueeze, Reshape, Flatten, Identity, Dropout, Cast and Expand',
  nodes: { Identity, Dropout, Cast, Reshape, Flatten, Squeeze, Unsqueeze, Expand },
};
