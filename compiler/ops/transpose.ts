/**
 * Transpose: folded on constants; an identity is a view; a batch-first [batch, seq, I] -> [seq,
 * batch, I] feeding only an RNN's X is folded into how the RNN reads X; else a copy in the permuted
 * order (rank <= 4, compile-time perm).
 */
import { InternalError } from '../../contract/errors.js';
import { modelError, plainDims, unsupported } from '../frontend/ctx.js';
import { transposeConst } from '../frontend/fold.js';
import type { BufRef, Dim, Step } from '../frontend/program.js';
import { formatDims } from '../frontend/symbolic.js';
import { emitTranspose } from '../emit/copy.js';
import { lowerView } from './views.js';
import type { NodeRules, OpModule, StepKernel } from './types.js';

/** out = x with axes permuted: out axis j is x axis perm[j]. */
export interface TransposeStep extends Step {
  readonly op: 'transpose';
  readonly perm: readonly number[];
  readonly x: BufRef;
  readonly out: BufRef;
}

interface Detail {
  readonly perm: readonly number[];
}

const Transpose: NodeRules<Detail> = {
  infer: (c) => {
    const x = c.input(0);
    const r = x.dims.length;
    const perm = c.node.attrs.ints('perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
    if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
      modelError(c, `perm [${perm.join(', ')}] is not a permutation of the ${r} axes of ${formatDims(x.dims)}`);
    }
    if (x.kind === 'const') return [transposeConst(x, perm)];
    const dims = perm.map((p) => x.dims[p]);
    if (x.kind === 'run') {
      plainDims(x, 'the input');
      if (r > 4 && perm.some((p, i) => p !== i)) unsupported(`rank ${r} is not supported (at most 4)`);
      c.detail({ perm });
    }
    return [{ ...x, dims }];
  },
  trace: (t) => {
    const perm = t.node.attrs.ints('perm') ?? (t.trail.rank === null ? null : Array.from({ length: t.trail.rank }, (_, i) => t.trail.rank! - 1 - i));
    if (!perm) return;
    const r = perm.length;
    const roles = new Map<number, 'seq' | 'batch'>();
    for (const [k, role] of t.trail.fromEnd) roles.set(perm[k + r] - r, role);
    t.follow(t.node.inputs[0], { rank: r, fromEnd: roles });
  },
  lower: (l) => {
    const d = l.detail!;
    if (d.perm.every((p, i) => p === i)) return lowerView(l);
    const [in0, out0] = [l.node.inputs[0], l.node.outputs[0]];
    const x = l.b.ref(in0);
    const readers = l.consumers(out0);
    const reader = readers.length === 1 ? readers[0] : null;
    const at = reader ? reader.inputs.indexOf(out0) : -1;
    if (reader && !l.isGraphOutput(out0) && reader.inputs.lastIndexOf(out0) === at &&
        l.rulesOf(reader)?.absorbsTranspose?.(reader, l.detailOf(reader), at, d.perm)) {
      l.foldTranspose(out0, x, l.node);
      return;
    }
    const out = l.b.buffer(out0, l.val(out0));
    l.b.step({ op: 'transpose', node: l.node.name, perm: d.perm, x, out } satisfies TransposeStep,
      `transpose '${l.node.name}' [${d.perm.join(', ')}]: ${l.b.describe(x)} -> ${l.b.describe(out)}`);
  },
};

const transpose: StepKernel<TransposeStep> = {
  emit: (c, step) => {
    if (step.perm.length > 4) throw new InternalError(`Transpose node '${step.node}' of rank ${step.perm.length} reached the emitter`);
    emitTranspose(c.b, c.name, { perm: step.perm });
    const d = [...Array(4 - step.x.dims.length).fill(1), ...step.x.dims] as Dim[];
    return c.b.call(c.name, [c.addr(step.x), c.addr(step.out), ...d.map((x) => c.count([x]))]);
  },
  interpret: (step, io) => io.write(step.out, permute(io.read(step.x), step.x.dims.map(io.dim), step.perm)),
  moves: (step) => ({ out: step.out, from: [step.x] }),
};

/** Row-major transpose of data with dims `ds` by `perm` (float64). */
export function permute(data: ArrayLike<number>, ds: readonly number[], perm: readonly number[]): Float64Array {
  const outDims = perm.map((p) => ds[p]);
  const strides = ds.map((_, i) => ds.slice(i + 1).reduce((p, d) => p * d, 1));
  const out = new Float64Array(data.length);
  const idx = new Array<number>(outDims.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    out[flat] = data[idx.reduce((acc, v, a) => acc + v * strides[perm[a]], 0)];
    for (let a = outDims.length - 1; a >= 0 && ++idx[a] === outDims[a]; a--) idx[a] = 0;
  }
  return out;
}

export const transposeOp: OpModule = {
  summary: 'Transpose',
  nodes: { Transpose },
  steps: { transpose },
};
