/**
 * BatchNormalization in inference mode: y = scale * (x - mean) / sqrt(var + epsilon) + B per channel
 * (axis 1), that is y = x * s + t with s and t computed once, in float64, at compile time. A
 * producer with constant weights (Conv, Gemm/MatMul) takes s and t into its weights and bias
 * (`batchNormAfter`) and the node disappears; otherwise it is a per-channel scale and shift step.
 */
import { materialize, modelError, plainDims, unsupported } from '../frontend/ctx.js';
import type { GraphNode } from '../frontend/load.js';
import type { BufRef, ConstRef, Step } from '../frontend/program.js';
import { formatDims, isNum } from '../frontend/symbolic.js';
import type { FloatConst } from '../frontend/value.js';
import { emitChannelAffine } from '../emit/affine.js';
import { soleReader } from './epilogue.js';
import type { LowerCtx, NodeRules, OpModule, StepKernel } from './types.js';
import { traceThrough } from './views.js';

/** out[o][c][i] = x[o][c][i] * scale[c] + shift[c]; x is [outer, C, ...inner]. */
export interface ChannelAffineStep extends Step {
  readonly op: 'channel_affine';
  readonly x: BufRef;
  readonly scale: ConstRef;
  readonly shift: ConstRef;
  readonly out: BufRef;
}

/** The node's factors: y = x * scale[c] + shift[c], in float64. */
export interface BatchNormDetail {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

const INPUTS = ['scale', 'B', 'input_mean', 'input_var'] as const;

const BatchNormalization: NodeRules<BatchNormDetail> = {
  infer: (c) => {
    const x = c.input(0);
    if (x.dtype !== 'float') modelError(c, 'X must be float');
    if (x.dims.length < 2) modelError(c, `X has dims ${formatDims(x.dims)}; BatchNormalization normalizes axis 1 of [N, C, ...]`);
    const C = x.dims[1];
    if (!isNum(C)) unsupported(`X has dims ${formatDims(x.dims)}; its channel axis must be a number`);
    plainDims(x, 'X');
    if (c.node.attrs.int('training_mode', 0) !== 0 || c.used(1) || c.used(2) || c.used(3) || c.used(4)) {
      unsupported('training mode (training_mode=1 or the running mean/var outputs used); rnnc runs inference only');
    }
    if (c.node.attrs.int('spatial', 1) !== 1) unsupported('spatial=0 (statistics per position); rnnc reads one per channel');
    const [scale, b, mean, variance] = INPUTS.map((what, i) => {
      const v = c.input(i + 1);
      if (v.kind === 'run') unsupported(`${what} is computed at run time; rnnc folds BatchNormalization from constants`);
      const m = materialize(v, what) as FloatConst;
      if (m.dtype !== 'float' || m.dims.length !== 1 || m.dims[0] !== C) modelError(c, `${what} has dims ${formatDims(m.dims)}; expected [${C}] (one per channel of X ${formatDims(x.dims)})`);
      return m.data;
    });
    const epsilon = c.node.attrs.float('epsilon', 1e-5);
    const s = Float64Array.from(scale, (g, i) => g / Math.sqrt(variance[i] + epsilon));
    const t = Float64Array.from(b, (beta, i) => beta - mean[i] * s[i]);
    if (x.kind === 'run') {
      c.detail({ scale: s, shift: t });
      return [x, null, null, null, null];
    }
    const v = materialize(x, 'X') as FloatConst;
    const inner = v.data.length / (v.dims[0] * C);
    const data = Float32Array.from(v.data, (y, i) => y * s[Math.floor(i / inner) % C] + t[Math.floor(i / inner) % C]);
    return [{ ...v, data }, null, null, null, null];
  },
  trace: traceThrough,
  lower: (l) => {
    const d = l.detail!;
    const x = l.b.ref(l.node.inputs[0]);
    const f32 = (name: string, a: Float64Array) => l.b.constant(name, { kind: 'const', dtype: 'float', dims: [a.length], data: Float32Array.from(a) });
    const scale = f32(`${l.node.name} scale (folded)`, d.scale), shift = f32(`${l.node.name} shift (folded)`, d.shift);
    const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
    l.b.step({ op: 'channel_affine', node: l.node.name, x, scale, shift, out } satisfies ChannelAffineStep,
      `channel_affine '${l.node.name}' (BatchNormalization, no producer to fold into): ${l.b.describe(x)} * ${l.b.describe(scale)} + ${l.b.describe(shift)} -> ${l.b.describe(out)}`);
  },
};

/** The BatchNormalization that alone reads `value` (axis 1 of it its channels), with its factors: for a producer to fold. */
export function batchNormAfter(l: LowerCtx, value: string): { readonly node: GraphNode; readonly factors: BatchNormDetail } | null {
  const n = soleReader(l, value, ['BatchNormalization']);
  const factors = n ? (l.detailOf(n) as BatchNormDetail | undefined) : undefined;
  return n && factors ? { node: n, factors } : null;
}

/** w [K, N] with column n scaled by s[n], and bias * s + t (a zero bias when none), in float64, rounded once. */
export function foldBatchNormColumns(w: FloatConst, bias: FloatConst | null, f: BatchNormDetail): [FloatConst, FloatConst] {
  const N = w.dims[1];
  const data = Float32Array.from(w.data, (x, i) => x * f.scale[i % N]);
  const b = Float32Array.from(f.shift, (t, n) => (bias ? bias.data[n] : 0) * f.scale[n] + t);
  return [{ ...w, data }, { kind: 'const', dtype: 'float', dims: [N], data: b }];
}

const channelAffine: StepKernel<ChannelAffineStep> = {
  emit: (c, step) => {
    const C = step.scale.dims[0];
    const inner = step.x.dims.slice(2);
    emitChannelAffine(c.b, c.name, { C, channelsLast: inner.length === 0 });
    return c.b.call(c.name, [c.addr(step.x), c.addr(step.out), c.count(step.x.dims.slice(0, 1)), c.count(inner), c.addr(step.scale), c.addr(step.shift)]);
  },
  interpret: (step, io) => {
    const [x, s, t] = [io.read(step.x), io.read(step.scale), io.read(step.shift)];
    const C = s.length;
    const inner = io.dim(step.x.dims[0]) > 0 ? x.length / (io.dim(step.x.dims[0]) * C) : 1;
    io.write(step.out, Array.from(x, (v, i) => v * s[Math.floor(i / inner) % C] + t[Math.floor(i / inner) % C]));
  },
};

export const batchNormOp: OpModule = {
  summary: 'BatchNormalization (inference; folded into a preceding Conv, Gemm or MatMul)',
  nodes: { BatchNormalization },
  steps: { channel_affine: channelAffine },
};
