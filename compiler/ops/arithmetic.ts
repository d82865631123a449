/**
 * Add, Sub, Mul, Div with NumPy broadcasting: folded on constants (including symbolic shape
 * arithmetic on `seq` and `batch`); at run time on float32 with the broadcasts an RNN model needs:
 * the same dims, one element, an operand whose dims end the output's (a bias row), or one whose
 * dims begin the output's and end in 1s (a mean per row or per channel).
 */
import { materialize, modelError, numericDims, unsupported } from '../frontend/ctx.js';
import { broadcastDims, uniformValue, zipConst } from '../frontend/fold.js';
import type { BufRef, Dim, Operand, Step } from '../frontend/program.js';
import { type SymInt, add, div, formatDims, isNum, mul, sub, symEq } from '../frontend/symbolic.js';
import type { ConstVal, Val } from '../frontend/value.js';
import { emitBinary, type BinaryKind, type BroadcastPattern } from '../emit/elementwise.js';
import { InternalError } from '../../contract/errors.js';
import type { Expr } from '../emit/ir.js';
import { splitItems, unitSpan } from './split.js';
import type { CallContext, NodeRules, OpModule, StepKernel, TraceCtx } from './types.js';

/** out = a op b, the operands broadcast to out: out is [outer, inner], an operand all of it, a row or one element. */
export interface BinaryStep extends Step {
  readonly op: 'binary';
  readonly kind: BinaryKind;
  readonly a: Operand;
  readonly b: Operand;
  readonly out: BufRef;
  readonly pattern: BroadcastPattern;
  readonly outer: readonly Dim[];
  readonly inner: readonly Dim[];
}

// ---- the broadcast the kernel takes (one rule for the shape rule, the bias fusion and the emitter) ----

type Eq<T> = (x: T, y: T) => boolean;
/** Dims with their leading 1s dropped. */
const core = <T>(d: readonly T[]) => { const i = d.findIndex((x) => x !== 1); return i < 0 ? [] : d.slice(i); };
const same = <T>(a: readonly T[], b: readonly T[], eq: Eq<T>) => a.length === b.length && a.every((x, i) => eq(x, b[i]));
const isSuffix = <T>(s: readonly T[], of: readonly T[], eq: Eq<T>) => s.length <= of.length && same(s, of.slice(of.length - s.length), eq);

/**
 * Whether the elementwise kernel takes an operand of `dims` for output dims `out`: the same dims,
 * one element, (leading 1s dropped) a suffix of `out`, broadcast along the leading dims, or a
 * column: see columnSplit.
 */
export function takesOperand(dims: readonly SymInt[], out: readonly SymInt[]): boolean {
  const c = core(dims);
  return c.length === 0 || isSuffix(c, out, symEq) || columnSplit(dims, out, symEq) > 0;
}

/**
 * Where out splits [outer, inner] for an operand of `dims` that is one element per row: padded with
 * leading 1s to out's rank, it is out[0..k) followed by 1s, and out[k..) is more than one element;
 * k, or -1 if the operand is no column.
 */
function columnSplit<T>(dims: readonly T[], out: readonly T[], eq: Eq<T>): number {
  if (dims.length > out.length) return -1;
  const d = [...new Array<T | 1>(out.length - dims.length).fill(1), ...dims];
  let k = d.length;
  while (k > 0 && d[k - 1] === 1) k--;
  const prefix = d.slice(0, k).every((x, i) => eq(x as T, out[i]));
  return k > 0 && prefix && out.slice(k).some((x) => x !== 1) ? k : -1;
}

/** How a binary step's operands broadcast to its output, and the output split [outer, inner]. */
function broadcast(node: string, kind: BinaryKind, A: Operand, B: Operand, out: readonly Dim[]): { pattern: BroadcastPattern; inner: readonly Dim[]; outer: readonly Dim[] } {
  const eq: Eq<Dim> = (x, y) => x === y;
  const a = core(A.dims), b = core(B.dims), o = core(out);
  const split = (inner: readonly Dim[]) => ({ inner, outer: out.slice(0, out.length - inner.length) });
  if (same(a, o, eq) && same(b, o, eq)) return { pattern: 'same', ...split(out) };
  if (same(a, o, eq) && b.length === 0) return { pattern: 'bScalar', ...split(out) };
  if (same(b, o, eq) && a.length === 0) return { pattern: 'aScalar', ...split(out) };
  if (same(a, o, eq) && isSuffix(b, o, eq)) return { pattern: 'bRow', ...split(b) };
  if (same(b, o, eq) && isSuffix(a, o, eq)) return { pattern: 'aRow', ...split(a) };
  const [ka, kb] = [columnSplit(A.dims, out, eq), columnSplit(B.dims, out, eq)];
  if (same(a, o, eq) && kb > 0) return { pattern: 'bCol', ...split(out.slice(kb)) };
  if (same(b, o, eq) && ka > 0) return { pattern: 'aCol', ...split(out.slice(ka)) };
  throw new InternalError(`${kind} node '${node}': broadcasting [${A.dims.join(', ')}] with [${B.dims.join(', ')}] passed the shape rule but no kernel takes it`);
}

// ---- the ONNX ops ----

type SymOp = (x: SymInt, y: SymInt) => SymInt | null;
const INT_OPS: Record<BinaryKind, SymOp> = { add, sub, mul: (x, y) => mul(x, y), div };
const FLOAT_OPS: Record<BinaryKind, (x: number, y: number) => number> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y,
};
const fmt = (v: Val) => formatDims(v.dims);
const sameDims = (a: readonly SymInt[], b: readonly SymInt[]) => same(a, b, symEq);

function rules(op: string, kind: BinaryKind): NodeRules {
  return {
    infer: (c) => {
      const a = c.input(0), b = c.input(1);
      if (a.dtype !== b.dtype) modelError(c, `operands ${a.dtype}${fmt(a)} and ${b.dtype}${fmt(b)} differ in element type`);
      const dims = broadcastDims(a.dims, b.dims) ?? modelError(c, `shapes ${fmt(a)} and ${fmt(b)} do not broadcast`);
      const symOp: SymOp = a.dtype === 'int' ? INT_OPS[kind] : (x, y) => FLOAT_OPS[kind](x as number, y as number);
      if (a.kind !== 'run' && b.kind !== 'run') {
        const ua = a.kind === 'fill' ? a.value : uniformValue(a);
        const ub = b.kind === 'fill' ? b.value : uniformValue(b);
        if ((a.kind === 'fill' || b.kind === 'fill') && ua !== null && ub !== null && !dims.every(isNum)) {
          const value = symOp(ua, ub);
          if (value === null || !isNum(value)) throw new InternalError(`${c.node.label}: uniform arithmetic gave no number`);
          return [{ kind: 'fill', dtype: a.dtype, dims, value: a.dtype === 'int' ? Math.trunc(value) : value }];
        }
        const numeric = numericDims({ kind: 'fill', dtype: a.dtype, dims, value: 0 }, 'the result of arithmetic on broadcast constants');
        const ca = materialize(a, 'an operand') as ConstVal, cb = materialize(b, 'an operand') as ConstVal;
        const out = zipConst(ca, cb, numeric, symOp);
        return [out ?? unsupported(`shape arithmetic ${formatDims(ca.data as SymInt[])} ${op} ${formatDims(cb.data as SymInt[])} that is not a product of seq and batch`)];
      }
      if (a.dtype === 'int') unsupported('integer arithmetic at run time; rnnc computes on float32 tensors');
      for (const v of [a, b]) {
        const other = v === a ? b : a;
        const scalarFill = v.kind === 'fill' && other.kind === 'run' && sameDims(other.dims, dims);
        if (!scalarFill && (v.kind === 'fill' || !takesOperand(v.dims, dims))) {
          unsupported(`${op} of ${fmt(a)} and ${fmt(b)}: rnnc broadcasts an operand of the same dims, a scalar, one whose dims end the output's (e.g. a bias [N]) or one whose dims begin the output's and end in 1s (e.g. a mean [N, C, 1])`);
        }
      }
      // The kernel walks the output with one operand of its dims; the other alone may broadcast.
      if (![a, b].some((v) => v.kind === 'run' && sameDims(core(v.dims), core(dims)))) {
        unsupported(`${op} of ${fmt(a)} and ${fmt(b)}: rnnc broadcasts one operand to the other's dims, not both to a third`);
      }
      return [{ kind: 'run', dtype: 'float', dims }];
    },
    trace: traceElementwise,
    lower: (l) => {
      const [x, y] = l.node.inputs.map((i) => l.b.operand(i, l.val(i)));
      const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
      const shape = broadcast(l.node.name, kind, x, y, out.dims);
      l.b.step({ op: 'binary', node: l.node.name, kind, a: x, b: y, out, ...shape } satisfies BinaryStep,
        `${kind} '${l.node.name}': ${l.b.describe(x)}, ${l.b.describe(y)} -> ${l.b.describe(out)}`);
    },
  };
}

/** The axes of the output are those of every run-time input; their rank is known when there is one. */
function traceElementwise(t: TraceCtx): void {
  const live = t.node.inputs.filter((i) => i && !t.isConstant(i));
  for (const i of live) t.follow(i, { rank: live.length === 1 ? t.trail.rank : null, fromEnd: t.trail.fromEnd });
}

/** Whether the kernel walks the operands as one run of elements (else row by row). */
const flat = (p: BroadcastPattern) => p === 'same' || p === 'bScalar' || p === 'aScalar';

/** A step's items: ranges of its elements, or of its rows when one operand is a row or a column. */
const binaryItems = (step: BinaryStep) => (flat(step.pattern) ? splitItems(step.out.dims) : splitItems(step.outer, Math.max(1, fixedOf(step.inner))));

/**
 * One item range of a binary step: the kernel on pointers moved to the range's first element (or
 * row); the scalar and the row operand stay, the column operand moves a float per row.
 */
function binaryRange(c: CallContext, step: BinaryStep): Expr {
  const { b, s } = c;
  const move = (p: Expr, floats: Expr) => b.add(p, b.muli(floats, 4));
  if (flat(step.pattern)) {
    const span = unitSpan(c, b.mul(c.count(step.outer), c.count(step.inner)), binaryItems(step), { align: 4 });
    const at = (p: Expr, scalar: boolean) => (scalar ? p : move(p, s.get(span.lo)));
    return b.seq([span.set, b.call(c.name, [at(c.addr(step.a), step.pattern === 'aScalar'), at(c.addr(step.b), step.pattern === 'bScalar'),
      at(c.addr(step.out), false), b.i32(1), b.sub(s.get(span.hi), s.get(span.lo))])]);
  }
  const inner = s.local('i32');
  const span = unitSpan(c, c.count(step.outer), binaryItems(step), { align: 1, perUnit: Math.max(1, fixedOf(step.inner)) });
  const rows = () => b.mul(s.get(span.lo), s.get(inner));
  const at = (p: Expr, which: 'a' | 'b') => (step.pattern === `${which}Row` ? p : step.pattern === `${which}Col` ? move(p, s.get(span.lo)) : move(p, rows()));
  return b.seq([s.set(inner, c.count(step.inner)), span.set, b.call(c.name, [at(c.addr(step.a), 'a'), at(c.addr(step.b), 'b'),
    move(c.addr(step.out), rows()), b.sub(s.get(span.hi), s.get(span.lo)), s.get(inner)])]);
}

const fixedOf = (dims: readonly Dim[]) => dims.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1);

const binary: StepKernel<BinaryStep> = {
  emit: (c, step) => {
    emitBinary(c.b, c.name, { kind: step.kind, pattern: step.pattern });
    if (c.items) return binaryRange(c, step);
    return c.b.call(c.name, [c.addr(step.a), c.addr(step.b), c.addr(step.out), c.count(step.outer), c.count(step.inner)]);
  },
  items: binaryItems,
  interpret: (step, io) => {
    const a = io.read(step.a), b = io.read(step.b);
    const f = FLOAT_OPS[step.kind];
    const n = step.out.dims.reduce<number>((p, d) => p * io.dim(d), 1);
    const inner = step.inner.reduce<number>((p, d) => p * io.dim(d), 1);
    // A column operand holds one element per row of `inner`; the others repeat every a.length elements.
    const at = (col: boolean, len: number, i: number) => (col ? Math.floor(i / inner) : i % len);
    io.write(step.out, Array.from({ length: n }, (_, i) => f(a[at(step.pattern === 'aCol', a.length, i)], b[at(step.pattern === 'bCol', b.length, i)])));
  },
};

export const arithmetic: OpModule = {
  summary: 'Add, Sub, Mul, Div',
  nodes: { Add: rules('Add', 'add'), Sub: rules('Sub', 'sub'), Mul: rules('Mul', 'mul'), Div: rules('Div', 'div') },
  steps: { binary },
};
