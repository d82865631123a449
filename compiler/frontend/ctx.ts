/**
 * What an op's shape rule sees of its node (inputs as inferred values, attributes, opset) and what
 * it leaves for lowering: the resolved parameters of the node (its op's detail), so that lowering
 * only reads decisions and never re-checks the model. Helpers the rules share.
 */
import { ModelError } from '../../contract/errors.js';
import type { LoadedGraph, GraphNode, SubGraph } from './load.js';
import { type SymInt, formatDims, isNum, toDim } from './symbolic.js';
import { expandConst, withDims } from './fold.js';
import type { ConstVal, Val } from './value.js';

/** A node rnnc does not compile; the message omits the node (the driver prefixes its label). */
export class Unsupported extends Error {}

/** An input whose producer was itself unsupported: the node is skipped without a second message. */
export class Poisoned extends Error {}

/** The view of one node that shape rules get; D is what the node's op records for its lowering. */
export interface Ctx<D = unknown> {
  readonly node: GraphNode;
  readonly graph: LoadedGraph;
  readonly opset: number;
  readonly maxBatch: number;
  /** Input i; a missing required input is a ModelError. */
  input(i: number): Val;
  /** Input i, or null when the node leaves it out. */
  optional(i: number): Val | null;
  /** Whether output i is read by some node or is a graph output. */
  used(i: number): boolean;
  /** Records the node's resolved parameters for its lowering (which then only reads decisions). */
  detail(d: D): void;
  /** Infers a subgraph's nodes here, as if they stood in the graph before this node; returns its outputs' values. */
  inline(sub: SubGraph): Val[];
  /**
   * Like `inline`, for a branch chosen at run time: its nodes run only when the value `cond` (an
   * int scalar computed at run time) is nonzero (`is` true) or zero.
   */
  branch(sub: SubGraph, cond: string, is: boolean): Val[];
}

/** Throws Unsupported with `msg`. */
export function unsupported(msg: string): never {
  throw new Unsupported(msg);
}

/** Throws a ModelError naming the node. */
export function modelError(c: Ctx, msg: string): never {
  throw new ModelError(`${c.node.label}: ${msg}`);
}

/**
 * Input i as a constant of integers (axes, steps): Unsupported when computed at run time, a
 * ModelError when the tensor is not of an integer type (ONNX declares these int64).
 */
export function constInts(c: Ctx, i: number, what: string): number[] {
  const v = c.input(i);
  if (v.kind === 'const' && v.dtype !== 'int') modelError(c, `${what} must be an integer tensor, got float values [${Array.from(v.data.slice(0, 4)).join(', ')}${v.data.length > 4 ? ', ...' : ''}]`);
  return constNumbers(c, i, what);
}

/** Input i as a constant of numbers, integer or float (Range's start, limit and delta); Unsupported when computed at run time. */
export function constNumbers(c: Ctx, i: number, what: string): number[] {
  const v = c.input(i);
  if (v.kind !== 'const') unsupported(`${what} is computed at run time; rnnc needs it constant after folding`);
  const out: number[] = [];
  for (const x of v.data) {
    if (!isNum(x)) unsupported(`${what} depends on the sequence length or batch (${formatDims(v.data as SymInt[])})`);
    out.push(x);
  }
  return out;
}

/** Input i as a constant of symbolic ints (a shape vector); Unsupported when computed at run time. */
export function constSyms(c: Ctx, i: number, what: string): SymInt[] {
  const v = c.input(i);
  if (v.kind !== 'const' || v.dtype !== 'int') {
    unsupported(`${what} is ${v.kind === 'const' ? 'not integer' : 'computed at run time'}; rnnc needs constant integers after folding`);
  }
  return [...v.data];
}

/** Normalizes a possibly negative axis into 0..rank-1; ModelError when out of range. */
export function normAxis(c: Ctx, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis)) modelError(c, `${what} ${axis} is not an integer`);
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) modelError(c, `${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Numeric dims of a value, or Unsupported naming what needs them. */
export function numericDims(v: Val, what: string): number[] {
  if (!v.dims.every(isNum)) unsupported(`${what} has dims ${formatDims(v.dims)}; rnnc needs them fixed here`);
  return v.dims as number[];
}

/** Checks that a run-time value has no merged symbolic dim (e.g. seq*batch from a Reshape) where axes matter. */
export function plainDims(v: Val, what: string): void {
  if (v.kind === 'run' && v.dims.some((d) => toDim(d) === null)) {
    unsupported(`${what} has dims ${formatDims(v.dims)}; a merged dim such as seq*batch is supported only by elementwise ops, MatMul and Gemm`);
  }
}

/** Same data, other dims (views). Constants keep their data; their dims must be numbers. */
export function reshaped(c: Ctx, v: Val, dims: readonly SymInt[]): Val {
  if (v.kind === 'const') {
    if (!dims.every(isNum)) modelError(c, `a constant cannot take dims ${formatDims(dims)}`);
    return withDims(v, dims as number[]);
  }
  return { ...v, dims: [...dims] };
}

/** A fill with numeric dims as a real constant (small fills only appear in practice). */
export function materialize(v: Val, what: string): Val {
  if (v.kind !== 'fill') return v;
  const dims = numericDims(v, what);
  const scalar: ConstVal = v.dtype === 'float'
    ? { kind: 'const', dtype: 'float', dims: [], data: Float32Array.of(v.value) }
    : { kind: 'const', dtype: 'int', dims: [], data: [v.value] };
  return expandConst(scalar, dims);
}
