/**
 * ONNX import: a model holding one LSTM, GRU or RNN node (plus Constant nodes) becomes an RnnModel,
 * the descriptor with the split of operator inputs into run-time feeds and baked-in constants.
 * Everything is validated here, at the border; the planner and emitters trust the result.
 */
import { type CellKind, describeCell, gateCount, numDirections } from '../cells/descriptor.js';
import type { NamedTensor } from '../io/tensor_data.js';
import {
  type ConstantTensor, type DType, type FeedSpec, INPUT_ROLES, type InputRole, OUTPUT_ROLES, type OutputSpec,
  type RnnModel,
} from '../frontend/rnn_model.js';
import { ModelError, UnsupportedError } from '../../contract/errors.js';
import { readRnnAttributes } from './attributes.js';
import { type DeclaredType, constantOutputs, declaredType, decodeModel, defaultOpset, findRnnNode } from './graph.js';
import { DataType, type GraphProto, type NodeProto, dataTypeName } from './proto.js';
import { type NodeSizes, checkDims, expectedDims } from './shapes.js';
import { decodeTensor } from './tensor.js';

/** Options of `importRnnModel`. */
export interface ImportOptions {
  /**
   * Largest batch to compile for when the model leaves batch symbolic (default 1). When the model
   * fixes the batch, this must equal it.
   */
  batch?: number;
  /** Names the model (usually its path) in error messages; default 'model'. */
  source?: string;
}

/** One operator input and what the graph binds it to. */
interface Binding {
  readonly role: InputRole;
  /** The graph tensor name. */
  readonly name: string;
  /** Names the tensor in messages, e.g. `graph input 'W' (input W of node 'lstm')`. */
  readonly what: string;
  /** The value, when an initializer or Constant output. */
  readonly constant: NamedTensor | null;
  /** The declared type, when a graph input fed at run time. */
  readonly declared: DeclaredType | null;
}

const dtypeOfRole = (role: InputRole): DType => (role === 'sequence_lens' ? 'int32' : 'float32');

/**
 * Imports a serialized ONNX ModelProto whose graph is one LSTM, GRU or RNN node (Constant nodes may
 * produce its inputs). Throws ModelError for bytes that are not a valid model or an inconsistent
 * node, UnsupportedError for ops, opsets, attributes or types rnnc does not compile.
 */
export function importRnnModel(bytes: Uint8Array, options: ImportOptions = {}): RnnModel {
  const source = options.source ?? 'model';
  const { model, graph } = decodeModel(bytes, source);
  const opset = defaultOpset(model, source);
  const { node, cell, nodeName } = findRnnNode(graph, source);
  const where = `node '${nodeName}'`;
  const attrs = readRnnAttributes(node, cell, opset, where);
  const bound = bindInputs(graph, node, cell, where);

  const dimsOf = (role: InputRole) => bound.get(role)?.constant?.dims ?? bound.get(role)?.declared?.dims ?? null;
  const dimAt = (role: InputRole, i: number): number | null => {
    const v = dimsOf(role)?.[i];
    return typeof v === 'number' ? v : null;
  };
  const gates = gateCount(cell);
  const w1 = dimAt('W', 1);
  const hidden = attrs.hiddenSize ?? dimAt('R', 2) ?? (w1 !== null && w1 % gates === 0 ? w1 / gates : null);
  if (hidden === null) {
    throw new ModelError(`${where}: hidden_size is not given and the dims of W and R do not tell it`);
  }
  const input = dimAt('W', 2) ?? dimAt('X', 2);
  if (input === null) {
    throw new ModelError(`${where}: the input size is unknown: neither W nor X gives its last dim as a number`);
  }
  const batchAt = attrs.layout === 1 ? 0 : 1;
  const batchSources: [InputRole, number][] = [['X', batchAt], ['initial_h', batchAt], ['initial_c', batchAt], ['sequence_lens', 0]];
  const fixedBy = batchSources.find(([role, i]) => dimAt(role, i) !== null);
  const fixedBatch = fixedBy ? dimAt(...fixedBy) : null;
  if (fixedBy && options.batch !== undefined && options.batch !== fixedBatch) {
    throw new ModelError(
      `${where}: batch ${options.batch} was requested, but ${bound.get(fixedBy[0])!.what} fixes the batch to ${fixedBatch}`,
    );
  }
  const sizes: NodeSizes = {
    directions: numDirections(attrs.direction),
    gates,
    hidden,
    input,
    batch: fixedBatch,
    seq: dimAt('X', attrs.layout === 1 ? 1 : 0),
    layout: attrs.layout,
  };
  for (const b of bound.values()) {
    const dims = b.constant?.dims ?? b.declared?.dims;
    if (dims) checkDims(b.what, expectedDims(b.role, sizes), dims);
  }
  const lens = bound.get('sequence_lens')?.constant;
  if (lens) checkSequenceLens(lens.data, sizes.seq, bound.get('sequence_lens')!.what);
  const outputs = bindOutputs(graph, node, cell, sizes, source, where);

  const descriptor = describeCell(
    {
      cell,
      inputSize: input,
      hiddenSize: hidden,
      maxBatch: fixedBatch ?? options.batch ?? 1,
      direction: attrs.direction,
      layout: attrs.layout,
      activations: attrs.activations,
      clip: attrs.clip,
      linearBeforeReset: attrs.linearBeforeReset,
      inputForget: attrs.inputForget,
      hasPeepholes: bound.has('P'),
      hasSequenceLens: bound.has('sequence_lens'),
      hasInitialH: bound.has('initial_h'),
      hasInitialC: bound.has('initial_c'),
    },
    where,
  );

  const constants: Partial<Record<InputRole, ConstantTensor>> = {};
  for (const b of bound.values()) {
    if (b.constant) constants[b.role] = Object.freeze({ dims: b.constant.dims, data: b.constant.data });
  }
  return Object.freeze({
    nodeName,
    opset,
    descriptor,
    feeds: Object.freeze(feedsInGraphOrder(graph, bound, sizes, where)),
    constants: Object.freeze(constants),
    outputs: Object.freeze(outputs),
  });
}

/** Binds each present operator input to an initializer, a Constant output or a graph input. */
function bindInputs(graph: GraphProto, node: NodeProto, cell: CellKind, where: string): Map<InputRole, Binding> {
  const names = node.input ?? [];
  const max = cell === 'lstm' ? 8 : 6;
  if (names.length > max) throw new ModelError(`${where}: has ${names.length} inputs; ${node.opType} takes at most ${max}`);
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const sparse = new Set((graph.sparseInitializer ?? []).map((s) => s.values?.name ?? ''));
  const constants = constantOutputs(graph);
  const graphInputs = new Map((graph.input ?? []).map((v) => [v.name ?? '', v]));
  const bound = new Map<InputRole, Binding>();
  names.forEach((name, i) => {
    const role = INPUT_ROLES[i];
    if (!name) return;
    const of = `input ${role} of ${where}`;
    const want = dtypeOfRole(role);
    let binding: Binding;
    const init = initializers.get(name);
    const constant = constants.get(name);
    const graphInput = graphInputs.get(name);
    if (init || constant) {
      const what = init ? `initializer '${name}' (${of})` : `Constant output '${name}' (${of})`;
      const value = init ? decodeTensor(init, what) : constant!();
      if (value.dtype !== want) throw new UnsupportedError(`${what} holds ${value.dtype} values; rnnc expects ${want}`);
      binding = { role, name, what, constant: value, declared: null };
    } else if (graphInput) {
      const what = `graph input '${name}' (${of})`;
      const declared = declaredType(graphInput);
      if (!declared) throw new ModelError(`${what} has no tensor type`);
      const wantType = want === 'int32' ? DataType.INT32 : DataType.FLOAT;
      if (declared.elemType !== 0 && declared.elemType !== wantType) {
        throw new UnsupportedError(`${what} has element type ${dataTypeName(declared.elemType)}; rnnc expects ${dataTypeName(wantType)} (${want})`);
      }
      binding = { role, name, what, constant: null, declared };
    } else if (sparse.has(name)) {
      throw new UnsupportedError(`sparse initializer '${name}' (${of}) is not supported; store it dense`);
    } else {
      throw new ModelError(`${of} is '${name}', which is no graph input, initializer or Constant output`);
    }
    bound.set(role, binding);
  });
  for (const role of ['X', 'W', 'R'] as const) {
    if (!bound.has(role)) throw new ModelError(`${where}: required input ${role} is missing`);
  }
  if (bound.get('X')!.constant) {
    throw new UnsupportedError(`${bound.get('X')!.what} is a constant; rnnc needs X fed at run time`);
  }
  return bound;
}

/** The graph inputs bound to operator inputs, in graph-input order. */
function feedsInGraphOrder(graph: GraphProto, bound: Map<InputRole, Binding>, sizes: NodeSizes, where: string): FeedSpec[] {
  const feeds: FeedSpec[] = [];
  for (const v of graph.input ?? []) {
    const uses = [...bound.values()].filter((b) => b.declared && b.name === v.name);
    if (uses.length > 1) {
      throw new UnsupportedError(
        `graph input '${v.name}' feeds inputs ${uses.map((b) => b.role).join(' and ')} of ${where}; rnnc needs a separate graph input for each`,
      );
    }
    const b = uses[0];
    if (!b) continue;
    const dims = b.declared!.dims ?? expectedDims(b.role, sizes).map(() => '?');
    feeds.push(Object.freeze({ name: b.name, role: b.role, dtype: dtypeOfRole(b.role), dims: Object.freeze(dims) }));
  }
  return feeds;
}

/** The graph outputs, each of which must be one of the node's outputs Y, Y_h, Y_c. */
function bindOutputs(graph: GraphProto, node: NodeProto, cell: CellKind, sizes: NodeSizes, source: string, where: string): OutputSpec[] {
  const names = node.output ?? [];
  const max = cell === 'lstm' ? 3 : 2;
  if (names.length > max) throw new ModelError(`${where}: has ${names.length} outputs; ${node.opType} has at most ${max}`);
  const roleOf = new Map(names.map((n, i) => [n, OUTPUT_ROLES[i]] as const).filter(([n]) => n !== ''));
  const outputs: OutputSpec[] = [];
  for (const v of graph.output ?? []) {
    const name = v.name ?? '';
    const role = roleOf.get(name);
    if (!role) {
      throw new UnsupportedError(`${source}: graph output '${name}' is not an output of ${where}; rnnc returns only the node's Y, Y_h and Y_c`);
    }
    const what = `graph output '${name}' (output ${role} of ${where})`;
    const declared = declaredType(v);
    if (declared && declared.elemType !== 0 && declared.elemType !== DataType.FLOAT) {
      throw new ModelError(`${what} is declared ${dataTypeName(declared.elemType)}; the node produces FLOAT`);
    }
    if (declared?.dims) checkDims(what, expectedDims(role, sizes), declared.dims);
    outputs.push(Object.freeze({ name, role }));
  }
  if (outputs.length === 0) throw new ModelError(`${where}: none of the node's outputs is a graph output`);
  return outputs;
}

function checkSequenceLens(lens: Float32Array | Int32Array, seq: number | null, what: string): void {
  const bad = Array.from(lens).findIndex((v) => v < 0 || (seq !== null && v > seq));
  if (bad >= 0) {
    throw new ModelError(`${what}: value ${lens[bad]} at index ${bad} is outside 0..${seq ?? 'seq_length'}`);
  }
}
