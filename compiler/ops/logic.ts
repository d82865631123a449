/**
 * Comparisons and logic (Equal, Greater, Less, GreaterOrEqual, LessOrEqual, Not, And, Or, Xor) and
 * Size. On shape values and constants they fold: TorchScript exports test shapes and sizes with them
 * to pick an `If` branch; symbolic sizes (`seq`, `batch`, at least 1 each) decide where their bounds
 * do (batch > 0 holds, batch == 1 does not fold). On run-time values (an input such as a sample
 * rate) they are a small kernel whose result an If chosen at run time reads.
 */
import { type Ctx, modelError, unsupported } from '../frontend/ctx.js';
import type { BufRef, Operand, Step } from '../frontend/program.js';
import { type LogicSpec, emitLogic } from '../emit/logic.js';
import { broadcastDims, zipConst } from '../frontend/fold.js';
import { type SymInt, formatDims, formatSym, isNum, product, symEq } from '../frontend/symbolic.js';
import { type ConstVal, type Val, numbers } from '../frontend/value.js';
import type { LowerCtx, NodeRules, OpModule, StepKernel } from './types.js';

/** The sign of a - b where the bounds decide it (seq and batch are at least 1), else null. */
export function compareSym(a: SymInt, b: SymInt): -1 | 0 | 1 | null {
  if (isNum(a) && isNum(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (symEq(a, b)) return 0;
  // A monomial c * seq^i * batch^j with c > 0 is at least c; with c < 0 at most c.
  if (!isNum(a) && isNum(b)) {
    if (a.c > 0 && b < a.c) return 1;
    if (a.c < 0 && b > a.c) return -1;
    return null;
  }
  if (isNum(a) && !isNum(b)) {
    const r = compareSym(b, a);
    return r === null ? null : (-r as -1 | 0 | 1);
  }
  return null;
}

type Fn = LogicSpec['fn'];

/** A comparison or logic op on run-time values: one element of each input, or elementwise. */
export interface LogicStep extends Step {
  readonly op: 'logic';
  readonly fn: Fn;
  readonly float: boolean;
  readonly a: Operand;
  readonly b: Operand | null;
  readonly out: BufRef;
}

interface LogicDetail {
  readonly fn: Fn;
  readonly float: boolean;
}

/** Both inputs as constants broadcast together, or null when one is computed at run time. */
function constants(c: Ctx): [ConstVal, ConstVal, number[]] | null {
  const [a, b] = [c.input(0), c.input(1)];
  if (a.kind === 'run' || b.kind === 'run' || !a.dims.every(isNum) || !b.dims.every(isNum)) return null;
  const [x, y] = [asConst(a), asConst(b)];
  const dims = broadcastDims(x.dims, y.dims);
  if (!dims) modelError(c, `inputs [${x.dims.join(', ')}] and [${y.dims.join(', ')}] do not broadcast`);
  return [x, y, dims as number[]];
}

function asConst(v: Val): ConstVal {
  if (v.kind === 'const') return v;
  const dims = v.dims as number[];
  const n = dims.reduce((x, y) => x * y, 1);
  const value = (v as { value: number }).value;
  return v.dtype === 'float'
    ? { kind: 'const', dtype: 'float', dims, data: new Float32Array(n).fill(value) }
    : { kind: 'const', dtype: 'int', dims, data: new Array<number>(n).fill(value) };
}

/** The run-time form: inputs of one element type, equal dims or one of them a single element. */
function runTime(c: Ctx<LogicDetail>, fn: Fn, unary: boolean): Val[] {
  const a = c.input(0);
  const b = unary ? null : c.input(1);
  if (b && a.dtype !== b.dtype) modelError(c, `inputs are ${a.dtype} and ${b.dtype}; ONNX requires one type`);
  const one = (v: Val) => v.dims.every((d) => d === 1);
  let dims = a.dims;
  if (b && !one(b)) {
    if (one(a)) dims = b.dims;
    else if (a.dims.length !== b.dims.length || a.dims.some((d, i) => !symEq(d, b.dims[i]))) {
      unsupported(`comparing ${formatDims(a.dims)} with ${formatDims(b.dims)} at run time; rnnc compares tensors of one size or with a single element`);
    }
  }
  c.detail({ fn, float: a.dtype === 'float' });
  return [{ kind: 'run', dtype: 'int', dims: [...dims] }];
}

function lowerLogic(l: LowerCtx<LogicDetail>): void {
  const d = l.detail!;
  const [x, y] = l.node.inputs;
  const a = l.b.operand(x, l.val(x));
  const b = d.fn === 'not' || d.fn === 'nz' ? null : l.b.operand(y, l.val(y));
  const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
  l.b.step({ op: 'logic', node: l.node.name, fn: d.fn, float: d.float, a, b, out } satisfies LogicStep,
    `${d.fn} '${l.node.name}': ${l.b.describe(a)}${b ? `, ${l.b.describe(b)}` : ''} -> ${l.b.describe(out)}`);
}

const bool = (x: boolean): number => (x ? 1 : 0);

function comparison(fn: Fn, test: (sign: -1 | 0 | 1) => boolean): NodeRules<LogicDetail> {
  return {
    infer: (c) => {
      const k = constants(c);
      if (!k) return runTime(c, fn, false);
      const [a, b, dims] = k;
      const out = zipConst(a, b, dims, (x, y) => {
        const s = compareSym(x, y);
        if (s === null) unsupported(`comparing ${formatSym(x)} with ${formatSym(y)}, which depends on the run-time sequence length or batch`);
        return bool(test(s));
      });
      return [{ kind: 'const', dtype: 'int', dims, data: Array.from((out as ConstVal).data, Number) }];
    },
    lower: lowerLogic,
  };
}

/** The truth of each element (nonzero; a symbolic size is at least 1). */
export function truths(v: ConstVal): boolean[] {
  return Array.from(v.data as ArrayLike<SymInt>, (x) => (isNum(x) ? x !== 0 : true));
}

function logic(fn: Fn, f: (a: boolean, b: boolean) => boolean): NodeRules<LogicDetail> {
  return {
    infer: (c) => {
      const k = constants(c);
      if (!k) return runTime(c, fn, false);
      const [a, b, dims] = k;
      const out = zipConst(a, b, dims, (x, y) => bool(f(isNum(x) ? x !== 0 : true, isNum(y) ? y !== 0 : true)));
      return [{ kind: 'const', dtype: 'int', dims, data: Array.from((out as ConstVal).data, Number) }];
    },
    lower: lowerLogic,
  };
}

const Not: NodeRules<LogicDetail> = {
  infer: (c) => {
    const x = c.input(0);
    if (x.kind === 'run' || !x.dims.every(isNum)) return runTime(c, 'not', true);
    const k = asConst(x);
    return [{ kind: 'const', dtype: 'int', dims: k.dims, data: truths(k).map((t) => bool(!t)) }];
  },
  lower: lowerLogic,
};

/** Cast to BOOL of a run-time value: nonzero is 1 (ops/views.ts's Cast hands it here). */
export const castToBool = { infer: (c: Ctx<LogicDetail>) => runTime(c, 'nz', true), lower: lowerLogic };

const Size: NodeRules = {
  infer: (c) => [{ kind: 'const', dtype: 'int', dims: [], data: [product(c.input(0).dims)] }],
};

/** A scalar condition (an If's): one element, folded to a boolean, or null when computed at run time. */
export function foldedCondition(c: Ctx, v: Val): boolean | null {
  if (v.kind === 'run' || !v.dims.every(isNum)) return null;
  const k = asConst(v);
  if (k.data.length !== 1) modelError(c, `the condition must hold one element, got [${k.dims.join(', ')}]`);
  const n = numbers(k);
  return n ? n[0] !== 0 : true;
}

const logicKernel: StepKernel<LogicStep> = {
  emit: (c, step) => {
    emitLogic(c.b, c.name, { fn: step.fn, float: step.float });
    const n = c.count(step.out.dims);
    const stepOf = (o: Operand | null) => (o && o.dims.some((d) => d !== 1) ? 4 : 0);
    return c.b.call(c.name, [c.addr(step.a), step.b ? c.addr(step.b) : c.b.i32(0), c.addr(step.out), n, c.b.i32(stepOf(step.a)), c.b.i32(stepOf(step.b))]);
  },
  interpret: (step, io) => {
    const a = io.read(step.a), b = step.b ? io.read(step.b) : null;
    const n = step.out.dims.reduce<number>((p, d) => p * io.dim(d), 1);
    const f: Record<Fn, (x: number, y: number) => boolean> = {
      eq: (x, y) => x === y, ne: (x, y) => x !== y, lt: (x, y) => x < y, gt: (x, y) => x > y, le: (x, y) => x <= y, ge: (x, y) => x >= y,
      and: (x, y) => x !== 0 && y !== 0, or: (x, y) => x !== 0 || y !== 0, xor: (x, y) => (x !== 0) !== (y !== 0),
      not: (x) => x === 0, nz: (x) => x !== 0,
    };
    const at = (v: Float64Array | null, i: number) => (v ? v[v.length === 1 ? 0 : i] : 0);
    io.write(step.out, Array.from({ length: n }, (_, i) => bool(f[step.fn](at(a, i), at(b, i)))));
  },
};

export const logicOp: OpModule = {
  summary: 'Equal, Greater, Less, GreaterOrEqual, LessOrEqual, Not, And, Or, Xor, Size',
  nodes: {
    Equal: comparison('eq', (s) => s === 0),
    Greater: comparison('gt', (s) => s > 0),
    Less: comparison('lt', (s) => s < 0),
    GreaterOrEqual: comparison('ge', (s) => s >= 0),
    LessOrEqual: comparison('le', (s) => s <= 0),
    Not,
    And: logic('and', (a, b) => a && b),
    Or: logic('or', (a, b) => a || b),
    Xor: logic('xor', (a, b) => a !== b),
    Size,
  },
  steps: { logic: logicKernel },
};
