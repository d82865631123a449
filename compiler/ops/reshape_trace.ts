/**
 * How the seq/batch axes trace through a Reshape whose target shape is computed from the input's own
 * sizes, as TorchScript exports `x.view(x.shape[0], 1, x.shape[1])`: Concat of Unsqueeze(Gather(
 * Shape(x), i)), Shape(x) and constants. Such an entry copies input axis i, so it keeps its role.
 * A constant target carries nothing: its sizes may be the export's example sizes, baked in.
 */
import type { GraphNode } from '../frontend/load.js';
import type { TraceCtx } from './types.js';

/** An entry of the target shape: the input axis it copies (counted from 0, or from the end if < 0), or null. */
type Entry = number | null;

/** The rank of a graph input with declared dims (the only values with a rank before inference). */
function inputRank(t: TraceCtx, name: string): number | null {
  return t.graph.inputs.find((i) => i.name === name)?.dims?.length ?? null;
}

/** The entries of `name`, a 1-D shape tensor, or null if its length cannot be told. */
function entries(t: TraceCtx, name: string, x: string): Entry[] | null {
  const ints = t.constInts(name);
  if (ints) return ints.map((v, k) => (v === 0 && t.node.attrs.int('allowzero', 0) === 0 ? k : null));
  const p = t.graph.producer.get(name);
  if (!p) return null;
  if (p.op === 'Concat') {
    const parts = p.inputs.map((i) => entries(t, i, x));
    return parts.every((e) => e !== null) ? (parts as Entry[][]).flat() : null;
  }
  if (p.op === 'Cast' || p.op === 'Identity') return entries(t, p.inputs[0], x);
  if (p.op === 'Unsqueeze' && scalarGather(t, p.inputs[0])) return gathered(t, t.graph.producer.get(p.inputs[0])!, x);
  if (p.op === 'Gather') return gathered(t, p, x);
  if (p.op === 'Shape') {
    const rank = inputRank(t, p.inputs[0]);
    const whole = (p.attrs.int('start', 0) ?? 0) === 0 && p.attrs.int('end') === null;
    if (rank === null || !whole) return null;
    return Array.from({ length: rank }, (_, i) => (p.inputs[0] === x ? i : null));
  }
  return null;
}

/** Whether `name` is a Gather of one element (a scalar index). */
function scalarGather(t: TraceCtx, name: string): boolean {
  const p = t.graph.producer.get(name);
  return p?.op === 'Gather' && t.constRank(p.inputs[1]) === 0;
}

/** Gather(Shape(y), idx): input axes idx when y is x, else entries of unknown origin. */
function gathered(t: TraceCtx, g: GraphNode, x: string): Entry[] | null {
  const idx = t.constInts(g.inputs[1]);
  const shape = t.graph.producer.get(g.inputs[0]);
  if (!idx || (g.attrs.int('axis', 0) ?? 0) !== 0) return null;
  const own = shape?.op === 'Shape' && shape.inputs[0] === x && (shape.attrs.int('start', 0) ?? 0) === 0;
  return idx.map((i) => (own ? i : null));
}

/** Reshape's trace hook: roles move from the entries that copy an input axis to that axis. */
export function traceReshape(t: TraceCtx): void {
  const [x, shape] = t.node.inputs;
  const e = entries(t, shape, x);
  const rank = t.trail.rank ?? e?.length ?? null;
  if (!e || rank !== e.length) return;
  const inRank = inputRank(t, x);
  const roles = new Map<number, 'seq' | 'batch'>();
  for (const [k, role] of t.trail.fromEnd) {
    const axis = e[k + rank];
    if (axis === null || axis === undefined) continue;
    if (axis < 0) roles.set(axis, role);
    else if (inRank !== null) roles.set(axis - inRank, role);
  }
  t.follow(x, { rank: inRank, fromEnd: roles });
}
