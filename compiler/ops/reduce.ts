/**
 * ReduceSum, ReduceMean and ReduceMax: axes as an attribute, or as an input where the opset has it
 * (ReduceSum from 13, the others from 18), keepdims, noop_with_empty_axes, negative axes. Folded on
 * constants in float64; on a run-time tensor one kernel (emit/reduce.ts) over a block of adjacent
 * axes of fixed size (axes of size 1 aside); the seq and batch axes pass through, never reduced.
 */
import { type Ctx, constInts, materialize, modelError, normAxis, unsupported } from '../frontend/ctx.js';
import { toDims } from '../frontend/builder.js';
import type { BufRef, Dim, Step } from '../frontend/program.js';
import { type SymInt, formatDims, formatSym, isNum, product } from '../frontend/symbolic.js';
import type { ConstVal, Val } from '../frontend/value.js';
import { emitReduce, type ReduceKind } from '../emit/reduce.js';
import type { Expr } from '../emit/ir.js';
import { splitItems, unitSpan } from './split.js';
import type { NodeRules, OpModule, StepKernel, TraceCtx } from './types.js';
import { lowerView } from './views.js';

/** out[o][i] = reduce over r of x[o][r][i]; x is [outer, R, inner]. */
export interface ReduceStep extends Step {
  readonly op: 'reduce';
  readonly kind: ReduceKind;
  readonly outer: readonly Dim[];
  readonly R: number;
  readonly inner: readonly Dim[];
  readonly x: BufRef;
  readonly out: BufRef;
}

type Detail = { readonly identity: true } | { readonly kind: ReduceKind; readonly outer: readonly Dim[]; readonly R: number; readonly inner: readonly Dim[] };

/** The reduction of some numbers in float64 (max: NaN when any is NaN, as NumPy). */
export function reduceF64(kind: ReduceKind, xs: readonly number[]): number {
  if (kind === 'max') return xs.reduce((m, x) => (Number.isNaN(m) || Number.isNaN(x) ? NaN : Math.max(m, x)), -Infinity);
  const sum = xs.reduce((s, x) => s + x, 0);
  return kind === 'mean' ? sum / xs.length : sum;
}

/** Whether `op` at `opset` takes its axes as input 1 (else as an attribute). */
const axesAsInput = (op: string, opset: number) => opset >= (op === 'ReduceSum' ? 13 : 18);

/** The normalized axes reduced, or null for none (noop_with_empty_axes). */
function readAxes(c: Ctx, rank: number): number[] | null {
  const list = axesAsInput(c.node.op, c.opset) ? (c.optional(1) ? constInts(c, 1, 'axes (input 1)') : null) : c.node.attrs.ints('axes');
  if (!list || list.length === 0) {
    return c.node.attrs.int('noop_with_empty_axes', 0) !== 0 ? null : Array.from({ length: rank }, (_, i) => i);
  }
  const axes = list.map((a) => normAxis(c, a, rank, 'an entry of axes'));
  if (new Set(axes).size !== axes.length) modelError(c, `axes [${list.join(', ')}] repeat an axis`);
  return axes;
}

/** Reduction of a constant over `axes`, in float64. */
function foldReduce(c: Ctx, kind: ReduceKind, v: ConstVal, axes: ReadonlySet<number>, keep: boolean): ConstVal {
  if (!v.data.every(isNum)) unsupported(`${c.node.op} of shape values that depend on seq or batch`);
  const dims = v.dims;
  const outDims = dims.map((d, a) => (axes.has(a) ? 1 : d));
  const groups = new Map<number, number[]>();
  const idx = new Array<number>(dims.length).fill(0);
  for (let flat = 0; flat < v.data.length; flat++) {
    const at = idx.reduce((acc, i, a) => acc * outDims[a] + (axes.has(a) ? 0 : i), 0);
    const group = groups.get(at);
    if (group) group.push(v.data[flat] as number);
    else groups.set(at, [v.data[flat] as number]);
    for (let a = dims.length - 1; a >= 0 && ++idx[a] === dims[a]; a--) idx[a] = 0;
  }
  const n = product(outDims) as number;
  const data = Array.from({ length: n }, (_, i) => reduceF64(kind, groups.get(i) ?? []));
  const finalDims = keep ? outDims : dims.filter((_, a) => !axes.has(a));
  if (v.dtype === 'float') return { kind: 'const', dtype: 'float', dims: finalDims, data: Float32Array.from(data) };
  return { kind: 'const', dtype: 'int', dims: finalDims, data: data.map(Math.trunc) };
}

/** x seen as [outer, R, inner]: the reduced axes (size-1 axes aside) must be adjacent and of fixed size. */
function layout(x: Val, axes: ReadonlySet<number>): { outer: Dim[]; R: number; inner: Dim[] } {
  const live = x.dims.map((d, a) => ({ d, a })).filter(({ d }) => d !== 1);
  const first = live.findIndex(({ a }) => axes.has(a));
  const count = live.filter(({ a }) => axes.has(a)).length;
  const block = live.slice(first, first + count);
  if (block.some(({ a }) => !axes.has(a))) {
    unsupported(`reducing axes [${[...axes].join(', ')}] of ${formatDims(x.dims)}, which are not adjacent; rnnc reduces one block of adjacent axes`);
  }
  for (const { d, a } of block) {
    if (!isNum(d)) unsupported(`reducing axis ${a} of ${formatDims(x.dims)}, whose size ${formatSym(d)} varies at run time; rnnc reduces axes of fixed size`);
  }
  const R = product(block.map(({ d }) => d)) as number;
  if (R === 0) unsupported(`reducing axes of ${formatDims(x.dims)} that hold no element`);
  const split = (part: typeof live) => toDims(part.map(({ d }) => d as SymInt));
  return { outer: split(first < 0 ? live : live.slice(0, first)), R, inner: first < 0 ? [] : split(live.slice(first + count)) };
}

function rules(kind: ReduceKind): NodeRules<Detail> {
  return {
    infer: (c) => {
      const x = c.input(0);
      const keep = c.node.attrs.int('keepdims', 1) !== 0;
      const list = readAxes(c, x.dims.length);
      if (list === null) {
        c.detail({ identity: true });
        return [x];
      }
      const axes = new Set(list);
      const dims = x.dims.flatMap((d, a) => (!axes.has(a) ? [d] : keep ? [1] : []));
      if (x.kind === 'fill') {
        const n = product(x.dims.filter((_, a) => axes.has(a)));
        if (kind === 'sum' && !isNum(n)) unsupported(`ReduceSum of a constant over axes of run-time size ${formatSym(n)}`);
        return [{ ...x, dims, value: kind === 'sum' ? x.value * (n as number) : x.value }];
      }
      if (x.kind === 'const') return [foldReduce(c, kind, materialize(x, 'the input') as ConstVal, axes, keep)];
      if (x.dtype !== 'float') unsupported(`an integer tensor at run time; rnnc reduces float tensors`);
      c.detail({ kind, ...layout(x, axes) });
      return [{ ...x, dims }];
    },
    trace: traceReduce,
    lower: (l) => {
      const d = l.detail!;
      if ('identity' in d) return lowerView(l);
      const x = l.b.ref(l.node.inputs[0]);
      const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
      l.b.step({ op: 'reduce', node: l.node.name, kind: d.kind, outer: d.outer, R: d.R, inner: d.inner, x, out } satisfies ReduceStep,
        `reduce '${l.node.name}' (${d.kind} of ${d.R}): ${l.b.describe(x)} as [${[...d.outer, d.R, ...d.inner].join(', ')}] -> ${l.b.describe(out)}`);
    },
  };
}

/** The kept axes carry seq and batch through, renumbered when keepdims is 0. */
function traceReduce(t: TraceCtx): void {
  const n = t.node;
  const keep = n.attrs.int('keepdims', 1) !== 0;
  if (keep) return t.follow(n.inputs[0], t.trail);
  const list = axesAsInput(n.op, t.graph.opset) ? (n.inputs[1] ? t.constInts(n.inputs[1]) : null) : n.attrs.ints('axes');
  const rank = t.trail.rank;
  if (!list || list.length === 0 || rank === null) return;
  const inRank = rank + list.length;
  const reduced = new Set(list.map((a) => (a < 0 ? a + inRank : a)));
  const kept = Array.from({ length: inRank }, (_, i) => i).filter((i) => !reduced.has(i));
  const fromEnd = new Map([...t.trail.fromEnd].map(([k, role]) => [kept[k + rank] - inRank, role] as const));
  t.follow(n.inputs[0], { rank: inRank, fromEnd });
}

/** Floats a reduction reads per outer row (the run-time part of inner taken as 1). */
const reduceRowWork = (step: ReduceStep) => Math.max(1, step.R * step.inner.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1));
const reduceItems = (step: ReduceStep) => splitItems(step.outer, reduceRowWork(step));

const reduce: StepKernel<ReduceStep> = {
  emit: (c, step) => {
    emitReduce(c.b, c.name, { kind: step.kind, R: step.R, rows: step.inner.every((d) => d === 1) });
    if (!c.items) return c.b.call(c.name, [c.addr(step.x), c.addr(step.out), c.count(step.outer), c.count(step.inner)]);
    // This item's outer rows: x moves R * inner floats a row, out inner floats.
    const { b, s } = c;
    const inner = s.local('i32');
    const span = unitSpan(c, c.count(step.outer), reduceItems(step), { align: 1, perUnit: reduceRowWork(step) });
    const at = (p: Expr, floats: number) => b.add(p, b.muli(b.mul(s.get(span.lo), s.get(inner)), 4 * floats));
    return b.seq([s.set(inner, c.count(step.inner)), span.set,
      b.call(c.name, [at(c.addr(step.x), step.R), at(c.addr(step.out), 1), b.sub(s.get(span.hi), s.get(span.lo)), s.get(inner)])]);
  },
  items: (step) => reduceItems(step),
  interpret: (step, io) => {
    const x = io.read(step.x);
    const outer = step.outer.reduce<number>((p, d) => p * io.dim(d), 1), inner = step.inner.reduce<number>((p, d) => p * io.dim(d), 1);
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) out.push(reduceF64(step.kind, Array.from({ length: step.R }, (_, r) => x[(o * step.R + r) * inner + i])));
    }
    io.write(step.out, out);
  },
};

export const reduceOp: OpModule = {
  summary: 'ReduceSum, ReduceMean, ReduceMax (one block of adjacent axes of fixed size)',
  nodes: { ReduceSum: rules('sum'), ReduceMean: rules('mean'), ReduceMax: rules('max') },
  steps: { reduce },
};
