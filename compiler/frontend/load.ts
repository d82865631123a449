/**
 * Reads a whole ONNX graph: nodes (in dependency order, with the ones no graph output needs dropped),
 * initializers, graph inputs and outputs with their declared types, and the subgraphs of `If` nodes
 * (their branches, which may read values of the graphs around them). Malformed structure (names
 * nothing produces, two producers of one name, cycles) is a ModelError naming the node or tensor.
 *
 * Every value name is unique in the loaded graph: a branch that defines a name its sibling or an
 * outer graph also defines gets it renamed (`name#2`), so that the passes keep one value per name
 * even after both branches of an If were lowered.
 */
import { ModelError, UnsupportedError } from '../../contract/errors.js';
import { declaredType, decodeModel, defaultOpset, opLabel } from '../onnx/graph.js';
import { AttributeType, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../onnx/proto.js';
import { Attrs } from './attrs.js';

/** One node of the graph or of a subgraph. */
export interface GraphNode {
  /** Unique over the whole model (the file's order, subgraphs numbered after their node). */
  readonly index: number;
  /** `Gemm`, or `<domain>.<op>` outside the default domain. */
  readonly op: string;
  /** node.name, or `<op>_<index>` when unnamed; unique over the model (the name steps carry). */
  readonly name: string;
  /** `Gemm (node '/fc/Gemm')`, with the branches leading to it: how messages name the node. */
  readonly label: string;
  /** Input value names; '' for an absent optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attrs;
  readonly proto: NodeProto;
  /** The node's subgraphs by attribute name (an If's `then_branch` and `else_branch`). */
  readonly subgraphs: Readonly<Record<string, SubGraph>>;
  /** Values of enclosing graphs its subgraphs read (inputs in all but name: the order of nodes respects them). */
  readonly implicitInputs: readonly string[];
}

/** A graph held by a node attribute. */
export interface SubGraph {
  /** `then_branch of If (node 'If_0')`: how messages name it. */
  readonly label: string;
  /** Its nodes some output depends on, producers before consumers. */
  readonly nodes: readonly GraphNode[];
  /** Its output value names, in order. */
  readonly outputs: readonly string[];
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
  /** The nodes some graph output depends on, producers before consumers (subgraph nodes are not listed). */
  readonly nodes: readonly GraphNode[];
  /** Nodes dropped because no graph output depends on them. */
  readonly unused: number;
  /** The initializers of the graph and of every subgraph. */
  readonly initializers: ReadonlyMap<string, TensorProto>;
  /** Graph inputs fed at run time (an input with an initializer of the same name is a constant). */
  readonly inputs: readonly GraphValue[];
  readonly outputs: readonly GraphValue[];
  /** The node producing each node output, subgraphs included. */
  readonly producer: ReadonlyMap<string, GraphNode>;
}

/**
 * The graph last read from each bytes object, with a copy of the bytes it was read from. A session
 * compiling a model reads it three times (what it declares, its open inputs, the compile): for
 * Silero VAD each read costs about 90 ms. Passes only read a LoadedGraph, so one serves them all;
 * bytes changed in place since are read again.
 */
const read = new WeakMap<Uint8Array, { readonly copy: Uint8Array; readonly source: string; readonly graph: LoadedGraph }>();

/** Decodes and checks a serialized ModelProto; `source` names it in errors. */
export function loadGraph(bytes: Uint8Array, source: string): LoadedGraph {
  const seen = read.get(bytes);
  if (seen && seen.source === source && sameBytes(seen.copy, bytes)) return seen.graph;
  const graph = decodeGraph(bytes, source);
  // A copy, not bytes.slice(): a Buffer's slice is a view of the same memory.
  read.set(bytes, { copy: new Uint8Array(bytes), source, graph });
  return graph;
}

/** Byte equality, four bytes at a time where both are aligned (models are megabytes). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const n = a.length >> 2, wa = new Int32Array(a.buffer, a.byteOffset, n), wb = new Int32Array(b.buffer, b.byteOffset, n);
    for (; i < n; i++) if (wa[i] !== wb[i]) return false;
    i = n << 2;
  }
  for (; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function decodeGraph(bytes: Uint8Array, source: string): LoadedGraph {
  const { model, graph } = decodeModel(bytes, source);
  const opset = defaultOpset(model, source);
  const l = new Loader(source);
  const inputs = (graph.input ?? []).filter((v) => !(graph.initializer ?? []).some((t) => t.name === v.name))
    .map((v) => graphValue(v, 'graph input', source));
  const outputs = (graph.output ?? []).map((v) => graphValue(v, 'graph output', source));
  if (outputs.length === 0) throw new ModelError(`${source}: the graph has no outputs`);
  const top = l.graph(graph, inputs.map((i) => i.name), new Map(), '', null);
  for (const o of outputs) {
    if (!top.scope.has(o.name)) throw new ModelError(`${source}: graph output '${o.name}' is produced by no node`);
  }
  const nodes = sortLive(top.nodes, outputs.map((o) => o.name), l.producer, source);
  return { source, opset, nodes, unused: l.count(top.nodes) - l.count(nodes), initializers: l.initializers, inputs, outputs, producer: l.producer };
}

/** Names defined in one graph, renamed where they clash with a name defined elsewhere. */
type Names = Map<string, string>;

/** Reads graphs and subgraphs, giving every node a unique index and name and every value a unique name. */
class Loader {
  readonly initializers = new Map<string, TensorProto>();
  readonly producer = new Map<string, GraphNode>();
  private readonly defined = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private next = 0;

  constructor(private readonly source: string) {}

  /**
   * One graph: its initializers, inputs (a subgraph of an If has none) and nodes. `outer` resolves
   * names of the enclosing graphs; `where` is appended to node labels (` in then_branch of ...`).
   */
  graph(g: GraphProto, inputs: readonly string[], outer: Names, where: string, owner: string | null): { nodes: GraphNode[]; scope: Names } {
    const scope: Names = new Map(outer);
    const local = new Map<string, string>();
    const define = (name: string, what: () => string): string => {
      const before = local.get(name);
      if (before !== undefined) throw new ModelError(`${this.source}: value '${name}' is ${what()} and also ${before}${where}`);
      local.set(name, what());
      let unique = name;
      for (let k = 2; this.defined.has(unique); k++) unique = `${name}#${k}`;
      this.defined.add(unique);
      scope.set(name, unique);
      return unique;
    };
    for (const t of g.initializer ?? []) this.initializers.set(define(t.name ?? '', () => 'an initializer'), t);
    for (const name of inputs) define(name, () => 'a graph input');
    const sparse = new Set((g.sparseInitializer ?? []).map((s) => s.values?.name ?? ''));
    if ((g.input ?? []).length > 0 && owner) {
      throw new UnsupportedError(`${owner}: its subgraph '${g.name ?? ''}' declares inputs; rnnc reads If branches, which take none`);
    }

    const protos = g.node ?? [];
    const made: GraphNode[] = [];
    const names = protos.map((proto) => {
      const index = this.next++;
      const op = opLabel(proto);
      let name = proto.name || `${op}_${index}`;
      for (let k = 2; this.nodeNames.has(name); k++) name = `${proto.name || `${op}_${index}`}#${k}`;
      this.nodeNames.add(name);
      return { index, op, name, label: `${op} (${proto.name ? `node '${proto.name}'` : `node #${index}`}${where})` };
    });
    // Outputs first: a node may be listed before the producer of its inputs (a sort follows).
    const outs = protos.map((p, i) => (p.output ?? []).map((o) => (o ? define(o, () => `produced by ${names[i].label}`) : '')));
    protos.forEach((proto, i) => {
      const { index, op, name, label } = names[i];
      const inputsOf = (proto.input ?? []).map((v) => {
        if (!v) return '';
        const r = scope.get(v);
        if (r !== undefined) return r;
        if (sparse.has(v)) throw new UnsupportedError(`${label}: sparse initializer '${v}' is not supported; store it dense`);
        throw new ModelError(`${label}: input '${v}' is no graph input, initializer or node output`);
      });
      const subgraphs: Record<string, SubGraph> = {};
      for (const a of proto.attribute ?? []) {
        if (a.type === AttributeType.GRAPHS || (a.graphs ?? []).length > 0) {
          throw new UnsupportedError(`${label}: attribute '${a.name}' holds a list of graphs; rnnc reads the subgraphs of If only`);
        }
        if (!a.g) continue;
        const sub = `${a.name} of ${op} '${name}'`;
        const body = this.graph(a.g, [], scope, ` in ${sub}${where}`, label);
        const outputs = (a.g.output ?? []).map((v) => {
          const r = body.scope.get(v.name ?? '');
          if (r === undefined) throw new ModelError(`${this.source}: output '${v.name}' of ${sub} is produced by no node`);
          return r;
        });
        subgraphs[a.name ?? ''] = { label: sub, nodes: sortLive(body.nodes, outputs, this.producer, this.source), outputs };
      }
      const node: GraphNode = {
        index, op, name, label, inputs: inputsOf, outputs: outs[i], attrs: new Attrs(proto, label), proto, subgraphs,
        implicitInputs: implicit(subgraphs, scope),
      };
      for (const o of node.outputs) if (o) this.producer.set(o, node);
      made.push(node);
    });
    return { nodes: made, scope };
  }

  /** Nodes of a list and of their subgraphs. */
  count(nodes: readonly GraphNode[]): number {
    return nodes.reduce((n, x) => n + 1 + Object.values(x.subgraphs).reduce((m, s) => m + this.count(s.nodes), 0), 0);
  }
}

/** The values of the graphs around a node that its subgraphs read (at any depth). */
function implicit(subgraphs: Readonly<Record<string, SubGraph>>, outer: Names): string[] {
  // Most nodes hold no subgraph: the set of the outer values below is as large as the graph so far,
  // and building it for every node made loading quadratic in the node count.
  if (Object.keys(subgraphs).length === 0) return [];
  const mine = new Set<string>();
  const read = new Set<string>();
  const walk = (nodes: readonly GraphNode[]) => {
    for (const n of nodes) {
      for (const o of n.outputs) mine.add(o);
      for (const i of [...n.inputs, ...n.implicitInputs]) if (i) read.add(i);
    }
  };
  for (const s of Object.values(subgraphs)) walk(s.nodes);
  const outerValues = new Set(outer.values());
  return [...read].filter((v) => !mine.has(v) && outerValues.has(v));
}

/** The nodes of a list and of their subgraphs, at any depth (each node before its subgraphs' nodes). */
export function* allNodes(nodes: readonly GraphNode[]): Generator<GraphNode> {
  for (const n of nodes) {
    yield n;
    for (const s of Object.values(n.subgraphs)) yield* allNodes(s.nodes);
  }
}

function graphValue(v: ValueInfoProto, what: string, source: string): GraphValue {
  const name = v.name ?? '';
  if (!name) throw new ModelError(`${source}: a ${what} has no name`);
  const t = declaredType(v);
  return { name, elemType: t?.elemType ?? 0, dims: t?.dims ?? null };
}

/**
 * The nodes of one graph the roots depend on, in dependency order (a node's implicit inputs count);
 * a cycle is a ModelError. Iterative: a chain of any length sorts without deep recursion.
 */
function sortLive(all: readonly GraphNode[], roots: readonly string[], producer: ReadonlyMap<string, GraphNode>, source: string): GraphNode[] {
  const mine = new Set(all);
  const deps = (n: GraphNode) => [...n.inputs, ...n.implicitInputs].map((i) => (i ? producer.get(i) : undefined))
    .filter((p): p is GraphNode => !!p && mine.has(p));
  const order: GraphNode[] = [];
  const state = new Map<GraphNode, 'open' | 'done'>();
  for (const r of roots) {
    const root = producer.get(r);
    if (!root || !mine.has(root) || state.has(root)) continue;
    const stack: { node: GraphNode; next: GraphNode[] }[] = [{ node: root, next: deps(root) }];
    state.set(root, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const d = top.next.pop();
      if (!d) {
        state.set(top.node, 'done');
        order.push(top.node);
        stack.pop();
        continue;
      }
      const s = state.get(d);
      if (s === 'done') continue;
      if (s === 'open') {
        const path = stack.map((f) => f.node);
        const cycle = path.slice(path.indexOf(d)).map((p) => p.label);
        throw new ModelError(`${source}: the graph has a cycle: ${[...cycle, d.label].join(' -> ')}`);
      }
      state.set(d, 'open');
      stack.push({ node: d, next: deps(d) });
    }
  }
  // Prefer the file's order (exporters write nodes sorted) when it is itself a dependency order.
  const live = new Set(order);
  const inFile = all.filter((n) => live.has(n));
  const seen = new Set<GraphNode>();
  const sorted = inFile.every((n) => {
    seen.add(n);
    return deps(n).every((p) => seen.has(p));
  });
  return sorted ? inFile : order;
}

/** The graph inputs the values `names` are computed from (through producers, subgraph reads included), in graph order. */
export function inputsFeeding(g: LoadedGraph, names: readonly string[]): GraphValue[] {
  const inputs = new Set(g.inputs.map((i) => i.name));
  const found = new Set<string>();
  const seen = new Set<string>();
  const pending = [...names];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (!name || seen.has(name)) continue;
    seen.add(name);
    if (inputs.has(name)) found.add(name);
    const p = g.producer.get(name);
    if (p) pending.push(...p.inputs, ...p.implicitInputs);
  }
  return g.inputs.filter((i) => found.has(i.name));
}
