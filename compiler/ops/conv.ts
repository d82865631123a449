/**
 * Conv, 1-D, with constant weights: X [N, C, L] (N may be the run-time batch or sequence, C and L are
 * numbers), W [M, C/group, k], optional B, every attribute (conv_rule.ts). Folded in float64 when X
 * is constant. At run time one kernel: the direct convolution (emit/conv.ts), or for a depthwise one
 * (group = C = M) its own (emit/conv_depthwise.ts). A BatchNormalization that alone reads the output
 * is folded into the weights and bias, and an activation after it is applied in the kernel's registers.
 *
 * A 1x1 convolution is the direct kernel with k = 1: the GEMM microkernel (splat times packed weight
 * vectors), its A read transposed as [N, C, L] lays it out. The shared GEMM (emit/matmul.ts) reads A
 * row-major [rows, K], which matches only when L = 1; there it measured within a fifth of the direct
 * kernel (ahead at batch 8, as it blocks batch rows; behind at batch 1) and would not apply the
 * activation in registers, so every Conv takes the direct kernel.
 */
import { materialize } from '../frontend/ctx.js';
import type { BufRef, ConstRef, Step } from '../frontend/program.js';
import type { FloatConst } from '../frontend/value.js';
import { convBlocksName, directConvItems, emitDirectConv, packDirectBias, packDirectWeights, packedDirectFloats } from '../emit/conv.js';
import {
  depthwiseBlocksName, depthwiseConvItems, depthwiseScratchFloats, emitDepthwiseConv, packDepthwiseBias, packDepthwiseWeights,
} from '../emit/conv_depthwise.js';
import type { ConvGeometry } from '../emit/conv_parts.js';
import { blockItems, blockRange } from './split.js';
import type { Epilogue } from '../emit/epilogue.js';
import { batchNormAfter } from './batchnorm.js';
import { convF64, readConv, type ConvOperands } from './conv_rule.js';
import { absorbableEpilogue, applyEpilogue, describeEpilogue } from './epilogue.js';
import type { LowerCtx, NodeRules, OpModule, PlanPass, StepKernel } from './types.js';

/** out [..., M, L'] = epilogue(conv(x [..., C, L], w) + bias); the leading dims are batch rows. */
export interface ConvStep extends Step {
  readonly op: 'conv';
  readonly x: BufRef;
  /** [M, C/group, k], a folded BatchNormalization's scale included. */
  readonly w: ConstRef;
  readonly bias: ConstRef | null;
  readonly out: BufRef;
  readonly geometry: ConvGeometry;
  readonly epilogue: Epilogue | null;
}

const Conv: NodeRules<ConvOperands> = {
  infer: (c) => {
    const x = c.input(0);
    const ops = readConv(c);
    const { M, outLength } = ops.geometry;
    if (x.kind === 'run') {
      c.detail(ops);
      return [{ kind: 'run', dtype: 'float', dims: [x.dims[0], M, outLength] }];
    }
    const xc = materialize(x, 'X') as FloatConst;
    const N = xc.dims[0];
    const data = Float32Array.from(convF64(ops.geometry, xc.data, ops.w.data, ops.bias?.data ?? null, N));
    return [{ kind: 'const', dtype: 'float', dims: [N, M, outLength], data }];
  },
  // The batch rows (axis 0) are the output's; the channel and length axes are the convolution's own.
  trace: (t) => {
    const role = t.trail.fromEnd.get(-3);
    if (role && (t.trail.rank ?? 3) === 3) t.follow(t.node.inputs[0], { rank: 3, fromEnd: new Map([[-3, role]]) });
  },
  lower: (l) => lowerConv(l),
};

/** W * s and bias * s + t per output channel, in float64, rounded once. */
function foldBatchNorm(w: Float32Array, bias: Float32Array | null, s: Float64Array, t: Float64Array): [Float32Array, Float32Array] {
  const per = w.length / s.length;
  return [Float32Array.from(w, (x, i) => x * s[Math.floor(i / per)]), Float32Array.from(t, (ti, m) => (bias ? bias[m] : 0) * s[m] + ti)];
}

/** A conv step; a BatchNormalization reading its output folds in, then an activation reading that. */
function lowerConv(l: LowerCtx<ConvOperands>): void {
  const { geometry, w: w0, bias: b0 } = l.detail!;
  const node = l.node;
  let [w, bias, out] = [w0.data, b0?.data ?? null, node.outputs[0]];
  let [wName, bName] = [node.inputs[1], node.inputs[2] ?? ''];
  const notes: string[] = [];
  const bn = batchNormAfter(l, out);
  if (bn) {
    [w, bias] = foldBatchNorm(w, bias, bn.factors.scale, bn.factors.shift);
    [wName, bName] = [`${wName} (BatchNormalization '${bn.node.name}' folded)`, `${bName || node.name} bias (BatchNormalization '${bn.node.name}' folded)`];
    notes.push(`BatchNormalization '${bn.node.name}' folded into the weights`);
    l.fuse(bn.node);
    out = bn.node.outputs[0];
  }
  const next = absorbableEpilogue(l, out);
  if (next) {
    notes.push(`${describeEpilogue(next.node, next.epilogue)} fused`);
    l.fuse(next.node);
    out = next.node.outputs[0];
  }
  const f32 = (dims: readonly number[], data: Float32Array): FloatConst => ({ kind: 'const', dtype: 'float', dims, data });
  const x = l.b.ref(node.inputs[0]);
  const wRef = l.b.constant(wName, f32(w0.dims, w));
  const biasRef = bias ? l.b.constant(bName, f32([geometry.M], bias)) : null;
  const o = l.b.buffer(out, l.val(out));
  const g = geometry;
  const attrs = `k ${g.k}, stride ${g.stride}, dilation ${g.dilation}, pad ${g.padBegin}, group ${g.group}`;
  l.b.step({ op: 'conv', node: node.name, x, w: wRef, bias: biasRef, out: o, geometry, epilogue: next?.epilogue ?? null } satisfies ConvStep,
    `conv '${node.name}' (${attrs}): ${l.b.describe(x)} * ${l.b.describe(wRef)}${biasRef ? ` + ${l.b.describe(biasRef)}` : ''} -> ${l.b.describe(o)}${notes.length ? ` (${notes.join('; ')})` : ''}`);
}

/** How a conv step runs: which kernel, its tile, its SIMD flavour. */
export type ConvPlan =
  | { readonly kernel: 'direct'; readonly positions: number; readonly vectors: number; readonly tapLoop: boolean; readonly relaxedSimd: boolean }
  | { readonly kernel: 'depthwise'; readonly positions: number; readonly scratch: number; readonly relaxedSimd: boolean };

/** The plan and where its packed weights and bias lie. */
export type PlacedConv = ConvPlan & { readonly weights: number; readonly bias: number | null };

/** Kernels longer than this loop over their taps rather than unroll them all. */
const UNROLLED_TAPS = 16;

/** The register budget of a tile: TurboFan allocates 15 xmm registers on x64 (xmm15 is its scratch). */
const REGISTERS = 15;

/**
 * The tile: up to four positions, and as many channel vectors V (4, 2 or 1) as keep the tile's
 * accumulators, one tap's weight vectors and its splats (P*V + V + P) within the registers, never
 * more than the group's output channels need. Measured on the Silero shapes (bench/ops_conv.ts):
 * 4 positions x 2 vectors, 2 x 4 and 1 x 4 were within noise of the best tile each time, and
 * uneven vector counts (3, 5, 7) lost up to a third.
 */
export function planConv(g: ConvGeometry, relaxedSimd: boolean, c: Pick<PlanPass, 'buffer'>): ConvPlan {
  if (g.group > 1 && g.group === g.C && g.group === g.M) {
    return { kernel: 'depthwise', positions: 4, scratch: c.buffer([depthwiseScratchFloats(g)]), relaxedSimd };
  }
  const positions = Math.min(4, g.outLength);
  const needed = Math.ceil(g.M / g.group / 4);
  const vectors = [4, 2, 1].find((v) => positions * v + v + positions <= REGISTERS && (v <= needed || v === 1))!;
  return { kernel: 'direct', positions, vectors, tapLoop: g.k > UNROLLED_TAPS, relaxedSimd };
}

/**
 * A depthwise conv's items: its channel vectors, grouped when narrow. A vector's work per batch row
 * in floats of elementwise work: four channels' inputs moved into the scratch, and their
 * multiply-adds at about eight to a float.
 */
function depthwiseItems(step: ConvStep): number {
  const g = step.geometry;
  return blockItems(depthwiseConvItems(g), step.x.dims.slice(0, -2), 4 * (g.L + (g.outLength * g.k) / 8));
}

const conv: StepKernel<ConvStep, ConvPlan, PlacedConv> = {
  plan: (step, c) => planConv(step.geometry, !!c.options().relaxedSimd, c),
  place: (step, plan, c) => {
    const g = step.geometry;
    const w = () => c.constant(step.w) as Float32Array;
    const b = () => c.constant(step.bias!) as Float32Array;
    const [weights, packed] = plan.kernel === 'direct'
      ? [packedDirectFloats(g, plan.vectors), () => packDirectWeights(w(), g, plan.vectors)]
      : [Math.ceil(g.C / 4) * 4 * g.k, () => packDepthwiseWeights(w(), g)];
    const wAt = c.reserve(weights * 4, (image) => image.set(packed(), wAt / 4));
    const biasPacked = () => (plan.kernel === 'direct' ? packDirectBias(b(), g, plan.vectors) : packDepthwiseBias(b(), g));
    const bAt = step.bias ? c.reserve(biasPacked().length * 4, (image) => image.set(biasPacked(), bAt! / 4)) : null;
    return { ...plan, weights: wAt, bias: bAt };
  },
  emit: (c, step, p) => {
    const common = { geometry: step.geometry, weightsOffset: p.weights, biasOffset: p.bias, epilogue: step.epilogue, fused: p.relaxedSimd };
    const args = [c.addr(step.x), c.addr(step.out), c.count(step.x.dims.slice(0, -2))];
    if (p.kernel === 'depthwise') {
      emitDepthwiseConv(c.b, c.name, { ...common, positions: p.positions });
      const dw = [...args, c.bufferAddr(p.scratch)];
      return c.items ? c.b.call(depthwiseBlocksName(c.name), [...dw, ...blockRange(c, depthwiseConvItems(step.geometry), depthwiseItems(step))]) : c.b.call(c.name, dw);
    }
    emitDirectConv(c.b, c.name, { ...common, positions: p.positions, vectors: p.vectors, tapLoop: p.tapLoop });
    return c.items ? c.b.call(convBlocksName(c.name), [...args, c.items.from(), c.items.to()]) : c.b.call(c.name, args);
  },
  relaxedSimd: (p) => p.relaxedSimd,
  packs: (step) => [step.w, step.bias],
  // A direct conv's output-channel blocks; a depthwise one's channel vectors, grouped.
  items: (step, p) => (p.kernel === 'direct' ? directConvItems(step.geometry, p.vectors) : depthwiseItems(step)),
  interpret: (step, io) => {
    const g = step.geometry;
    const x = io.read(step.x);
    const y = convF64(g, x, io.read(step.w), step.bias ? io.read(step.bias) : null, x.length / (g.C * g.L));
    io.write(step.out, Array.from(y, (v) => applyEpilogue(step.epilogue, v)));
  },
};

export const convOp: OpModule = {
  summary: 'Conv (1-D, constant weights; bias, BatchNormalization and an activation fused)',
  nodes: { Conv },
  steps: { conv },
};
