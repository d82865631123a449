/**
 * Which axes of the graph inputs are the run-time `seq` and `batch`. They are found by walking back
 * from the inputs whose axes an op knows (an RNN's X: [seq, batch, I], or [batch, seq, I] for layout
 * 1; initial_h/initial_c and sequence_lens: batch) to the graph inputs, through the ops that carry
 * axes along (each op's trace hook: embedding Gather, Transpose, Squeeze/Unsqueeze, Slice, Cast,
 * Identity, elementwise ops, MatMul/Gemm with constant weights, Concat). Such axes become symbols even where the export fixed them (PyTorch writes tokens [50, 2]);
 * every other input dim must be a number.
 */
import { ModelError, internalAt } from '../../contract/errors.js';
import { nodeRules } from '../ops/index.js';
import type { Trail } from '../ops/types.js';
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

/** Finds the seq/batch axes of the graph inputs and resolves every input's dims. */
export function resolveInputAxes(g: LoadedGraph, batch: number | undefined): InputAxes {
  const roles = new Map<string, Map<number, AxisRole>>();
  const inputs = new Map(g.inputs.map((i) => [i.name, i]));
  const constInts = (name: string): number[] | null => {
    const init = g.initializers.get(name);
    const p = g.producer.get(name);
    const v = init ? decodeConst(init, `initializer '${name}'`) : p?.op === 'Constant' ? constantNodeValue(p.proto, p.label) : null;
    // Axes are integers: a float constant is no axis list (its op's rule reports it).
    return v && v.dtype === 'int' ? numbers(v) : null;
  };
  const isConstant = (name: string) => g.initializers.has(name) || g.producer.get(name)?.op === 'Constant';

  // A worklist, not recursion: chains of any length, and each (value, trail) followed once, so a
  // value reached along many paths (Add(x, x) repeated) costs one visit, not one per path.
  const pending: { name: string; trail: Trail }[] = [];
  const queued = new Set<string>();
  const follow = (name: string, trail: Trail): void => {
    if (!name || trail.fromEnd.size === 0) return;
    const key = `${name}\0${trail.rank}\0${[...trail.fromEnd].sort(([a], [b]) => a - b).join(';')}`;
    if (queued.has(key)) return;
    queued.add(key);
    pending.push({ name, trail });
  };
  const step = ({ name, trail }: { name: string; trail: Trail }): void => {
    const input = inputs.get(name);
    if (input) return assign(input, trail);
    const p = g.producer.get(name);
    const hook = p && nodeRules(p.op)?.trace;
    if (hook) internalAt(p.label, () => hook({ node: p, graph: g, trail, follow, isConstant, constInts }));
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
    const roots = internalAt(n.label, () => nodeRules(n.op)?.axisRoots?.(n) ?? []);
    for (const root of roots) follow(root.input, root.trail);
  }
  while (pending.length > 0) step(pending.pop()!);
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
