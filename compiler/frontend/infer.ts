/**
 * Shape inference over the whole graph, with the graph inputs' seq/batch axes known: each node's
 * rule gives its outputs' values (folded constants, broadcast fills, or run-time tensors with
 * symbolic dims) and its resolved parameters. Everything that cannot compile is collected and
 * reported in ONE UnsupportedError; malformed models throw ModelError at once.
 */
import { InternalError, ModelError, UnsupportedError, asRnncError } from '../../contract/errors.js';
import { DataType, dataTypeName } from '../onnx/proto.js';
import type { BoundInput, InputAxes } from './axes.js';
import { nodeRules, supportedSummary, unaryOps } from '../ops/index.js';
import { type Ctx, Poisoned, Unsupported } from './ctx.js';
import { type GraphNode, type GraphValue, type LoadedGraph, allNodes } from './load.js';
import { formatDims, isNum } from './symbolic.js';
import { type Val, decodeConst, elemKind } from './value.js';

/** What inference resolved: every value reached, and each lowering node's parameters. */
export interface Inference {
  /** Value of each graph input, used initializer and node output. */
  readonly values: ReadonlyMap<string, Val>;
  /** What each node's rule recorded for its lowering. */
  readonly details: ReadonlyMap<GraphNode, unknown>;
  readonly maxBatch: number;
  /** The nodes to lower, in order: the graph's, with each folded If replaced by its branch's nodes before it. */
  readonly nodes: readonly GraphNode[];
  /** The run-time conditions each node of a branch chosen at run time depends on. */
  readonly guards: ReadonlyMap<GraphNode, readonly NamedGuard[]>;
}

/** A guard by the name of the condition's value (lowering finds its buffer). */
export interface NamedGuard {
  readonly cond: string;
  readonly is: boolean;
}

/** Hints for ops people often meet in exports. */
const activations = () => `the supported elementwise functions are ${unaryOps().join(', ')}`;
/** Why an op without rules is refused, with what to use instead where there is something. */
function notSupported(op: string): string {
  const hint = Object.hasOwn(ALTERNATIVES, op) ? ALTERNATIVES[op] : null;
  return `not supported${hint ? `; ${typeof hint === 'function' ? hint() : hint}` : ''}`;
}

/**
 * Throws the UnsupportedError inference would, for the nodes (subgraphs included) whose op rnnc has
 * no rules for: a check that needs no input sizes, for a model compiled only once its sizes are known.
 */
export function checkOpsKnown(g: LoadedGraph): void {
  const issues = [...allNodes(g.nodes)].filter((n) => !nodeRules(n.op)).map((n) => `${n.label}: ${notSupported(n.op)}`);
  if (issues.length > 0) {
    throw new UnsupportedError(
      `${g.source}: ${issues.length} part(s) of the graph cannot be compiled; nothing was compiled:\n  ${issues.join('\n  ')}\n${supportedSummary()}`,
    );
  }
}

const ALTERNATIVES: Record<string, string | (() => string)> = {
  Split: 'export x[..., a:b] slices (Slice) instead of torch.split/chunk',
  Loop: 'export the recurrence as nn.LSTM/nn.GRU/nn.RNN (one ONNX node per layer), not as a Python loop over cells',
  Scan: 'export the recurrence as nn.LSTM/nn.GRU/nn.RNN (one ONNX node per layer), not as a Python loop over cells',
  Einsum: 'use MatMul with constant weights (nn.Linear)',
  LeakyRelu: activations,
  Elu: activations,
  Gelu: activations,
};

/** Infers every value of the graph; throws one UnsupportedError listing every node rnnc cannot compile. */
export function inferGraph(g: LoadedGraph, axes: InputAxes, bound: ReadonlyMap<string, BoundInput> = new Map()): Inference {
  const values = new Map<string, Val>();
  const details = new Map<GraphNode, unknown>();
  const issues: string[] = [];
  const failed = new Set<string>();
  for (const input of g.inputs) {
    const fixed = bound.get(input.name);
    if (fixed) {
      values.set(input.name, fixed.value);
      continue;
    }
    const kind = elemKind(input.elemType);
    if (input.elemType === 0) throw new ModelError(`graph input '${input.name}' declares no element type`);
    if (!kind || ![DataType.FLOAT, DataType.INT32, DataType.INT64].includes(input.elemType)) {
      issues.push(`graph input '${input.name}': type ${dataTypeName(input.elemType)}; rnnc feeds FLOAT, INT32 and INT64 inputs`);
      failed.add(input.name);
      continue;
    }
    values.set(input.name, { kind: 'run', dtype: kind, dims: axes.dims.get(input.name)! });
  }
  const used = new Set<string>(g.outputs.map((o) => o.name));
  for (const n of allNodes(g.nodes)) for (const i of [...n.inputs, ...n.implicitInputs]) if (i) used.add(i);
  const lookup = (name: string): Val => {
    const v = values.get(name);
    if (v) return v;
    const init = g.initializers.get(name);
    if (init) {
      const c = decodeConst(init, `initializer '${name}'`);
      values.set(name, c);
      return c;
    }
    if (failed.has(name)) throw new Poisoned();
    throw new InternalError(`value '${name}' was not inferred`);
  };

  // The nodes in the order they were inferred: an If whose condition folds is replaced by the nodes
  // of its branch (inferred, and listed, before it); an If chosen at run time by both branches'
  // nodes, each guarded by the condition.
  const order: GraphNode[] = [];
  const guards = new Map<GraphNode, readonly NamedGuard[]>();
  const inferNodes = (nodes: readonly GraphNode[], around: readonly NamedGuard[]): void => {
    for (const node of nodes) {
      if (around.length) guards.set(node, around);
      const ctx: Ctx = {
        node, graph: g, opset: g.opset, maxBatch: axes.maxBatch,
        input: (i) => {
          const name = node.inputs[i];
          if (!name) throw new ModelError(`${node.label}: required input ${i} is missing`);
          return lookup(name);
        },
        optional: (i) => (node.inputs[i] ? lookup(node.inputs[i]) : null),
        used: (i) => !!node.outputs[i] && used.has(node.outputs[i]),
        detail: (d) => details.set(node, d),
        inline: (sub) => {
          inferNodes(sub.nodes, around);
          return sub.outputs.map(lookup);
        },
        branch: (sub, cond, is) => {
          inferNodes(sub.nodes, [...around, { cond, is }]);
          return sub.outputs.map(lookup);
        },
      };
      inferNode(ctx, node);
      order.push(node);
    }
  };
  const inferNode = (ctx: Ctx, node: GraphNode): void => {
    const rules = nodeRules(node.op);
    try {
      if (!rules) throw new Unsupported(notSupported(node.op));
      const outs = rules.infer(ctx);
      node.outputs.forEach((name, i) => {
        if (name && outs[i]) values.set(name, outs[i]!);
        else if (name) failed.add(name);
      });
    } catch (e) {
      // Shared pieces (attributes, tensor decoding) throw UnsupportedError naming the node themselves.
      if (e instanceof Unsupported || e instanceof UnsupportedError) issues.push(`${node.label}: ${e.message.replace(`node '${node.name}': `, '')}`);
      else if (e instanceof ModelError && guards.has(node) && !e.message.endsWith(BRANCH_HINT)) {
        // Both branches of an If chosen at run time are compiled, also one these sizes never take.
        throw new ModelError(`${e.message}${BRANCH_HINT}`);
      } else if (!(e instanceof Poisoned)) throw asRnncError(node.label, e);
      for (const o of node.outputs) failed.add(o);
    }
  };
  inferNodes(g.nodes, []);
  for (const o of g.outputs) {
    if (failed.has(o.name)) continue;
    const issue = checkOutput(o, lookup(o.name));
    if (issue) issues.push(issue);
  }
  if (issues.length > 0) {
    throw new UnsupportedError(
      `${g.source}: ${issues.length} part(s) of the graph cannot be compiled; nothing was compiled:\n  ${issues.join('\n  ')}\n${supportedSummary()}`,
    );
  }
  return { values, details, maxBatch: axes.maxBatch, nodes: order, guards };
}

const BRANCH_HINT = "; this branch runs only for some values of the If's condition: bind the graph input it comes from (--bind, or the session option bind) to compile the branch that runs";

/** Checks a graph output's value against its declared type; returns an unsupported issue, if any. */
function checkOutput(o: GraphValue, v: Val): string | null {
  const what = `graph output '${o.name}'`;
  const kind = o.elemType ? elemKind(o.elemType) : null;
  if (o.elemType && kind !== v.dtype) {
    throw new ModelError(`${what} is declared ${dataTypeName(o.elemType)}, but the graph computes ${v.dtype} values`);
  }
  if (o.dims) {
    const mismatch = o.dims.length !== v.dims.length || o.dims.some((d, i) => typeof d === 'number' && isNum(v.dims[i]) && d !== v.dims[i]);
    if (mismatch) throw new ModelError(`${what} is declared [${o.dims.join(', ')}], but the graph computes ${formatDims(v.dims)}`);
  }
  if (v.kind === 'fill' && !v.dims.every(isNum)) return `${what}: a constant broadcast over ${formatDims(v.dims)}; rnnc returns computed tensors`;
  if (v.kind === 'const' && !v.data.every(isNum)) return `${what}: a shape value that depends on seq or batch; rnnc returns computed tensors`;
  return null;
}
