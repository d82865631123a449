/**
 * Lowering: the inferred graph becomes a program. Nodes whose outputs are all constants were folded;
 * every other node is lowered by its op's module (ops/): to a step, to a view of a buffer, or into
 * a neighbour (an Add fused into a GEMM, a Transpose folded into the RNN reading it). Graph outputs
 * that alias an input or another output get a copy. Lowering reads inference's decisions and never
 * re-checks the model.
 */
import { InternalError, internalAt } from '../../contract/errors.js';
import { dataTypeName } from '../onnx/proto.js';
import { nodeRules } from '../ops/index.js';
import { copyStep } from '../ops/copy.js';
import type { LowerCtx } from '../ops/types.js';
import { ProgramBuilder, fmtDims } from './builder.js';
import type { BoundInput } from './axes.js';
import type { Inference } from './infer.js';
import type { GraphNode, LoadedGraph } from './load.js';
import type { BufRef, Operand, Program, ProgramIO } from './program.js';
import { factors } from './symbolic.js';
import { type Val, decodeConst } from './value.js';

/** The lowered program and its summary (one line per step or view, then what was folded). */
export interface Lowered {
  readonly program: Program;
  readonly summary: string[];
}

/** Lowers an inferred graph into a program. */
export function lowerGraph(g: LoadedGraph, inf: Inference, bound: ReadonlyMap<string, BoundInput> = new Map()): Lowered {
  const b = new ProgramBuilder();
  const val = (name: string): Val => inf.values.get(name) ?? decodeConst(g.initializers.get(name)!, `initializer '${name}'`);
  const isRun = (name: string) => !!name && inf.values.get(name)?.kind === 'run';
  const outputNames = new Set(g.outputs.map((o) => o.name));
  const consumers = new Map<string, GraphNode[]>();
  for (const n of inf.nodes) {
    if (!n.outputs.some(isRun)) continue;
    // An If reads its branches' outputs (and, through them, values of the graph around it).
    const reads = [...n.inputs, ...n.implicitInputs, ...Object.values(n.subgraphs).flatMap((s) => s.outputs)];
    for (const i of new Set(reads)) {
      if (!i) continue;
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }
  const fused = new Set<GraphNode>();
  const transposed = new Map<string, { x: BufRef; by: GraphNode }>();
  const ctx = (node: GraphNode): LowerCtx => ({
    node, detail: inf.details.get(node), b, val,
    consumers: (name) => consumers.get(name) ?? [],
    detailOf: (n) => inf.details.get(n),
    rulesOf: (n) => nodeRules(n.op),
    isGraphOutput: (name) => outputNames.has(name),
    needed: (name) => !!name && ((consumers.get(name)?.length ?? 0) > 0 || outputNames.has(name)),
    fuse: (n) => fused.add(n),
    foldTranspose: (name, x, by) => transposed.set(name, { x, by }),
    foldedTranspose: (name) => transposed.get(name),
  });

  const inputs = lowerInputs(g, b, val, bound);
  const folded: GraphNode[] = [];
  for (const node of inf.nodes) {
    if (fused.has(node)) continue;
    if (!node.outputs.some(isRun)) {
      folded.push(node);
      continue;
    }
    const lower = nodeRules(node.op)?.lower;
    if (!lower) throw new InternalError(`${node.label} has run-time outputs but its op has no lowering`);
    b.guards = (inf.guards.get(node) ?? []).map((g) => ({ buffer: b.ref(g.cond).buffer, is: g.is }));
    internalAt(node.label, () => lower(ctx(node)));
    b.guards = [];
  }
  const outputs = lowerOutputs(g, b, val, inputs);
  return {
    program: {
      maxBatch: inf.maxBatch, inputs, outputs, buffers: b.buffers, constants: b.constants, steps: b.steps,
      ...(bound.size ? {
        bound: [...bound.values()].map((x) => ({
          name: x.name, dtype: x.value.dtype === 'int' ? 'int32' as const : 'float32' as const, dims: [...x.value.dims], value: Array.from(x.value.data as ArrayLike<number>),
        })),
      } : {}),
    },
    summary: summarize(g, inf, b, folded),
  };
}

/** A buffer per graph input. */
function lowerInputs(g: LoadedGraph, b: ProgramBuilder, val: (name: string) => Val, bound: ReadonlyMap<string, BoundInput>): ProgramIO[] {
  return g.inputs.filter((input) => !bound.has(input.name)).map((input) => {
    const v = val(input.name);
    const ref = b.buffer(input.name, v);
    b.lines.push(`input '${input.name}': b${ref.buffer} ${v.dtype === 'int' ? 'int32' : 'float32'}${fmtDims(ref.dims)} (${dataTypeName(input.elemType)} in the model)`);
    return { name: input.name, dtype: v.dtype === 'int' ? 'int32' : 'float32', dims: ref.dims, buffer: ref.buffer, onnxType: dataTypeName(input.elemType) };
  });
}

/** The graph outputs; one that is a constant, an input or another output's buffer gets a copy. */
function lowerOutputs(g: LoadedGraph, b: ProgramBuilder, val: (name: string) => Val, inputs: readonly ProgramIO[]): ProgramIO[] {
  const taken = new Set(inputs.map((i) => i.buffer));
  return g.outputs.map((o) => {
    const v = val(o.name);
    let ref = v.kind === 'run' ? b.ref(o.name) : null;
    if (!ref || taken.has(ref.buffer)) {
      const x: Operand = ref ?? b.constant(o.name, v);
      ref = b.buffer(`${o.name} (copy)`, v);
      b.step(copyStep(`output '${o.name}'`, x, ref), `copy to output '${o.name}': ${b.describe(x)} -> ${b.describe(ref)}`);
    }
    taken.add(ref.buffer);
    b.lines.push(`output '${o.name}': ${b.describe(ref)}`);
    const groups = v.dims.map((d) => factors(d).length);
    return {
      name: o.name, dtype: v.dtype === 'int' ? 'int32' : 'float32', dims: ref.dims, buffer: ref.buffer,
      ...(groups.some((n) => n !== 1) ? { groups } : {}),
    };
  });
}

/** The summary: a line per step or view, then what was folded or dropped, then the sizes. */
function summarize(g: LoadedGraph, inf: Inference, b: ProgramBuilder, folded: readonly GraphNode[]): string[] {
  const summary = [...b.lines];
  if (folded.length > 0) {
    const counts = new Map<string, number>();
    for (const n of folded) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
    summary.push(`folded at compile time: ${folded.length} node(s) (${[...counts].map(([op, c]) => `${op} ${c}`).join(', ')})`);
  }
  if (g.unused > 0) summary.push(`dropped: ${g.unused} node(s) no graph output depends on`);
  summary.push(`maxBatch ${inf.maxBatch}; ${b.steps.length} step(s), ${b.buffers.length} buffer(s), ${b.constants.length} constant(s)`);
  return summary;
}
