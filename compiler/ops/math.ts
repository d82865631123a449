/**
 * Elementwise functions of one input, with their parameters: Pow with a constant exponent, Sqrt,
 * Exp, Log, Neg, Clip and LeakyRelu. On constants they fold in float64 (Pow with C's and NumPy's
 * edge cases); on a run-time tensor of any rank, seq and batch included, each is one `map` step
 * applying its `UnaryFn` (emit/math.ts), which a convolution can take over as its epilogue.
 */
import { type Ctx, materialize, modelError, unsupported } from '../frontend/ctx.js';
import { broadcastDims, castConst, mapFloat, uniformValue, zipConst } from '../frontend/fold.js';
import type { GraphNode } from '../frontend/load.js';
import type { BufRef, Step } from '../frontend/program.js';
import { type SymInt, formatDims, isNum, mul, symEq } from '../frontend/symbolic.js';
import type { ConstVal, Val } from '../frontend/value.js';
import { emitMap } from '../emit/elementwise.js';
import { callMap, splitItems } from './split.js';
import { emitUnaryFn, type UnaryFn, unaryFnUnroll } from '../emit/math.js';
import { sigmoid } from '../cells/activations.js';
import type { NodeRules, OpModule, StepKernel } from './types.js';
import { traceThrough } from './views.js';

export type { UnaryFn } from '../emit/math.js';

/** out = fn(x), elementwise over every element of x. */
export interface MapStep extends Step {
  readonly op: 'map';
  readonly fn: UnaryFn;
  /** Vectors per iteration of the map (fewer for long dependency chains). */
  readonly unroll: number;
  readonly x: BufRef;
  readonly out: BufRef;
}

/** x^e as C's pow (and NumPy, onnxruntime): pow(x, ±0) = 1 and pow(1, e) = 1 even for NaN. */
export function powF64(x: number, e: number): number {
  if (e === 0 || x === 1) return 1;
  if (x === -1 && (e === Infinity || e === -Infinity)) return 1;
  return Math.pow(x, e);
}

/** The float64 function of f: constant folding, the interpreter, the tests' reference. */
export function unaryFnF64(f: UnaryFn): (x: number) => number {
  switch (f.fn) {
    case 'neg': return (x) => -x;
    case 'sqrt': return Math.sqrt;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'relu': return (x) => (x < 0 ? 0 : x);
    case 'sigmoid': return sigmoid;
    case 'tanh': return Math.tanh;
    case 'pow': return (x) => powF64(x, f.exponent);
    case 'clip': return (x) => {
      let y = x;
      if (f.min !== null && y < f.min) y = f.min;
      if (f.max !== null && y > f.max) y = f.max;
      return y;
    };
    case 'leakyRelu': return (x) => (x >= 0 ? x : f.alpha * x);
  }
}

const ACTIVATIONS: Readonly<Record<string, UnaryFn>> = { Relu: { fn: 'relu' }, Sigmoid: { fn: 'sigmoid' }, Tanh: { fn: 'tanh' } };

/**
 * The UnaryFn a node with a run-time input applies, for a kernel that takes the node over as its
 * epilogue (a convolution's activation): the map ops' resolved parameters (`detail`, what their
 * rule recorded), or Relu, Sigmoid, Tanh; null for any other node.
 */
export function unaryFnOf(node: GraphNode, detail: unknown): UnaryFn | null {
  if (Object.hasOwn(ACTIVATIONS, node.op)) return ACTIVATIONS[node.op];
  return Object.hasOwn(mathOp.nodes!, node.op) && detail ? detail as UnaryFn : null;
}

/** `pow 2`, `clip [0, 6]`, `leakyRelu 0.1`: for summaries. */
export function describeUnaryFn(f: UnaryFn): string {
  switch (f.fn) {
    case 'pow': return `pow ${f.exponent}`;
    case 'clip': return `clip [${f.min ?? '-inf'}, ${f.max ?? 'inf'}]`;
    case 'leakyRelu': return `leakyRelu ${f.alpha}`;
    default: return f.fn;
  }
}

/** A constant's single number (a scalar or one element, or a uniform fill), or Unsupported naming `what`. */
export function scalarInput(c: Ctx, i: number, what: string): number {
  const v = c.input(i);
  const x = v.kind === 'fill' ? v.value : v.kind === 'const' && v.data.length === 1 && isNum(v.data[0]) ? v.data[0] : null;
  if (x === null) {
    unsupported(v.kind === 'run' ? `${what} is computed at run time; rnnc needs it constant` : `${what} has dims ${formatDims(v.dims)}; one value was expected`);
  }
  return x;
}

/** Clip's bounds: attributes before opset 11, optional constant inputs from it. Infinite no-op bounds become null. */
function clipFn(c: Ctx): UnaryFn {
  const FLT_MAX = 3.4028234663852886e38;
  const old = c.opset < 11;
  // Absent bounds are float's lowest and max (the spec's defaults, as onnxruntime clamps ±Infinity).
  const min = old ? c.node.attrs.float('min', -FLT_MAX) : c.optional(1) ? scalarInput(c, 1, 'min (input 1)') : -FLT_MAX;
  const max = old ? c.node.attrs.float('max', FLT_MAX) : c.optional(2) ? scalarInput(c, 2, 'max (input 2)') : FLT_MAX;
  if (Number.isNaN(min) || Number.isNaN(max) || min === Infinity || max === -Infinity) {
    unsupported(`bounds [${min}, ${max}]; rnnc clips to finite bounds (a missing bound or an infinite one that leaves x as it is)`);
  }
  return { fn: 'clip', min: min === -Infinity ? null : min, max: max === Infinity ? null : max };
}

function leakyFn(c: Ctx): UnaryFn {
  const alpha = Math.fround(c.node.attrs.float('alpha', 0.01));
  if (!Number.isFinite(alpha)) unsupported(`alpha ${alpha}; a finite alpha was expected`);
  return { fn: 'leakyRelu', alpha };
}

/** Pow at run time: one finite exponent that leaves X's dims as they are. */
function powFn(c: Ctx, x: Val): UnaryFn {
  const y = c.input(1);
  if (y.kind === 'run') unsupported('an exponent computed at run time; rnnc raises to a constant power');
  const e = y.kind === 'fill' ? y.value : uniformValue(y);
  if (e === null) unsupported(`an exponent of dims ${formatDims(y.dims)} holding different values; rnnc raises every element to one constant power`);
  if (!Number.isFinite(e)) unsupported(`exponent ${e}; a finite exponent was expected`);
  const dims = broadcastDims(x.dims, y.dims) ?? modelError(c, `X ${formatDims(x.dims)} and Y ${formatDims(y.dims)} do not broadcast`);
  if (dims.length !== x.dims.length || !dims.every((d, i) => symEq(d, x.dims[i]))) {
    unsupported(`an exponent of dims ${formatDims(y.dims)} that broadcasts X ${formatDims(x.dims)} to ${formatDims(dims)}; rnnc keeps X's dims`);
  }
  return { fn: 'pow', exponent: e };
}

/** Pow of two constants (any broadcast) in float64; int data as integers. */
function foldPow(c: Ctx, x: Val, y: Val): Val {
  const dims = broadcastDims(x.dims, y.dims) ?? modelError(c, `X ${formatDims(x.dims)} and Y ${formatDims(y.dims)} do not broadcast`);
  const int = x.dtype === 'int';
  const pow = (a: number, b: number) => (int ? Math.trunc(powF64(a, b)) : powF64(a, b));
  if (!dims.every(isNum)) {
    const ux = x.kind === 'fill' ? x.value : uniformValue(x as ConstVal), uy = y.kind === 'fill' ? y.value : uniformValue(y as ConstVal);
    if (ux === null || uy === null) unsupported(`Pow of constants of different values over dims ${formatDims(dims)}, which vary at run time`);
    return { kind: 'fill', dtype: x.dtype, dims, value: pow(ux, uy) };
  }
  const cx = materialize(x, 'X') as ConstVal;
  const cy = castConst(materialize(y, 'Y') as ConstVal, cx.dtype) ?? unsupported('an exponent that depends on seq or batch');
  const out = zipConst(cx, cy, dims as number[], (a, b) => (isNum(a) && isNum(b) ? pow(a, b) : null));
  return out ?? unsupported('Pow of shape values that depend on seq or batch');
}

/** Integer folding (shape arithmetic) where the op has it: Neg of symbolic ints, Clip and Pow of numbers. */
function foldInts(c: Ctx, f: UnaryFn, x: Val): Val {
  if (x.kind === 'run') unsupported(`${c.node.op} of an integer tensor at run time; rnnc computes it on float tensors`);
  const v = materialize(x, 'X') as ConstVal;
  if (f.fn === 'neg') return { ...v, data: (v.data as SymInt[]).map((s) => mul(s, -1)) } as ConstVal;
  const g = unaryFnF64(f);
  if (!v.data.every(isNum)) unsupported(`${c.node.op} of shape values that depend on seq or batch`);
  return { ...v, data: (v.data as number[]).map((n) => Math.trunc(g(n))) } as ConstVal;
}

/** The rules of one op: `resolve` reads its parameters (validating them) for a non-constant X. */
function rules(resolve: (c: Ctx, x: Val) => UnaryFn, ints: boolean): NodeRules<UnaryFn> {
  return {
    infer: (c) => {
      const x = c.input(0);
      if (c.node.op === 'Pow' && x.kind !== 'run' && c.input(1).kind !== 'run') return [foldPow(c, x, c.input(1))];
      const f = resolve(c, x);
      if (x.dtype === 'int') {
        if (!ints) unsupported(`an integer input; rnnc computes ${c.node.op} on float tensors`);
        return [foldInts(c, f, x)];
      }
      if (x.kind === 'const') return [mapFloat(x, unaryFnF64(f))];
      if (x.kind === 'fill') return [{ ...x, value: unaryFnF64(f)(x.value) }];
      c.detail(f);
      return [x];
    },
    trace: traceThrough,
    lower: (l) => {
      const fn = l.detail!;
      const x = l.b.ref(l.node.inputs[0]);
      const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
      l.b.step({ op: 'map', node: l.node.name, fn, unroll: unaryFnUnroll(fn), x, out } satisfies MapStep,
        `map '${l.node.name}' (${describeUnaryFn(fn)}): ${l.b.describe(x)} -> ${l.b.describe(out)}`);
    },
  };
}

const fixed = (fn: 'neg' | 'sqrt' | 'exp' | 'log') => (): UnaryFn => ({ fn });

const map: StepKernel<MapStep> = {
  emit: (c, step) => {
    emitMap(c.b, c.name, { f: (v, x) => emitUnaryFn(v, step.fn, x), unroll: step.unroll });
    return callMap(c, c.addr(step.x), c.addr(step.out), step.x.dims);
  },
  items: (step) => splitItems(step.x.dims),
  interpret: (step, io) => io.write(step.out, Array.from(io.read(step.x), unaryFnF64(step.fn))),
};

export const mathOp: OpModule = {
  summary: 'Pow (constant exponent), Sqrt, Exp, Log, Neg, Clip, LeakyRelu',
  nodes: {
    Pow: rules(powFn, true),
    Sqrt: rules(fixed('sqrt'), false),
    Exp: rules(fixed('exp'), false),
    Log: rules(fixed('log'), false),
    Neg: rules(fixed('neg'), true),
    Clip: rules(clipFn, true),
    LeakyRelu: rules(leakyFn, false),
  },
  steps: { map },
};
