/**
 * Slice: folded on constants; on a run-time tensor any starts, ends and steps (negative too) on axes
 * of fixed size, axes of run-time size whole or reversed (torch.flip) (a prefix of the buffer is a
 * view, anything else a strided gather, emit/strided.ts). Gather of a constant index lowers here too.
 */
import { type Ctx, constInts, constSyms, modelError, normAxis, plainDims, unsupported } from '../frontend/ctx.js';
import { fmtDims } from '../frontend/builder.js';
import { sliceConst } from '../frontend/fold.js';
import type { BufRef, Dim, Step } from '../frontend/program.js';
import { type SymInt, formatSym, isNum, symEq, toDim } from '../frontend/symbolic.js';
import type { Val } from '../frontend/value.js';
import type { Expr } from '../emit/ir.js';
import { emitStridedCopy } from '../emit/strided.js';
import { traceThrough } from './views.js';
import type { CallContext, LowerCtx, NodeRules, OpModule, StepKernel } from './types.js';

/** One axis of a resolved Slice: first index, step, and the number of elements taken. */
export interface SliceAxis {
  /** -1 on an axis of run-time size taken backwards: its last index. */
  readonly start: number;
  readonly step: number;
  readonly count: SymInt;
  /** The whole axis (start 0, step 1, count = dim). */
  readonly whole: boolean;
}

/** What a Slice (or a Gather of one constant index, then `squeeze` is the gathered axis) resolved to. */
export interface SliceDetail {
  readonly axes: readonly SliceAxis[];
  readonly squeeze: number | null;
}

/** Slice with every start/end/step resolved; starts and ends may be symbolic only as `seq`/`batch` bounds. */
export interface SliceStep extends Step {
  readonly op: 'slice';
  readonly x: BufRef;
  /**
   * Per axis of x: [start, end, step] after ONNX clamping; end may be 'seq' or 'batch' for a whole
   * axis, and [-1, 'seq', -1] takes the whole axis of run-time size backwards (see reversedAxis).
   */
  readonly ranges: readonly (readonly [number, Dim, number])[];
  readonly out: BufRef;
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

export const FROM_END_HINT = "; for the last step of an RNN's output (output[-1]) take its Y_h (h_n in PyTorch) instead";

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
    const d = x.dims[a];
    const [s, e] = [starts[i], ends[i]];
    if (!isNum(s)) unsupported(`a slice start of ${formatSym(s)}; starts must be numbers`);
    if (isNum(d)) {
      if (!isNum(e)) unsupported(`a slice end of ${formatSym(e)} on axis ${a} of size ${d}`);
      out[a] = clampAxis(s, e, step, d);
    } else if (s === 0 && step === 1 && (symEq(e, d) || (isNum(e) && e >= LARGE))) {
      out[a] = { start: 0, step: 1, count: d, whole: true };
    } else if (step === -1 && (s === -1 || s >= LARGE) && isNum(e) && e <= -LARGE) {
      // From the last index to before the first, whatever the size: torch.flip's export.
      out[a] = { start: -1, step: -1, count: d, whole: false };
    } else {
      unsupported(`a slice [${s}:${isNum(e) ? e : formatSym(e)}] of an axis of run-time size ${formatSym(d)}; only the whole axis is supported${s < 0 ? FROM_END_HINT : ''}`);
    }
  });
  return out;
}

const Slice: NodeRules<SliceDetail> = {
  infer: (c) => {
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
      c.detail({ axes, squeeze: null });
    }
    return [{ ...x, dims }];
  },
  trace: traceThrough,
  lower: (l) => lowerSlice(l, l.detail!),
};

/** A view when the slice is a prefix of the buffer, else a slice step. */
export function lowerSlice(l: LowerCtx<unknown>, d: SliceDetail): void {
  const { axes, squeeze } = d;
  const x = l.b.ref(l.node.inputs[0]);
  const out0 = l.node.outputs[0];
  const v = l.val(out0);
  const k = axes.findIndex((a) => !a.whole);
  const prefix = k < 0 || (axes[k].start === 0 && axes[k].step === 1 && axes.slice(k + 1).every((a) => a.whole) && axes.slice(0, k).every((a) => a.count === 1));
  const what = `${l.node.op === 'Gather' ? 'gather' : 'slice'} '${l.node.name}'`;
  if (prefix) {
    const ref = l.b.view(out0, x, v);
    l.b.lines.push(`   view ${what} (a prefix of the buffer): ${l.b.describe(x)} as ${fmtDims(ref.dims)}`);
    return;
  }
  // Slice inputs have no merged dims (checked by inference): x.dims match the axes one to one.
  const ranges = axes.map((a, i): readonly [number, Dim, number] => [a.start, a.whole || a.start < 0 ? x.dims[i] : a.start + (a.count as number) * a.step, a.step]);
  const out = l.b.buffer(out0, v, axes.map((a) => toDim(a.count)!));
  l.b.step({ op: 'slice', node: l.node.name, x, ranges, out } satisfies SliceStep,
    `${what}: ${l.b.describe(x)} [${ranges.map(([s, e]) => `${s}:${e}`).join(', ')}] -> ${l.b.describe(out)}${squeeze !== null ? ` as ${fmtDims(l.b.ref(out0).dims)}` : ''}`);
}

/** Whether range r of a slice step takes an axis of run-time size backwards ([-1, dim, -1]). */
export const reversedAxis = (r: SliceStep['ranges'][number]) => r[0] < 0;

/** One loop of the strided gather: adjacent axes merged where the inner ones are whole. */
export interface SliceLevel {
  /** Axes of x this level walks (consecutive, outermost first). */
  readonly axes: readonly number[];
  /** Elements the level takes (product of these). */
  readonly count: readonly Dim[];
  /** The step on the innermost of `axes`, in its elements. */
  readonly step: number;
}

/**
 * The loop levels of a slice step: an axis merges into the next one when it has step 1 and the next
 * is whole (their elements are then evenly spaced); levels of one element only add to the start.
 */
export function sliceLevels(x: readonly Dim[], ranges: SliceStep['ranges']): SliceLevel[] {
  const whole = (i: number) => ranges[i][0] === 0 && ranges[i][1] === x[i] && ranges[i][2] === 1;
  const count = (i: number): Dim => {
    if (whole(i) || reversedAxis(ranges[i])) return x[i];
    const [s, e, k] = ranges[i];
    // Slice steps of a sliced axis carry numeric ends (start + count * step, see lowerSlice).
    return Math.max(0, Math.ceil(((e as number) - s) / k));
  };
  const levels: { axes: number[]; count: Dim[]; step: number }[] = [];
  x.forEach((_, i) => {
    const last = levels[levels.length - 1];
    if (last && whole(i) && last.step === 1) {
      last.axes.push(i);
      last.count.push(count(i));
    } else {
      levels.push({ axes: [i], count: [count(i)], step: ranges[i][2] });
    }
  });
  const kept = levels.filter((l) => !l.count.every((d) => d === 1));
  return kept.length > 0 ? kept : [{ axes: [x.length - 1], count: [1], step: 1 }];
}

/** The slice as one strided gather from its first element (see emitStridedCopy). */
function sliceCall(c: CallContext, step: SliceStep, levels: readonly SliceLevel[]): Expr {
  const x = step.x.dims;
  const inner = (axis: number) => c.count(x.slice(axis + 1));
  const first = step.ranges.reduce((at: Expr, r, axis) => {
    if (reversedAxis(r)) return c.b.add(at, c.b.muli(c.b.mul(c.b.sub(c.count([x[axis]]), c.b.i32(1)), inner(axis)), 4));
    return r[0] === 0 ? at : c.b.add(at, c.b.muli(inner(axis), 4 * r[0]));
  }, c.addr(step.x));
  const counts = levels.map((l) => c.count(l.count));
  const strides = levels.map((l) => c.b.muli(inner(l.axes[l.axes.length - 1]), 4 * l.step));
  return c.b.call(c.name, [first, c.addr(step.out), ...counts, ...strides]);
}

const slice: StepKernel<SliceStep> = {
  emit: (c, step) => {
    const x = step.x.dims;
    if (x.length === 0) return c.b.copy(c.addr(step.out), c.addr(step.x), c.b.i32(4));
    const levels = sliceLevels(x, step.ranges);
    const last = levels[levels.length - 1];
    const contiguous = last.step === 1 && last.axes[last.axes.length - 1] === x.length - 1;
    emitStridedCopy(c.b, c.name, { levels: levels.length, contiguous });
    return sliceCall(c, step, levels);
  },
  interpret: (step, io) => {
    const x = io.read(step.x), xd = step.x.dims.map(io.dim);
    const ranges = step.ranges.map((r, i) => (reversedAxis(r) ? [xd[i] - 1, -1, -1] as const : [r[0], io.dim(r[1]), r[2]] as const));
    const out: number[] = [];
    const walk = (axis: number, at: number) => {
      if (axis === xd.length) return void out.push(x[at]);
      const [s, e, k] = ranges[axis];
      const stride = xd.slice(axis + 1).reduce((p, d) => p * d, 1);
      for (let i = s; k > 0 ? i < e : i > e; i += k) walk(axis + 1, at + i * stride);
    };
    walk(0, 0);
    io.write(step.out, out);
  },
  moves: (step) => ({ out: step.out, from: [step.x] }),
};

export const sliceOp: OpModule = {
  summary: 'Slice (any steps; axes of run-time size whole or reversed)',
  nodes: { Slice },
  steps: { slice },
};
