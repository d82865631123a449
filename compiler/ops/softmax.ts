/** Softmax and LogSoftmax over the last axis (of fixed size): folded on constants, a SIMD kernel at run time. */
import { materialize, modelError, normAxis, unsupported } from '../frontend/ctx.js';
import type { BufRef, Step } from '../frontend/program.js';
import { formatDims, formatSym, isNum, toDim } from '../frontend/symbolic.js';
import type { FloatConst } from '../frontend/value.js';
import { emitSoftmax } from '../emit/softmax.js';
import { InternalError } from '../../contract/errors.js';
import { callRows, splitItems } from './split.js';
import type { NodeRules, OpModule, StepKernel } from './types.js';
import { traceThrough } from './views.js';

export interface SoftmaxStep extends Step {
  readonly op: 'softmax';
  readonly log: boolean;
  readonly x: BufRef;
  readonly out: BufRef;
}

/** Softmax (or LogSoftmax) of one row, in float64. */
function softmaxRow(xs: readonly number[], log: boolean): number[] {
  const m = xs.reduce((a, t) => Math.max(a, t), -Infinity);
  const sum = xs.reduce((s, t) => s + Math.exp(t - m), 0);
  return xs.map((t) => (log ? t - m - Math.log(sum) : Math.exp(t - m) / sum));
}

function rules(log: boolean): NodeRules<{ readonly log: boolean }> {
  return {
    infer: (c) => {
      const x = c.input(0);
      const r = x.dims.length;
      const axis = normAxis(c, c.node.attrs.int('axis', c.opset >= 13 ? -1 : 1), r);
      if (axis !== r - 1) {
        unsupported(c.opset >= 13
          ? `${c.node.op} over axis ${axis} of ${formatDims(x.dims)}; only the last axis is supported (Transpose the axis last first)`
          : `${c.node.op} (opset ${c.opset}) over the flattened axes ${axis}..${r - 1} of ${formatDims(x.dims)}; only the last axis is supported`);
      }
      if (x.dtype !== 'float') modelError(c, 'input must be float');
      if (x.kind !== 'run') {
        const v = materialize(x, 'the input') as FloatConst;
        const n = v.dims[r - 1] ?? 1;
        const data = new Float32Array(v.data.length);
        for (let row = 0; row < v.data.length; row += n) data.set(softmaxRow(Array.from(v.data.subarray(row, row + n)), log), row);
        return [{ ...v, data }];
      }
      const last = x.dims[r - 1];
      if (toDim(last) === null) unsupported(`${c.node.op} over a merged axis ${formatSym(last)}`);
      if (!isNum(last)) unsupported(`the last axis must have a fixed size, not ${formatSym(last)}`);
      c.detail({ log });
      return [x];
    },
    trace: traceThrough,
    lower: (l) => {
      const x = l.b.ref(l.node.inputs[0]);
      const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
      l.b.step({ op: 'softmax', node: l.node.name, log, x, out } satisfies SoftmaxStep,
        `${log ? 'log' : ''}softmax '${l.node.name}' (last axis): ${l.b.describe(x)} -> ${l.b.describe(out)}`);
    },
  };
}

/** The length of the axis softmax normalizes over (fixed: the rule refuses a run-time one). */
const lastDim = (step: SoftmaxStep) => {
  const N = step.x.dims[step.x.dims.length - 1];
  return typeof N === 'number' ? N : 1;
};

const softmax: StepKernel<SoftmaxStep> = {
  emit: (c, step) => {
    const N = step.x.dims[step.x.dims.length - 1];
    if (typeof N !== 'number') throw new InternalError(`Softmax node '${step.node}' over an axis of run-time size reached the emitter`);
    emitSoftmax(c.b, c.name, { N, log: step.log });
    return callRows(c, c.addr(step.x), c.addr(step.out), step.x.dims.slice(0, -1), N, N);
  },
  // Ranges of rows (a row is the axis softmax normalizes over).
  items: (step) => splitItems(step.x.dims.slice(0, -1), lastDim(step)),
  interpret: (step, io) => {
    const x = io.read(step.x);
    const n = io.dim(step.x.dims[step.x.dims.length - 1]);
    const out = new Float64Array(x.length);
    for (let r = 0; r < x.length; r += n) out.set(softmaxRow(Array.from(x.subarray(r, r + n)), step.log), r);
    io.write(step.out, out);
  },
};

export const softmaxOp: OpModule = {
  summary: 'Softmax and LogSoftmax (last axis)',
  nodes: { Softmax: rules(false), LogSoftmax: rules(true) },
  steps: { softmax },
};
