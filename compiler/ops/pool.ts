/**
 * MaxPool and AveragePool of 1-D inputs [N, C, L]: kernel_shape, strides, pads, auto_pad, ceil_mode,
 * dilations, count_include_pad. Resolved once into a PoolPlan (every window known at compile time),
 * folded on constants, at run time one kernel over the N*C rows (emit/pool.ts); N and C may be seq
 * or batch, L has a fixed size. 2-D and 3-D pools are refused.
 */
import { type Ctx, materialize, modelError, unsupported } from '../frontend/ctx.js';
import { toDims } from '../frontend/builder.js';
import type { BufRef, Dim, Step } from '../frontend/program.js';
import { formatDims, formatSym, isNum } from '../frontend/symbolic.js';
import type { FloatConst } from '../frontend/value.js';
import { emitPool, poolRowF64, type PoolPlan } from '../emit/pool.js';
import { callRows, splitItems } from './split.js';
import type { NodeRules, OpModule, StepKernel } from './types.js';
import { traceThrough } from './views.js';

/** out[r] = the pool of row x[r], for the N*C rows. */
export interface PoolStep extends Step {
  readonly op: 'pool';
  readonly plan: PoolPlan;
  /** N and C. */
  readonly rows: readonly Dim[];
  readonly x: BufRef;
  readonly out: BufRef;
}

/** One attribute of one entry per spatial axis (1-D: one), with its default. */
function one(c: Ctx, name: string, dflt: number): number {
  const v = c.node.attrs.ints(name);
  if (v === null) return dflt;
  if (v.length !== 1) modelError(c, `${name} [${v.join(', ')}] has ${v.length} entries; a 1-D pool takes 1`);
  return v[0];
}

/** The pads [begin, end] and the output length, by auto_pad (SAME_* and VALID ignore `pads`). */
function placeWindows(c: Ctx, L: number, kernel: number, stride: number, dilation: number): { padBegin: number; padEnd: number; Lo: number } {
  const extent = (kernel - 1) * dilation + 1;
  const autoPad = c.node.attrs.string('auto_pad', 'NOTSET');
  const ceil = c.node.attrs.int('ceil_mode', 0) !== 0;
  // Where the spec and onnxruntime disagree on the deprecated auto_pad, rnnc refuses rather than pick.
  if (autoPad.startsWith('SAME') && dilation !== 1) unsupported(`auto_pad ${autoPad} with dilation ${dilation} (onnxruntime sizes it otherwise than the spec); give explicit pads`);
  if (autoPad === 'VALID' && ceil) unsupported('auto_pad VALID with ceil_mode (onnxruntime sizes it otherwise than the spec); give explicit pads');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const Lo = Math.ceil(L / stride);
    const total = Math.max(0, (Lo - 1) * stride + extent - L);
    const small = Math.floor(total / 2);
    return autoPad === 'SAME_UPPER' ? { padBegin: small, padEnd: total - small, Lo } : { padBegin: total - small, padEnd: small, Lo };
  }
  if (autoPad === 'VALID') {
    if (L < extent) modelError(c, `the window spans ${extent} elements, more than the ${L} of the input`);
    return { padBegin: 0, padEnd: 0, Lo: Math.floor((L - extent) / stride) + 1 };
  }
  if (autoPad !== 'NOTSET') modelError(c, `auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  const pads = c.node.attrs.ints('pads') ?? [0, 0];
  if (pads.length !== 2) modelError(c, `pads [${pads.join(', ')}] has ${pads.length} entries; a 1-D pool takes 2`);
  const [padBegin, padEnd] = pads;
  if (padBegin < 0 || padEnd < 0 || padBegin >= kernel || padEnd >= kernel) {
    modelError(c, `pads [${padBegin}, ${padEnd}] must be at least 0 and smaller than the kernel (${kernel})`);
  }
  const span = L + padBegin + padEnd - extent;
  if (span < 0) modelError(c, `the window spans ${extent} elements, more than the ${L + padBegin + padEnd} of the padded input`);
  let Lo = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // With ceil_mode a last window starting in the end pad is dropped (onnxruntime and PyTorch do so).
  if (ceil && (Lo - 1) * stride >= L + padBegin) Lo--;
  return { padBegin, padEnd, Lo };
}

function rules(kind: 'max' | 'average'): NodeRules<PoolPlan> {
  return {
    infer: (c) => {
      const x = c.input(0);
      const rank = x.dims.length;
      if (rank > 3) unsupported(`a ${rank - 2}-D pool of ${formatDims(x.dims)}; rnnc pools 1-D inputs [N, C, L]`);
      if (rank < 3) modelError(c, `input ${formatDims(x.dims)} has rank ${rank}; [N, C, L] was expected`);
      if (kind === 'max' && c.used(1)) unsupported('its Indices output is used; rnnc computes the pooled values only');
      const L = x.dims[2];
      if (!isNum(L)) unsupported(`pooling axis 2 of ${formatDims(x.dims)}, whose size ${formatSym(L)} varies at run time; rnnc pools axes of fixed size`);
      const kernel = c.node.attrs.ints('kernel_shape') ?? modelError(c, "attribute 'kernel_shape' is missing");
      if (kernel.length !== 1) modelError(c, `kernel_shape [${kernel.join(', ')}] has ${kernel.length} entries; a 1-D pool takes 1`);
      const stride = one(c, 'strides', 1), dilation = one(c, 'dilations', 1);
      if (kernel[0] < 1 || stride < 1 || dilation < 1) modelError(c, `kernel ${kernel[0]}, stride ${stride} and dilation ${dilation} must be at least 1`);
      if (kind === 'average' && dilation !== 1) unsupported(`AveragePool with dilation ${dilation}; rnnc dilates MaxPool windows only`);
      const plan: PoolPlan = {
        kind, L, kernel: kernel[0], stride, dilation, ...placeWindows(c, L, kernel[0], stride, dilation),
        countPad: kind === 'average' && c.node.attrs.int('count_include_pad', 0) !== 0,
      };
      const dims = [x.dims[0], x.dims[1], plan.Lo];
      if (x.kind !== 'run') {
        const v = materialize(x, 'the input') as FloatConst;
        if (v.dtype !== 'float') unsupported(`${c.node.op} of integers; rnnc pools float tensors`);
        const rows = v.data.length / L;
        const data = new Float32Array(rows * plan.Lo);
        for (let r = 0; r < rows; r++) data.set(poolRowF64(plan, v.data.subarray(r * L, (r + 1) * L)), r * plan.Lo);
        return [{ kind: 'const', dtype: 'float', dims: dims as number[], data }, null];
      }
      if (x.dtype !== 'float') unsupported(`${c.node.op} of an integer tensor at run time; rnnc pools float tensors`);
      c.detail(plan);
      return [{ ...x, dims }, null];
    },
    // A seq or batch axis reaching the pooled axis is refused by the shape rule, naming it.
    trace: traceThrough,
    lower: (l) => {
      const plan = l.detail!;
      const x = l.b.ref(l.node.inputs[0]);
      const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
      const v = l.val(l.node.inputs[0]);
      l.b.step({ op: 'pool', node: l.node.name, plan, rows: toDims(v.dims.slice(0, 2)), x, out } satisfies PoolStep,
        `pool '${l.node.name}' (${plan.kind} ${plan.kernel}/${plan.stride}${plan.dilation > 1 ? ` dilation ${plan.dilation}` : ''}, pads ${plan.padBegin} ${plan.padEnd}): ${l.b.describe(x)} -> ${l.b.describe(out)}`);
    },
  };
}

const pool: StepKernel<PoolStep> = {
  emit: (c, step) => {
    emitPool(c.b, c.name, step.plan);
    return callRows(c, c.addr(step.x), c.addr(step.out), step.rows, step.plan.L, step.plan.Lo);
  },
  items: (step) => splitItems(step.rows, step.plan.L),
  interpret: (step, io) => {
    const x = io.read(step.x);
    const { L } = step.plan;
    const out: number[] = [];
    for (let r = 0; r < x.length / L; r++) out.push(...poolRowF64(step.plan, x.subarray(r * L, (r + 1) * L)));
    io.write(step.out, out);
  },
};

export const poolOp: OpModule = {
  summary: 'MaxPool and AveragePool (1-D)',
  nodes: { MaxPool: rules('max'), AveragePool: rules('average') },
  steps: { pool },
};
