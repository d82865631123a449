/**
 * Conv's shape rule: the node's attributes (kernel_shape, strides, dilations, pads, auto_pad, group)
 * checked against X [N, C, L] and W [M, C/group, k] and resolved into one ConvGeometry, which is all
 * the kernels read; and the float64 convolution that folds constants and interprets the step.
 */
import { type Ctx, materialize, modelError, unsupported } from '../frontend/ctx.js';
import { formatDims, isNum } from '../frontend/symbolic.js';
import type { FloatConst, Val } from '../frontend/value.js';
import type { ConvGeometry } from '../emit/conv_parts.js';

/** What the rule resolved: the geometry, W as [M, C/group, k] and the bias [M] (null without B). */
export interface ConvOperands {
  readonly geometry: ConvGeometry;
  readonly w: FloatConst;
  readonly bias: FloatConst | null;
}

/** A 1-element INTS attribute of a 1-D Conv (strides, dilations), positive; `dflt` when absent. */
function oneInt(c: Ctx, name: string, dflt: number): number {
  const v = c.node.attrs.ints(name);
  if (v === null) return dflt;
  if (v.length !== 1 || !(Number.isInteger(v[0]) && v[0] >= 1)) modelError(c, `attribute '${name}' must be one positive integer for a 1-D convolution, got [${v.join(', ')}]`);
  return v[0];
}

/** A constant float operand (W or B) or Unsupported when it is computed at run time. */
function constantOperand(c: Ctx, v: Val, what: string): FloatConst {
  if (v.kind === 'run') unsupported(`${what} is computed at run time; rnnc compiles a convolution with constant weights (an initializer)`);
  if (v.dtype !== 'float') modelError(c, `${what} must be float`);
  return materialize(v, what) as FloatConst;
}

/**
 * The padding at the start and the output length. SAME_UPPER / SAME_LOWER pad so that L' = ceil(L / stride),
 * the odd zero at the end / start (never negative padding); VALID pads nothing; NOTSET reads `pads`.
 */
function padding(c: Ctx, L: number, k: number, stride: number, dilation: number): { padBegin: number; outLength: number } {
  const autoPad = c.node.attrs.string('auto_pad', 'NOTSET');
  const extent = (k - 1) * dilation + 1;
  let [begin, end] = [0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const total = Math.max(0, (Math.ceil(L / stride) - 1) * stride + extent - L);
    begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    end = total - begin;
  } else if (autoPad === 'NOTSET') {
    const pads = c.node.attrs.ints('pads') ?? [0, 0];
    if (pads.length !== 2 || pads.some((p) => !(Number.isInteger(p) && p >= 0))) {
      modelError(c, `attribute 'pads' must be two non-negative integers [begin, end] for a 1-D convolution, got [${pads.join(', ')}]`);
    }
    [begin, end] = pads;
  } else if (autoPad !== 'VALID') {
    modelError(c, `attribute 'auto_pad' is '${autoPad}'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID`);
  }
  if (L + begin + end < extent) {
    modelError(c, `the kernel spans ${extent} positions (${k} taps, dilation ${dilation}) but the padded input has ${L + begin + end} (length ${L}, pads ${begin}, ${end})`);
  }
  return { padBegin: begin, outLength: Math.floor((L + begin + end - extent) / stride) + 1 };
}

/** Reads and checks a Conv node: X [N, C, L] with C and L numbers, constant W [M, C/group, k] and B [M]. */
export function readConv(c: Ctx): ConvOperands {
  const x = c.input(0);
  if (x.dtype !== 'float') modelError(c, 'X must be float');
  const rank = x.dims.length;
  if (rank > 3) unsupported(`a ${rank - 2}-D convolution (X ${formatDims(x.dims)}); rnnc compiles 1-D convolutions, X [N, C, L]`);
  if (rank < 3) modelError(c, `X has dims ${formatDims(x.dims)}; a 1-D convolution reads [N, C, L]`);
  const w = constantOperand(c, c.input(1), 'W');
  if (w.dims.length !== 3) modelError(c, `W has dims ${formatDims(w.dims)}; a 1-D convolution of X ${formatDims(x.dims)} reads W [M, C/group, k]`);
  const [C, L] = [x.dims[1], x.dims[2]];
  if (!isNum(C)) unsupported(`X has dims ${formatDims(x.dims)}; its channel axis must be a number`);
  if (!isNum(L)) unsupported(`X has dims ${formatDims(x.dims)}; its length axis must be a number (rnnc compiles a convolution for one input length)`);
  const [M, Cg, k] = w.dims;
  const group = c.node.attrs.int('group', 1);
  if (!(Number.isInteger(group) && group >= 1) || C % group !== 0 || M % group !== 0 || Cg * group !== C) {
    modelError(c, `W ${formatDims(w.dims)} and X ${formatDims(x.dims)} do not match with group ${group}: expected W [M, C/group = ${C / group}, k] with C and M multiples of group`);
  }
  const shape = c.node.attrs.ints('kernel_shape');
  if (shape && (shape.length !== 1 || shape[0] !== k)) modelError(c, `attribute 'kernel_shape' [${shape.join(', ')}] does not match W ${formatDims(w.dims)}; expected [${k}]`);
  const [stride, dilation] = [oneInt(c, 'strides', 1), oneInt(c, 'dilations', 1)];
  const { padBegin, outLength } = padding(c, L, k, stride, dilation);
  const b = c.optional(2);
  const bias = b ? constantOperand(c, b, 'B') : null;
  if (bias && (bias.dims.length !== 1 || bias.dims[0] !== M)) modelError(c, `B has dims ${formatDims(bias.dims)}; expected [${M}] (one bias per output channel)`);
  return { geometry: { C, L, M, k, stride, dilation, padBegin, group, outLength }, w, bias };
}

/** The convolution of N batch rows x [N, C, L] in float64, plus bias [M] (when given): [N, M, L']. */
export function convF64(g: ConvGeometry, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null, N: number): Float64Array {
  const [Cg, Mg] = [g.C / g.group, g.M / g.group];
  const out = new Float64Array(N * g.M * g.outLength);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < g.M; m++) {
      const c0 = Math.floor(m / Mg) * Cg;
      for (let l = 0; l < g.outLength; l++) {
        let sum = bias ? bias[m] : 0;
        for (let c = 0; c < Cg; c++) {
          for (let r = 0; r < g.k; r++) {
            const i = l * g.stride + r * g.dilation - g.padBegin;
            if (i >= 0 && i < g.L) sum += w[(m * Cg + c) * g.k + r] * x[(n * g.C + c0 + c) * g.L + i];
          }
        }
        out[(n * g.M + m) * g.outLength + l] = sum;
      }
    }
  }
  return out;
}
