/**
 * Which axes of the graph inputs are the run-time `seq` and `batch`. They are found by walking back
 * from each RNN node's X ([seq, batch, I], or [batch, seq, I] for layout 1), initial_h/initial_c
 * and sequence_lens to the graph inputs, through the ops that carry axes along (embedding Gather,
 * Transpose, Squeeze/Unsqueeze, Slice, Cast, Identity, elementwise ops, MatMul/Gemm with constant weights,
 * Concat). Such axes become symbols even where the export fixed them (PyTorch writes tokens [50, 2]);
 * every other input dim must be a number.
 */
import { ModelError } from '../../contract/errors.js';
import { cellKindOf } from '../onnx/graph.js';
import type { GraphValue, LoadedGraph } from './load.js';
import { BATCH, SEQ, type SymInt } from './symbolic.js';
import { constantNodeValue, decodeConst, numbers } from './value.js';

export type AxisRole = 'seq' | 'batch';

/** The resolved dims of every graph input and the batch the program is compiled for. */
export interface InputAxes {
  /** Dims of each graph input fed at run time, seq and batch axes as symbols. */
  readonly dims: ReadonlyMap<string, readonly SymInt[]>;
  readonly maxBatch: number;
}

/** A trace position: the value's rank when known, and its axes of interest counted from the end (-1 = last). */
interface Trail {
  readonly rank: number | null;
  readonly fromEnd: ReadonlyMap<number, AxisRole>;
}

/** Finds the seq/batch axes of the graph inputs and resolves every input's dims. */
export function resolveInputAxes(g: LoadedGraph, batch: number | undefined): InputAxes {
  const roles = new Map<string, Map<number, AxisRole>>();
  const inputs = new Map(g.inputs.map((i) => [i.name, i]));
  const constInts = (name: string): number[] | null => {
    const init = g.initializers.get(name);
    const p = g.producer.get(name);
    const v = init ? decodeConst(init, `initializer '${name}'`) : p?.op === 'Constant' ? constantNodeValue(p.proto, p.label) : null;
    return v ? numbers(v) : null;
  };
  const isConstant = (name: string) => g.initializers.has(name) || g.producer.get(name)?.op === 'Constant';

  const trace = (name: string, t: Trail): void => {
    if (!name || t.fromEnd.size === 0) return;
    const input = inputs.get(name);
    if (input) return assign(input, t);
    const p = g.producer.get(name);
    if (!p) return;
    const abs = (r: number) => new Map([...t.fromEnd].map(([k, role]) => [k + r, role] as const));
    const rel = (m: Map<number, AxisRole>, r: number): Trail => ({ rank: r, fromEnd: new Map([...m].map(([k, role]) => [k - r, role])) });
    switch (p.op) {
      case 'Identity': case 'Cast': case 'Dropout': case 'Relu': case 'Tanh': case 'Sigmoid': case 'Softmax': case 'LogSoftmax': case 'Slice':
        return trace(p.inputs[0], t);
      case 'Add': case 'Sub': case 'Mul': case 'Div': case 'Concat': {
        const live = p.inputs.filter((i) => i && !isConstant(i));
        for (const i of live) trace(i, { rank: live.length === 1 || p.op === 'Concat' ? t.rank : null, fromEnd: t.fromEnd });
        return;
      }
      case 'MatMul':
        if (!t.fromEnd.has(-1) && isConstant(p.inputs[1])) trace(p.inputs[0], t);
        return;
      case 'Gemm':
        if (t.fromEnd.get(-2) && (p.attrs.int('transA', 0) === 0)) trace(p.inputs[0], { rank: 2, fromEnd: new Map([[-2, t.fromEnd.get(-2)!]]) });
        return;
      case 'Transpose': {
        const perm = p.attrs.ints('perm') ?? (t.rank === null ? null : Array.from({ length: t.rank }, (_, i) => t.rank! - 1 - i));
        if (!perm) return;
        const r = perm.length;
        return trace(p.inputs[0], rel(new Map([...abs(r)].map(([k, role]) => [perm[k], role])), r));
      }
      case 'Gather': {
        const table = g.initializers.get(p.inputs[0]);
        if (!table || t.rank === null || p.attrs.int('axis', 0) !== 0) return;
        const ir = t.rank - (table.dims?.length ?? 0) + 1;
        return trace(p.inputs[1], rel(new Map([...abs(t.rank)].filter(([k]) => k < ir)), ir));
      }
      case 'Unsqueeze': case 'Squeeze': {
        const axes = g.opset >= 13 ? (p.inputs[1] ? constInts(p.inputs[1]) : null) : p.attrs.ints('axes');
        if (!axes || t.rank === null) return;
        const inRank = p.op === 'Unsqueeze' ? t.rank - axes.length : t.rank + axes.length;
        const wide = p.op === 'Unsqueeze' ? t.rank : inRank;
        const set = new Set(axes.map((a) => (a < 0 ? a + wide : a)));
        const kept = Array.from({ length: wide }, (_, i) => i).filter((i) => !set.has(i));
        const m = new Map<number, AxisRole>();
        for (const [k, role] of abs(t.rank)) {
          if (p.op === 'Unsqueeze' && !set.has(k)) m.set(kept.indexOf(k), role);
          if (p.op === 'Squeeze') m.set(kept[k], role);
        }
        return trace(p.inputs[0], rel(m, inRank));
      }
      default:
        return;
    }
  };

  const assign = (input: GraphValue, t: Trail) => {
    const rank = input.dims?.length ?? t.rank;
    if (rank === null) return;
    const mine = roles.get(input.name) ?? new Map<number, AxisRole>();
    for (const [k, role] of t.fromEnd) {
      const axis = k + rank;
      if (axis < 0) continue;
      const had = mine.get(axis);
      const clash = [...mine].find(([a, r]) => r === role && a !== axis);
      if ((had && had !== role) || clash) {
        throw new ModelError(
          `graph input '${input.name}': axis ${axis} reaches an RNN as its ${role} axis, but axis ${clash ? clash[0] : axis} is already its ${had ?? role} axis`,
        );
      }
      mine.set(axis, role);
    }
    roles.set(input.name, mine);
  };

  for (const n of g.nodes) {
    if (!cellKindOf(n.proto)) continue;
    const batchFirst = n.attrs.int('layout', 0) === 1;
    const seqAxis = batchFirst ? 1 : 0;
    const batchAxis = 1 - seqAxis;
    trace(n.inputs[0], { rank: 3, fromEnd: new Map<number, AxisRole>([[seqAxis - 3, 'seq'], [batchAxis - 3, 'batch']]) });
    for (const i of [5, 6]) trace(n.inputs[i] ?? '', { rank: 3, fromEnd: new Map([[batchAxis - 3, 'batch' as const]]) });
    trace(n.inputs[4] ?? '', { rank: 1, fromEnd: new Map([[-1, 'batch' as const]]) });
  }
  return resolve(g, roles, batch);
}

function resolve(g: LoadedGraph, roles: Map<string, Map<number, AxisRole>>, batch: number | undefined): InputAxes {
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1 && batch <= 1 << 16)) {
    throw new ModelError(`--batch must be an integer in 1..65536, got ${batch}`);
  }
  let declaredBatch: number | null = null;
  const dims = new Map<string, SymInt[]>();
  for (const input of g.inputs) {
    if (!input.dims) throw new ModelError(`graph input '${input.name}' declares no shape; rnnc needs its rank and sizes`);
    const mine = roles.get(input.name);
    dims.set(input.name, input.dims.map((d, axis) => {
      const role = mine?.get(axis);
      if (role === 'seq') return SEQ;
      if (role === 'batch') {
        if (typeof d === 'number' && declaredBatch === null && d > 0) declaredBatch = d;
        return BATCH;
      }
      if (typeof d !== 'number') {
        throw new ModelError(
          `graph input '${input.name}': axis ${axis} is '${d}', not a number; only the sequence and batch axes of an RNN's input may vary`,
        );
      }
      return d;
    }));
  }
  return { dims, maxBatch: batch ?? declaredBatch ?? 1 };
}
