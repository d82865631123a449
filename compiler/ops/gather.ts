/**
 * Gather: rows of a constant float table at run-time indices (an embedding: a row copy per index),
 * one constant index of a run-time tensor (a slice), or folded on constants.
 */
import { modelError, normAxis, plainDims, unsupported } from '../frontend/ctx.js';
import { gatherConst, withDims } from '../frontend/fold.js';
import type { BufRef, ConstRef, Step } from '../frontend/program.js';
import { type SymInt, formatSym, isNum, product } from '../frontend/symbolic.js';
import { type FloatConst, numbers } from '../frontend/value.js';
import { emitGather } from '../emit/gather.js';
import { FROM_END_HINT, lowerSlice, type SliceAxis, type SliceDetail } from './slice.js';
import type { NodeRules, OpModule, StepKernel, TraceCtx } from './types.js';

/** Row lookup in an embedding table: out[..., :] = table[indices[...], :]. */
export interface GatherStep extends Step {
  readonly op: 'gather';
  /** [V, E]. */
  readonly table: ConstRef;
  /** int32, any shape. */
  readonly indices: BufRef;
  /** indices.dims ++ [E]. */
  readonly out: BufRef;
}

/** Rows of a constant table, seen as [V, E]; or one constant index of a run-time tensor. */
type Detail = { readonly kind: 'embedding'; readonly table: FloatConst } | ({ readonly kind: 'slice' } & SliceDetail);

const Gather: NodeRules<Detail> = {
  infer: (c) => {
    const data = c.input(0);
    const idx = c.input(1);
    if (idx.dtype !== 'int') modelError(c, 'indices must be integers');
    const axis = normAxis(c, c.node.attrs.int('axis', 0), data.dims.length);
    const around = (mid: readonly SymInt[]) => [...data.dims.slice(0, axis), ...mid, ...data.dims.slice(axis + 1)];
    if (idx.kind === 'run') {
      if (data.kind !== 'const' || data.dtype !== 'float') {
        unsupported('Gather with run-time indices from a run-time or integer tensor; only constant float tables (embeddings) are supported');
      }
      if (axis !== 0) unsupported(`Gather of a constant table along axis ${axis}; only axis 0 (embedding rows) is supported`);
      const rest = data.dims.slice(1);
      c.detail({ kind: 'embedding', table: withDims(data, [data.dims[0], product(rest) as number]) as FloatConst });
      return [{ kind: 'run', dtype: 'float', dims: [...idx.dims, ...rest] }];
    }
    const ids = (idx.kind === 'const' ? numbers(idx) : null) ?? unsupported('indices that vary at run time or depend on seq/batch');
    const d = data.dims[axis];
    const norm = ids.map((k) => {
      if (!isNum(d)) return k;
      if (k < -d || k >= d) modelError(c, `index ${k} is out of range for axis ${axis} of size ${d}`);
      return k < 0 ? k + d : k;
    });
    const idxDims = idx.dims as number[];
    if (data.kind === 'const') return [gatherConst(data, axis, norm, idxDims)];
    if (data.kind === 'fill') return [{ ...data, dims: around(idxDims) }];
    if (idxDims.length !== 0) unsupported('Gather of a run-time tensor with an array of indices; only a constant scalar index is supported');
    const k = norm[0];
    if (!isNum(d) && k !== 0) {
      unsupported(`index ${k} of an axis of run-time size ${formatSym(d)}; only index 0 is supported there${k < 0 ? FROM_END_HINT : ''}`);
    }
    plainDims(data, 'the input');
    const axes = data.dims.map((dd, i): SliceAxis => (i === axis ? { start: k, step: 1, count: 1, whole: dd === 1 } : { start: 0, step: 1, count: dd, whole: true }));
    c.detail({ kind: 'slice', axes, squeeze: axis });
    return [{ ...data, dims: around([]) }];
  },
  trace: (t) => {
    const p = t.node;
    const table = t.graph.initializers.get(p.inputs[0]);
    const rank = t.trail.rank;
    if (!table && t.isConstant(p.inputs[1]) && rank !== null) return traceSlice(t, rank);
    if (!table || rank === null || p.attrs.int('axis', 0) !== 0) return;
    const ir = rank - (table.dims?.length ?? 0) + 1;
    const roles = new Map<number, 'seq' | 'batch'>();
    for (const [k, role] of t.trail.fromEnd) if (k + rank < ir) roles.set(k + rank - ir, role);
    t.follow(p.inputs[1], { rank: ir, fromEnd: roles });
  },
  lower: (l) => {
    const d = l.detail!;
    if (d.kind === 'slice') return lowerSlice(l, d);
    const indices = l.b.ref(l.node.inputs[1]);
    const table = l.b.constant(l.node.inputs[0], d.table);
    const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]), [...indices.dims, d.table.dims[1]]);
    l.b.step({ op: 'gather', node: l.node.name, table, indices, out } satisfies GatherStep,
      `gather '${l.node.name}': rows of ${l.b.describe(table)} at ${l.b.describe(indices)} -> ${l.b.describe(out)}`);
  },
};

const gather: StepKernel<GatherStep> = {
  emit: (c, step) => {
    const [V, E] = step.table.dims;
    emitGather(c.b, c.name, { rows: V, width: E });
    return c.b.call(c.name, [c.addr(step.table), c.addr(step.indices), c.addr(step.out), c.count(step.indices.dims)]);
  },
  interpret: (step, io) => {
    const [, E] = step.table.dims;
    const t = io.read(step.table), idx = io.read(step.indices);
    io.write(step.out, Array.from(idx).flatMap((k) => Array.from(t.subarray(k * E, k * E + E))));
  },
  checks: (step) => [{ buffer: step.indices.buffer, bound: step.table.dims[0], what: `indices of Gather node '${step.node}'` }],
};

/** One constant index of a run-time tensor: the axes around the gathered one keep their roles. */
function traceSlice(t: TraceCtx, rank: number): void {
  const p = t.node;
  const idx = t.constInts(p.inputs[1]);
  const idxRank = t.constRank(p.inputs[1]);
  if (!idx || idx.length !== 1 || idxRank === null || idxRank > 1) return;
  const dataRank = rank + 1 - idxRank;
  const a = p.attrs.int('axis', 0);
  const axis = a < 0 ? a + dataRank : a;
  const roles = new Map<number, 'seq' | 'batch'>();
  for (const [k, role] of t.trail.fromEnd) {
    const out = k + rank;
    if (idxRank === 1 && out === axis) continue;
    const at = out < axis ? out : out + 1 - idxRank;
    roles.set(at - dataRank, role);
  }
  t.follow(p.inputs[0], { rank: dataRank, fromEnd: roles });
}

export const gatherOp: OpModule = {
  summary: 'Gather (embedding tables, constant indices)',
  nodes: { Gather },
  steps: { gather },
};
