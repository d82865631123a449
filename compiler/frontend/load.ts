/**
 * Reads a whole ONNX graph: nodes (in dependency order, with the ones no graph output needs dropped),
 * initializers, graph inputs and outputs with their declared types. Malformed structure (names
 * nothing produces, two producers of one name, cycles) is a ModelError naming the node or tensor.
 */
import { ModelError, UnsupportedError } from '../../contract/errors.js';
import { declaredType, decodeModel, defaultOpset, nodeLabel, opLabel } from '../onnx/graph.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../onnx/proto.js';
import { Attrs } from './attrs.js';

/** One node of the graph. */
export interface GraphNode {
  /** Position in the file's node list. */
  readonly index: number;
  /** `Gemm`, or `<domain>.<op>` outside the default domain. */
  readonly op: string;
  /** node.name, or `<op>_<index>` when unnamed (the name steps carry). */
  readonly name: string;
  /** `Gemm (node '/fc/Gemm')`: how messages name the node. */
  readonly label: string;
  /** Input value names; '' for an absent optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attrs;
  readonly proto: NodeProto;
}

/** A graph input or output with its declared type. */
export interface GraphValue {
  readonly name: string;
  /** ONNX elem_type (0 when not declared). */
  readonly elemType: number;
  /** Declared dims: a number, a dim_param name, or '?'; null when the shape is not declared. */
  readonly dims: readonly (number | string)[] | null;
}

/** A decoded graph. */
export interface LoadedGraph {
  /** Names the model in messages. */
  readonly source: string;
  /** Opset of the default domain. */
  readonly opset: number;
  /** The nodes some graph output depends on, producers before consumers. */
  readonly nodes: readonly GraphNode[];
  /** Nodes dropped because no graph output depends on them. */
  readonly unused: number;
  readonly initializers: ReadonlyMap<string, TensorProto>;
  /** Graph inputs fed at run time (an input with an initializer of the same name is a constant). */
  readonly inputs: readonly GraphValue[];
  readonly outputs: readonly GraphValue[];
  /** The node producing each node output. */
  readonly producer: ReadonlyMap<string, GraphNode>;
}

/** Decodes and checks a serialized ModelProto; `source` names it in errors. */
export function loadGraph(bytes: Uint8Array, source: string): LoadedGraph {
  const { model, graph } = decodeModel(bytes, source);
  const opset = defaultOpset(model, source);
  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', t);
  const sparse = new Set((graph.sparseInitializer ?? []).map((s) => s.values?.name ?? ''));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => graphValue(v, 'graph input', source));
  const outputs = (graph.output ?? []).map((v) => graphValue(v, 'graph output', source));
  if (outputs.length === 0) throw new ModelError(`${source}: the graph has no outputs`);

  const all = (graph.node ?? []).map((proto, index): GraphNode => {
    const op = opLabel(proto);
    const label = `${op} (${nodeLabel(proto, index)})`;
    return {
      index, op, name: proto.name || `${op}_${index}`, label,
      inputs: proto.input ?? [], outputs: proto.output ?? [], attrs: new Attrs(proto, label), proto,
    };
  });
  const known = new Set<string>([...initializers.keys(), ...inputs.map((i) => i.name)]);
  const producer = new Map<string, GraphNode>();
  for (const n of all) {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o) || known.has(o)) {
        throw new ModelError(`${source}: value '${o}' is produced by ${n.label} and also by ${producer.get(o)?.label ?? 'the graph inputs or initializers'}`);
      }
      producer.set(o, n);
    }
  }
  for (const n of all) {
    for (const i of n.inputs) {
      if (!i || known.has(i) || producer.has(i)) continue;
      if (sparse.has(i)) throw new UnsupportedError(`${n.label}: sparse initializer '${i}' is not supported; store it dense`);
      throw new ModelError(`${n.label}: input '${i}' is no graph input, initializer or node output`);
    }
  }
  for (const o of outputs) {
    if (!known.has(o.name) && !producer.has(o.name)) throw new ModelError(`${source}: graph output '${o.name}' is produced by no node`);
  }
  const nodes = sortLive(all, outputs.map((o) => o.name), producer, source);
  return { source, opset, nodes, unused: all.length - nodes.length, initializers, inputs, outputs, producer };
}

function graphValue(v: ValueInfoProto, what: string, source: string): GraphValue {
  const name = v.name ?? '';
  if (!name) throw new ModelError(`${source}: a ${what} has no name`);
  const t = declaredType(v);
  return { name, elemType: t?.elemType ?? 0, dims: t?.dims ?? null };
}

/**
 * The nodes the outputs depend on, in dependency order; a cycle is a ModelError. The depth-first
 * walk keeps its own stack: a chain of many thousand nodes is an ordinary graph, not a stack overflow.
 */
function sortLive(all: readonly GraphNode[], roots: string[], producer: Map<string, GraphNode>, source: string): GraphNode[] {
  const order: GraphNode[] = [];
  const state = new Map<GraphNode, 'open' | 'done'>();
  // The open path: each node with the position of the next input to visit.
  const path: { node: GraphNode; next: number }[] = [];
  const enter = (n: GraphNode) => {
    const s = state.get(n);
    if (s === 'done') return;
    if (s === 'open') {
      const cycle = path.slice(path.findIndex((p) => p.node === n)).map((p) => p.node.label);
      throw new ModelError(`${source}: the graph has a cycle: ${[...cycle, n.label].join(' -> ')}`);
    }
    state.set(n, 'open');
    path.push({ node: n, next: 0 });
  };
  for (const r of roots) {
    const root = producer.get(r);
    if (root) enter(root);
    while (path.length > 0) {
      const top = path[path.length - 1];
      if (top.next < top.node.inputs.length) {
        const i = top.node.inputs[top.next++];
        const p = i ? producer.get(i) : undefined;
        if (p) enter(p);
        continue;
      }
      path.pop();
      state.set(top.node, 'done');
      order.push(top.node);
    }
  }
  // Prefer the file's order (exporters write nodes sorted) when it is itself a dependency order.
  const live = new Set(order);
  const inFile = all.filter((n) => live.has(n));
  const seen = new Set<GraphNode>();
  const sorted = inFile.every((n) => {
    seen.add(n);
    return n.inputs.every((i) => !i || !producer.has(i) || seen.has(producer.get(i)!));
  });
  return sorted ? inFile : order;
}
