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
import { type GraphValue, type LoadedGraph, allNodes } from './load.js';
import { BATCH, SEQ, type SymInt } from './symbolic.js';
import { type ConstVal, constantNodeValue, decodeConst, elemKind, numbers } from './value.js';
import { dataTypeName } from '../onnx/proto.js';

export type AxisRole = 'seq' | 'batch';

/** The resolved dims of every graph input and the batch the program is compiled for. */
export interface InputAxes {
  /** Dims of each graph input fed at run time, seq and batch axes as symbols. */
  readonly dims: ReadonlyMap<string, readonly SymInt[]>;
  readonly maxBatch: number;
}

/** A graph input bound to a constant at compile time (`--bind`). */
export interface BoundInput {
  readonly name: string;
  /** ONNX elem_type of the input. */
  readonly elemType: number;
  readonly value: ConstVal;
}

/** Checks `--bind` values against the graph inputs: each names an input, integers for integer inputs. */
export function boundInputs(g: LoadedGraph, bind: Readonly<Record<string, number | readonly number[]>>): ReadonlyMap<string, BoundInput> {
  const out = new Map<string, BoundInput>();
  for (const [name, given] of Object.entries(bind)) {
    const input = g.inputs.find((i) => i.name === name);
    if (!input) throw new ModelError(`bind '${name}': the model has no graph input '${name}' (inputs: ${g.inputs.map((i) => `'${i.name}'`).join(', ')})`);
    const values = typeof given === 'number' ? [given] : [...given];
    const kind = elemKind(input.elemType);
    if (values.length === 0 || values.some((v) => !Number.isFinite(v) || (kind === 'int' && !Number.isSafeInteger(v)))) {
      throw new ModelError(`bind '${name}': ${kind === 'int' ? 'integers' : 'finite numbers'} expected for a ${dataTypeName(input.elemType)} input, got ${values.join(', ')}`);
    }
    // Declared dims are kept (their product must be the count given); undeclared, one value is a scalar.
    const declared = input.dims?.every((d) => typeof d === 'number' && d >= 0) ? input.dims as number[] : null;
    if (declared && declared.reduce((p, d) => p * d, 1) !== values.length) {
      throw new ModelError(`bind '${name}': the input has dims [${declared.join(', ')}], so ${declared.reduce((p, d) => p * d, 1)} value(s), got ${values.length}`);
    }
    const dims = declared ?? (values.length === 1 ? [] : [values.length]);
    const value: ConstVal = kind === 'int'
      ? { kind: 'const', dtype: 'int', dims: dims as number[], data: values }
      : { kind: 'const', dtype: 'float', dims: dims as number[], data: Float32Array.from(values) };
    out.set(name, { name, elemType: input.elemType, value });
  }
  return out;
}

/** Finds the seq/batch axes of the graph inputs and resolves every input's dims. */
export function resolveInputAxes(
  g: LoadedGraph, batch: number | undefined, shapes: Readonly<Record<string, readonly number[]>> = {},
  bound: ReadonlyMap<string, BoundInput> = new Map(), open?: Set<string>,
): InputAxes {
  for (const [name, dims] of Object.entries(shapes)) {
    const input = g.inputs.find((i) => i.name === name);
    if (!input) throw new ModelError(`shape of '${name}': the model has no graph input '${name}' (inputs: ${g.inputs.map((i) => `'${i.name}'`).join(', ')})`);
    if (!dims.every((d) => Number.isInteger(d) && d >= 1 && d <= 1 << 30)) {
      throw new ModelError(`shape of '${name}': dims must be positive integers, got [${dims.join(', ')}]`);
    }
    if (input.dims && input.dims.length !== dims.length) {
      throw new ModelError(`shape of '${name}': the model declares ${input.dims.length} dims [${input.dims.join(', ')}], got ${dims.length} [${dims.join(', ')}]`);
    }
    if (input.dims) {
      const clash = input.dims.findIndex((d, i) => typeof d === 'number' && d > 0 && d !== dims[i]);
      if (clash >= 0) throw new ModelError(`shape of '${name}': axis ${clash} is ${input.dims[clash]} in the model, got ${dims[clash]}`);
    }
  }
  // Input names are the model's: `__proto__` is a name like another, never a key of Object.prototype.
  const given = new Map(Object.entries(shapes));
  g = { ...g, inputs: g.inputs.filter((i) => !bound.has(i.name)).map((i) => { const d = given.get(i.name); return d ? { ...i, dims: [...d] } : i; }) };
  const roles = new Map<string, Map<number, AxisRole>>();
  const inputs = new Map(g.inputs.map((i) => [i.name, i]));
  const constOf = (name: string): ConstVal | null => {
    const init = g.initializers.get(name);
    const p = g.producer.get(name);
    return init ? decodeConst(init, `initializer '${name}'`) : p?.op === 'Constant' ? constantNodeValue(p.proto, p.label) : bound.get(name)?.value ?? null;
  };
  const constInts = (name: string): number[] | null => {
    const v = constOf(name);
    // Axes are integers: a float constant is no axis list (its op's rule reports it).
    return v && v.dtype === 'int' ? numbers(v) : null;
  };
  const constRank = (name: string): number | null => constOf(name)?.dims.length ?? null;
  const isConstant = (name: string) => g.initializers.has(name) || g.producer.get(name)?.op === 'Constant' || bound.has(name);

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
    if (hook) internalAt(p.label, () => hook({ node: p, output: name, graph: g, trail, follow, isConstant, constInts, constRank }));
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

  for (const n of allNodes(g.nodes)) {
    const roots = internalAt(n.label, () => nodeRules(n.op)?.axisRoots?.(n) ?? []);
    for (const root of roots) follow(root.input, root.trail);
  }
  while (pending.length > 0) step(pending.pop()!);
  return resolve(g, roles, batch, open);
}

/**
 * The dims of every input. A size that is neither an RNN's seq nor batch axis and not a number (or an
 * input with no declared shape) is an error; with `open`, its input is collected there instead.
 */
function resolve(g: LoadedGraph, roles: Map<string, Map<number, AxisRole>>, batch: number | undefined, open?: Set<string>): InputAxes {
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1 && batch <= 1 << 16)) {
    throw new ModelError(`--batch must be an integer in 1..65536, got ${batch}`);
  }
  let declaredBatch: number | null = null;
  const dims = new Map<string, SymInt[]>();
  for (const input of g.inputs) {
    if (!input.dims && open) {
      open.add(input.name);
      continue;
    }
    if (!input.dims) {
      throw new ModelError(`graph input '${input.name}' declares no shape; rnnc needs its rank and sizes (give them: --shape ${input.name}=1x2x3, or the session option shapes)`);
    }
    const mine = roles.get(input.name);
    dims.set(input.name, input.dims.map((d, axis) => {
      const role = mine?.get(axis);
      if (role === 'seq') return SEQ;
      if (role === 'batch') {
        if (typeof d === 'number' && declaredBatch === null && d > 0) declaredBatch = d;
        return BATCH;
      }
      if (typeof d !== 'number' && open) {
        open.add(input.name);
        return 1;
      }
      if (typeof d !== 'number') {
        throw new ModelError(
          `graph input '${input.name}': axis ${axis} is '${d}', not a number; only the sequence and batch axes of an RNN's input may vary` +
          ` (give its size: --shape ${input.name}=${input.dims!.map((x) => (typeof x === 'number' ? x : 'N')).join('x')}, or the session option shapes)`,
        );
      }
      return d;
    }));
  }
  return { dims, maxBatch: batch ?? declaredBatch ?? 1 };
}
