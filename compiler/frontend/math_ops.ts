/**
 * Shape rules of the arithmetic ops: elementwise Add/Sub/Mul/Div with NumPy broadcasting (folded on
 * constants, including symbolic shape arithmetic), Relu/Tanh/Sigmoid, Softmax/LogSoftmax over the
 * last axis, and MatMul/Gemm against constant weights, resolved into a [K, N] weight and a bias.
 */
import { modelError, normAxis, numericDims, unsupported } from './ctx.js';
import { broadcastDims, mapFloat, transposeConst, uniformValue, zipConst } from './fold.js';
import { materialize, type Rule } from './shape_ops.js';
import { type SymInt, add, div, formatDims, formatSym, isNum, mul, sub, symEq, toDim } from './symbolic.js';
import { type ConstVal, type FloatConst, type Val, sizeOf } from './value.js';

type SymOp = (x: SymInt, y: SymInt) => SymInt | null;

const INT_OPS: Record<string, SymOp> = { Add: add, Sub: sub, Mul: (x, y) => mul(x, y), Div: div };
const FLOAT_OPS: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y, Div: (x, y) => x / y,
};

const sameDims = (a: readonly SymInt[], b: readonly SymInt[]) => a.length === b.length && a.every((d, i) => symEq(d, b[i]));
const fmt = (v: Val) => formatDims(v.dims);

/**
 * Whether the elementwise kernels take this operand for output dims `out`: the same dims, one
 * element, or (leading 1s dropped) a suffix of `out`, broadcast along the leading dims.
 */
export function broadcastSupported(dims: readonly SymInt[], out: readonly SymInt[]): boolean {
  if (sameDims(dims, out)) return true;
  if (dims.every((d) => d === 1)) return true;
  const core = dims.slice(dims.findIndex((d) => d !== 1));
  return core.length <= out.length && sameDims(core, out.slice(out.length - core.length));
}

function binary(op: string): Rule {
  return (c) => {
    const a = c.input(0), b = c.input(1);
    if (a.dtype !== b.dtype) modelError(c, `operands ${a.dtype}${fmt(a)} and ${b.dtype}${fmt(b)} differ in element type`);
    const dims = broadcastDims(a.dims, b.dims) ?? modelError(c, `shapes ${fmt(a)} and ${fmt(b)} do not broadcast`);
    const symOp: SymOp = a.dtype === 'int' ? INT_OPS[op] : (x, y) => FLOAT_OPS[op](x as number, y as number);
    if (a.kind !== 'run' && b.kind !== 'run') {
      const ua = a.kind === 'fill' ? a.value : uniformValue(a);
      const ub = b.kind === 'fill' ? b.value : uniformValue(b);
      if ((a.kind === 'fill' || b.kind === 'fill') && ua !== null && ub !== null && !dims.every(isNum)) {
        const value = symOp(ua, ub);
        if (value === null || !isNum(value)) return modelError(c, 'internal: uniform arithmetic');
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
      if (!scalarFill && (v.kind === 'fill' || !broadcastSupported(v.dims, dims))) {
        unsupported(`${op} of ${fmt(a)} and ${fmt(b)}: rnnc broadcasts an operand of the same dims, a scalar, or one whose dims end the output's (e.g. a bias [N])`);
      }
    }
    return [{ kind: 'run', dtype: 'float', dims }];
  };
}

function unary(f: (x: number) => number): Rule {
  return (c) => {
    const x = c.input(0);
    if (x.dtype !== 'float') unsupported('an integer input; rnnc applies activations to float tensors');
    if (x.kind === 'const') return [mapFloat(x, f)];
    if (x.kind === 'fill') return [{ ...x, value: f(x.value) }];
    return [x];
  };
}

function softmax(log: boolean): Rule {
  return (c) => {
    const x = c.input(0);
    const r = x.dims.length;
    const axis = normAxis(c, c.node.attrs.int('axis', c.opset >= 13 ? -1 : 1), r);
    if (axis !== r - 1) {
      unsupported(c.opset >= 13
        ? `${c.node.op} over axis ${axis} of ${fmt(x)}; only the last axis is supported (Transpose the axis last first)`
        : `${c.node.op} (opset ${c.opset}) over the flattened axes ${axis}..${r - 1} of ${fmt(x)}; only the last axis is supported`);
    }
    if (x.dtype !== 'float') modelError(c, 'input must be float');
    if (x.kind !== 'run') {
      const v = materialize(x, 'the input') as FloatConst;
      const n = v.dims[r - 1] ?? 1;
      const data = new Float32Array(v.data.length);
      for (let row = 0; row < v.data.length; row += n) {
        const xs = Array.from(v.data.subarray(row, row + n));
        const m = Math.max(...xs);
        const sum = xs.reduce((s, t) => s + Math.exp(t - m), 0);
        xs.forEach((t, i) => { data[row + i] = log ? t - m - Math.log(sum) : Math.exp(t - m) / sum; });
      }
      return [{ ...v, data }];
    }
    if (toDim(x.dims[r - 1]) === null) unsupported(`${c.node.op} over a merged axis ${formatSym(x.dims[r - 1])}`);
    c.detail({ kind: 'softmax', log });
    return [x];
  };
}

/** a[..., K] · w[K, N] + bias[N] on constants. */
function gemmConst(a: FloatConst, w: FloatConst, bias: FloatConst | null): FloatConst {
  const [K, N] = w.dims;
  const M = sizeOf(a.dims) / K;
  const data = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias ? bias.data[n] : 0;
      for (let k = 0; k < K; k++) s += a.data[m * K + k] * w.data[k * N + n];
      data[m * N + n] = s;
    }
  }
  return { kind: 'const', dtype: 'float', dims: [...a.dims.slice(0, -1), N], data };
}

/** A constant operand (fills of fixed size become constants), or null for a run-time tensor. */
function constant(v: Val): FloatConst | null {
  if (v.kind === 'run') return null;
  const m = materialize(v, 'a weight') as ConstVal;
  if (m.dtype !== 'float') unsupported('integer weights; rnnc multiplies float tensors');
  return m;
}

const scale = (v: FloatConst, s: number): FloatConst => (s === 1 ? v : mapFloat(v, (x) => x * s));

const MatMul: Rule = (c) => {
  const a = c.input(0), b = c.input(1);
  const w0 = constant(b);
  if (!w0) {
    unsupported(a.kind === 'run'
      ? 'MatMul with two run-time inputs: not supported; only constant weights (x·W with W an initializer)'
      : 'MatMul with a run-time right operand: not supported; only x·W with constant W');
  }
  if (w0.dims.length > 2 || w0.dims.length === 0) unsupported(`MatMul with constant weights of dims ${formatDims(w0.dims)}; only [K, N] or [K]`);
  const vector = w0.dims.length === 1;
  const w: FloatConst = vector ? { ...w0, dims: [w0.dims[0], 1] } : w0;
  const K = a.dims[a.dims.length - 1];
  if (a.dims.length > 0 && !isNum(K)) unsupported(seqInK(fmt(a)));
  if (a.dims.length === 0 || !symEq(K, w.dims[0])) modelError(c, `cannot multiply ${fmt(a)} by ${formatDims(w0.dims)}`);
  const lead = a.dims.slice(0, -1);
  const dims = vector ? lead : [...lead, w.dims[1]];
  const ca = constant(a);
  if (ca) return [{ ...gemmConst(ca, w, null), dims: dims as number[] }];
  c.detail({ kind: 'gemm', w, bias: null, note: vector ? 'vector weights as [K, 1]' : '' });
  return [{ kind: 'run', dtype: 'float', dims }];
};

const Gemm: Rule = (c) => {
  const attrs = c.node.attrs;
  const [alpha, beta] = [attrs.float('alpha', 1), attrs.float('beta', 1)];
  const [transA, transB] = [attrs.int('transA', 0) !== 0, attrs.int('transB', 0) !== 0];
  const a = c.input(0);
  const b = constant(c.input(1)) ?? unsupported('Gemm with a run-time B: not supported; only constant weights');
  if (a.dims.length !== 2 || b.dims.length !== 2) modelError(c, `A ${fmt(a)} and B ${formatDims(b.dims)} must be matrices`);
  const w = scale(transB ? (transposeConst(b, [1, 0]) as FloatConst) : b, alpha);
  const [K, N] = w.dims;
  const cv = c.optional(2);
  let bias: FloatConst | null = null;
  if (cv && beta !== 0) {
    const uniform = cv.kind === 'fill' ? cv.value : cv.kind === 'const' ? uniformValue(cv) : null;
    const core = cv.dims.slice(Math.max(0, cv.dims.findIndex((d) => d !== 1)));
    if (cv.kind === 'run') unsupported('Gemm with a run-time C: not supported; only a constant bias');
    if (cv.dtype !== 'float') modelError(c, 'C must be float');
    if (cv.kind === 'const' && cv.dims.length === 1 && cv.dims[0] === N) bias = scale(cv as FloatConst, beta);
    else if (cv.kind === 'const' && core.length === 1 && core[0] === N) bias = scale({ ...cv, dims: [N] } as FloatConst, beta);
    else if (uniform !== null) bias = { kind: 'const', dtype: 'float', dims: [N], data: new Float32Array(N).fill(uniform * beta) };
    else unsupported(`Gemm with C of dims ${fmt(cv)}; only a bias per output column ([N] or [1, N])`);
  }
  const ca = constant(a);
  if (transA) {
    if (!ca) unsupported('Gemm with transA=1 on a run-time A: not supported');
    return [gemmConst(transposeConst(ca, [1, 0]) as FloatConst, w, bias)];
  }
  if (!isNum(a.dims[1])) unsupported(seqInK(fmt(a)));
  if (!symEq(a.dims[1], K)) modelError(c, `cannot multiply A ${fmt(a)} by B ${formatDims(w.dims)} (after transB)`);
  if (ca) return [gemmConst(ca, w, bias)];
  const notes = [transB ? 'B transposed' : '', alpha !== 1 ? `alpha ${alpha} folded` : '', cv && beta !== 1 ? `beta ${beta} folded` : ''];
  c.detail({ kind: 'gemm', w, bias, note: notes.filter(Boolean).join(', ') });
  return [{ kind: 'run', dtype: 'float', dims: [a.dims[0], N] }];
};

export const MATH_RULES: Record<string, Rule> = {
  Add: binary('Add'), Sub: binary('Sub'), Mul: binary('Mul'), Div: binary('Div'),
  Relu: unary((x) => (x > 0 ? x : 0)),
  Tanh: unary(Math.tanh),
  Sigmoid: unary((x) => 1 / (1 + Math.exp(-x))),
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
  MatMul,
  Gemm,
};

/** A product over the sequence or batch axis (e.g. Flatten of [batch, seq, H]) feeding a weight. */
function seqInK(a: string): string {
  return `a matrix product over an axis of ${a} that depends on seq or batch; rnnc treats both as run-time sizes, so a weight cannot span them (flatten only fixed axes, e.g. use h_n or one timestep)`;
}
