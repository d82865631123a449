/**
 * MatMul and Gemm against constant weights: transposes and alpha/beta folded at compile time into a
 * [K, N] weight and an [N] bias; an Add of a constant bias that follows is fused in. At run time one
 * register-blocked GEMM over the product of the leading dims (emit/matmul.ts, the same GEMM the RNN's
 * input projection uses). A BatchNormalization of a [M, N] product folds into the weights and bias.
 */
import { materialize, modelError, unsupported } from '../frontend/ctx.js';
import { mapFloat, transposeConst, uniformValue } from '../frontend/fold.js';
import type { BufRef, ConstRef, Step } from '../frontend/program.js';
import { type SymInt, formatDims, isNum, symEq } from '../frontend/symbolic.js';
import { type ConstVal, type FloatConst, type Val, sizeOf } from '../frontend/value.js';
import {
  emitMatmul, MATMUL_DEFAULT_TILE, packMatmulBias, packMatmulWeights, packedBiasFloats, packedMatmulFloats,
} from '../emit/matmul.js';
import { takesOperand } from './arithmetic.js';
import { batchNormAfter, foldBatchNormColumns } from './batchnorm.js';
import { callRows, splitItems } from './split.js';
import type { LowerCtx, NodeRules, OpModule, StepKernel } from './types.js';

/** out[M, N] = a[M, K] * w[K, N] (+ bias[N]); M is the product of a's leading dims. MatMul, Gemm, MatMul+Add. */
export interface GemmStep extends Step {
  readonly op: 'gemm';
  readonly a: BufRef;
  /** [K, N], already transposed at compile time when the model said transB. */
  readonly w: ConstRef;
  readonly bias: ConstRef | null;
  readonly out: BufRef;
}

/** MatMul or Gemm: w is [K, N] (transposed and scaled at compile time), bias [N]. */
interface Detail {
  readonly w: FloatConst;
  readonly bias: FloatConst | null;
  readonly note: string;
}

/** The register tile of the GEMM, and its SIMD flavour. */
interface Tile {
  readonly MR: number;
  readonly NR: 4 | 8 | 12;
  readonly kUnroll: number;
  readonly kBlock: number;
  readonly relaxedSimd: boolean;
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
const fmt = (v: Val) => formatDims(v.dims);

/** A product over the sequence or batch axis (e.g. Flatten of [batch, seq, H]) feeding a weight. */
function seqInK(a: string): string {
  return `a matrix product over an axis of ${a} that depends on seq or batch; rnnc treats both as run-time sizes, so a weight cannot span them (flatten only fixed axes, e.g. use h_n or one timestep)`;
}

const MatMul: NodeRules<Detail> = {
  infer: (c) => {
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
    c.detail({ w, bias: null, note: vector ? 'vector weights as [K, 1]' : '' });
    return [{ kind: 'run', dtype: 'float', dims }];
  },
  trace: (t) => {
    if (!t.trail.fromEnd.has(-1) && t.isConstant(t.node.inputs[1])) t.follow(t.node.inputs[0], t.trail);
  },
  lower: (l) => lowerGemm(l),
};

const Gemm: NodeRules<Detail> = {
  infer: (c) => {
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
    c.detail({ w, bias, note: notes.filter(Boolean).join(', ') });
    return [{ kind: 'run', dtype: 'float', dims: [a.dims[0], N] }];
  },
  trace: (t) => {
    const role = t.trail.fromEnd.get(-2);
    if (role && t.node.attrs.int('transA', 0) === 0) t.follow(t.node.inputs[0], { rank: 2, fromEnd: new Map([[-2, role]]) });
  },
  lower: (l) => lowerGemm(l),
};

/** A GEMM step; an Add of a constant bias [N] that alone reads the product is fused into it. */
function lowerGemm(l: LowerCtx<Detail>): void {
  const d = l.detail!;
  const node = l.node;
  const [in0, out0] = [node.inputs[0], node.outputs[0]];
  const a = l.b.ref(in0);
  // Constants derived at compile time (transposed, scaled, summed) are named after their sources.
  const cName = node.inputs[2] ?? '';
  let bias = d.bias;
  let biasName = bias ? (cName && l.val(cName) === bias ? cName : `${cName} (folded)`) : '';
  let outName = out0;
  const notes: string[] = [];
  const next = l.consumers(out0);
  const N = d.w.dims[1];
  const add = next.length === 1 && next[0].op === 'Add' && !l.isGraphOutput(out0) ? next[0] : null;
  const other = add && add.inputs[0] !== add.inputs[1] ? add.inputs.find((i) => i !== out0)! : null;
  const ov = other ? l.val(other) : null;
  if (add && other && ov && ov.kind !== 'run' && ov.dtype === 'float' && ov.dims.every((x) => typeof x === 'number') &&
      takesOperand(ov.dims, [N]) && sameDims(l.val(add.outputs[0]).dims, l.val(out0).dims)) {
    const addData = ov.kind === 'fill' ? new Float32Array(N).fill(ov.value) : expandBias(ov as FloatConst, N);
    const sum = bias ? addData.map((x, i) => x + bias!.data[i]) : addData;
    biasName = bias ? `${biasName} + ${other}` : ov.kind === 'const' && ov.dims.length === 1 ? other : `${other} (folded)`;
    bias = { kind: 'const', dtype: 'float', dims: [N], data: sum };
    notes.push(`Add '${add.name}' fused as bias`);
    l.fuse(add);
    outName = add.outputs[0];
  }
  const bName = node.inputs[1];
  let w = d.w;
  let wName = d.w === l.val(bName) ? bName : `${bName} (${d.note || 'folded'})`;
  // A BatchNormalization of the [M, N] product normalizes its columns: its factors fold into w and the bias.
  const bn = l.val(outName).dims.length === 2 ? batchNormAfter(l, outName) : null;
  if (bn) {
    [w, bias] = foldBatchNormColumns(w, bias, bn.factors);
    [wName, biasName] = [`${bName} (BatchNormalization '${bn.node.name}' folded)`, `${biasName || node.name} bias (BatchNormalization '${bn.node.name}' folded)`];
    notes.push(`BatchNormalization '${bn.node.name}' folded into the weights`);
    l.fuse(bn.node);
    outName = bn.node.outputs[0];
  }
  const wRef = l.b.constant(wName, w);
  const biasRef: ConstRef | null = bias ? l.b.constant(biasName, bias) : null;
  const v = l.val(outName);
  const vector = w.dims[1] === 1 && v.dims.length === l.val(in0).dims.length - 1;
  const out = l.b.buffer(outName, v, vector ? [...a.dims.slice(0, -1), 1] : undefined);
  l.b.step({ op: 'gemm', node: node.name, a, w: wRef, bias: biasRef, out } satisfies GemmStep,
    `gemm '${node.name}': ${l.b.describe(a)} x ${l.b.describe(wRef)}${biasRef ? ` + ${l.b.describe(biasRef)}` : ''} -> ${l.b.describe(out)}${notes.length ? ` (${notes.join('; ')})` : ''}`);
}

const sameDims = (a: readonly SymInt[], b: readonly SymInt[]) => a.length === b.length && a.every((d, i) => symEq(d, b[i]));

/** A constant bias of dims [N], [1, N], [1], [] ... as N floats. */
function expandBias(c: FloatConst, N: number): Float32Array {
  return c.data.length === N ? c.data : new Float32Array(N).fill(c.data[0]);
}

/** Where the packed weights and the padded bias were placed. */
interface Placed {
  readonly tile: Tile;
  readonly panels: number;
  readonly bias: number | null;
}

/**
 * A row's multiply-adds in floats of elementwise work: SIMD multiply-adds from registers run about
 * eight to an elementwise float's load, op and store.
 */
const gemmRowWork = (step: GemmStep) => Math.max(1, Math.ceil((step.w.dims[0] * step.w.dims[1]) / 8));

const gemm: StepKernel<GemmStep, Tile, Placed> = {
  plan: (_step, c) => ({ ...MATMUL_DEFAULT_TILE, relaxedSimd: !!c.options().relaxedSimd }),
  place: (step, tile, c) => {
    const [K, N] = step.w.dims;
    const panels = c.reserve(packedMatmulFloats(K, N, tile.NR) * 4, (image) => {
      image.set(packMatmulWeights(c.constant(step.w) as Float32Array, K, N, tile.NR), panels / 4);
    });
    const bias = step.bias ? c.reserve(packedBiasFloats(N, tile.NR) * 4, (image) => {
      image.set(packMatmulBias(c.constant(step.bias!) as Float32Array, N, tile.NR), bias! / 4);
    }) : null;
    return { tile, panels, bias };
  },
  emit: (c, step, p) => {
    const [K, N] = step.w.dims;
    emitMatmul(c.b, c.name, { K, N, panelsOffset: p.panels, biasOffset: p.bias, MR: p.tile.MR, NR: p.tile.NR, kUnroll: p.tile.kUnroll, kBlock: p.tile.kBlock, fused: p.tile.relaxedSimd });
    return callRows(c, c.addr(step.a), c.addr(step.out), step.a.dims.slice(0, -1), K, N, { align: p.tile.MR, work: gemmRowWork(step) });
  },
  // Ranges of rows, whole register tiles (out never aliases a: the kernel reads every row of a
  // once per panel of out).
  items: (step) => splitItems(step.a.dims.slice(0, -1), gemmRowWork(step)),
  relaxedSimd: (p) => p.tile.relaxedSimd,
  packs: (step) => [step.w, step.bias],
  interpret: (step, io) => {
    const [K, N] = step.w.dims;
    const a = io.read(step.a), w = io.read(step.w), bias = step.bias ? io.read(step.bias) : null;
    const M = a.length / K;
    const out = new Float64Array(M * N);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = bias ? bias[n] : 0;
        for (let k = 0; k < K; k++) s += a[m * K + k] * w[k * N + n];
        out[m * N + n] = s;
      }
    }
    io.write(step.out, out);
  },
};

export const matmul: OpModule = {
  summary: 'MatMul and Gemm (constant weights)',
  nodes: { MatMul, Gemm },
  steps: { gemm },
};
