/**
 * Lowering: the inferred graph becomes a program. Nodes whose outputs are all constants were
 * folded; views (Reshape, Squeeze, Unsqueeze, Flatten, Identity, Dropout, same-kind Cast, no-op
 * Expand, prefix slices) share buffers; MatMul + Add becomes one GEMM with bias; a batch-first
 * Transpose feeding only an RNN's X is folded into the RNN's read. Lowering reads inference's
 * decisions and never re-checks the model.
 */
import { ModelError } from '../../contract/errors.js';
import { descriptorKey } from '../cells/descriptor.js';
import { dataTypeName } from '../onnx/proto.js';
import { ProgramBuilder, fmtDims } from './builder.js';
import type { Detail, RnnDetail, SliceAxis } from './ctx.js';
import type { Inference } from './infer.js';
import type { GraphNode, LoadedGraph } from './load.js';
import { broadcastSupported } from './math_ops.js';
import type { BufRef, ConstRef, Dim, Program, Operand, ProgramIO } from './program.js';
import { type SymInt, factors, symEq, toDim } from './symbolic.js';
import { type FloatConst, type Val, decodeConst } from './value.js';

const VIEWS = new Set(['Identity', 'Dropout', 'Cast', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Expand']);

/** The lowered program and its summary (one line per step or view, then what was folded). */
export interface Lowered {
  readonly program: Program;
  readonly summary: string[];
}

/** Lowers an inferred graph into a program. */
export function lowerGraph(g: LoadedGraph, inf: Inference): Lowered {
  const b = new ProgramBuilder();
  const val = (name: string): Val => inf.values.get(name) ?? decodeConst(g.initializers.get(name)!, `initializer '${name}'`);
  const isRun = (name: string) => !!name && inf.values.get(name)?.kind === 'run';
  const outputNames = new Set(g.outputs.map((o) => o.name));
  const consumers = new Map<string, GraphNode[]>();
  for (const n of g.nodes) {
    if (!n.outputs.some(isRun)) continue;
    for (const i of new Set(n.inputs)) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const runConsumers = (name: string) => consumers.get(name) ?? [];
  const needed = (name: string) => !!name && (runConsumers(name).length > 0 || outputNames.has(name));

  const inputs: ProgramIO[] = g.inputs.map((input) => {
    const v = val(input.name);
    const ref = b.buffer(input.name, v);
    b.lines.push(`input '${input.name}': b${ref.buffer} ${v.dtype === 'int' ? 'int32' : 'float32'}${fmtDims(ref.dims)} (${dataTypeName(input.elemType)} in the model)`);
    return { name: input.name, dtype: v.dtype === 'int' ? 'int32' : 'float32', dims: ref.dims, buffer: ref.buffer, onnxType: dataTypeName(input.elemType) };
  });

  const fused = new Set<GraphNode>();
  const batchMajorX = new Map<string, { x: BufRef; node: GraphNode }>();
  const folded: GraphNode[] = [];
  for (const node of g.nodes) {
    if (fused.has(node)) continue;
    if (!node.outputs.some(isRun)) {
      folded.push(node);
      continue;
    }
    const d = inf.details.get(node);
    const [in0, out0] = [node.inputs[0], node.outputs[0]];
    const tag = `'${node.name}'`;
    if (VIEWS.has(node.op) || (d?.kind === 'transpose' && d.perm.every((p, i) => p === i))) {
      const ref = b.view(out0, b.ref(in0), val(out0));
      b.lines.push(`   view ${tag} (${node.op}): ${b.describe(b.ref(in0))} as ${fmtDims(ref.dims)}`);
    } else if (d?.kind === 'rnn') {
      lowerRnn(node, d);
    } else if (d?.kind === 'transpose') {
      const rnn = runConsumers(out0);
      const target = rnn.length === 1 ? inf.details.get(rnn[0]) : undefined;
      const x = b.ref(in0);
      if (target?.kind === 'rnn' && target.descriptor.layout === 0 && rnn[0].inputs[0] === out0 && rnn[0].inputs.lastIndexOf(out0) === 0 &&
          !outputNames.has(out0) && d.perm.join() === '1,0,2') {
        batchMajorX.set(out0, { x, node });
        continue;
      }
      const out = b.buffer(out0, val(out0));
      b.step({ op: 'transpose', node: node.name, perm: d.perm, x, out }, `transpose ${tag} [${d.perm.join(', ')}]: ${b.describe(x)} -> ${b.describe(out)}`);
    } else if (d?.kind === 'slice') {
      lowerSlice(node, d.axes, d.squeeze);
    } else if (d?.kind === 'embedding') {
      const indices = b.ref(node.inputs[1]);
      const table = b.constant(in0, d.table);
      const out = b.buffer(out0, val(out0), [...indices.dims, d.table.dims[1]]);
      b.step({ op: 'gather', node: node.name, table, indices, out }, `gather ${tag}: rows of ${b.describe(table)} at ${b.describe(indices)} -> ${b.describe(out)}`);
    } else if (d?.kind === 'gemm') {
      lowerGemm(node, d);
    } else if (d?.kind === 'softmax') {
      const x = b.ref(in0);
      const out = b.buffer(out0, val(out0));
      b.step({ op: 'softmax', node: node.name, log: d.log, x, out }, `${d.log ? 'log' : ''}softmax ${tag} (last axis): ${b.describe(x)} -> ${b.describe(out)}`);
    } else if (d?.kind === 'concat') {
      const ins = node.inputs.map((i) => b.operand(i, val(i), false));
      const out = b.buffer(out0, val(out0));
      b.step({ op: 'concat', node: node.name, axis: d.axis, inputs: ins, out }, `concat ${tag} axis ${d.axis}: ${ins.map((o) => b.describe(o)).join(', ')} -> ${b.describe(out)}`);
    } else if (node.op === 'Relu' || node.op === 'Tanh' || node.op === 'Sigmoid') {
      const x = b.ref(in0);
      const out = b.buffer(out0, val(out0));
      const kind = node.op === 'Relu' ? 'relu' : node.op === 'Tanh' ? 'tanh' : 'sigmoid';
      b.step({ op: 'unary', node: node.name, kind, x, out }, `${kind} ${tag}: ${b.describe(x)} -> ${b.describe(out)}`);
    } else if (node.op === 'Add' || node.op === 'Sub' || node.op === 'Mul' || node.op === 'Div') {
      const kind = node.op === 'Add' ? 'add' : node.op === 'Sub' ? 'sub' : node.op === 'Mul' ? 'mul' : 'div';
      const [x, y] = node.inputs.map((i) => b.operand(i, val(i)));
      const out = b.buffer(out0, val(out0));
      b.step({ op: 'binary', node: node.name, kind, a: x, b: y, out }, `${kind} ${tag}: ${b.describe(x)}, ${b.describe(y)} -> ${b.describe(out)}`);
    } else {
      throw new ModelError(`internal: ${node.label} has run-time outputs but no lowering`);
    }
  }

  function lowerRnn(node: GraphNode, d: RnnDetail): void {
    const n = node.inputs;
    const folded = batchMajorX.get(n[0]);
    const x = folded?.x ?? b.ref(n[0]);
    const op = (i: number, v: Val | null): Operand | null => (v ? b.operand(n[i], v) : null);
    const outs = [0, 1, 2].map((i) => (needed(node.outputs[i] ?? '') ? b.buffer(node.outputs[i], val(node.outputs[i])) : null));
    b.step({
      op: 'rnn', node: node.name, descriptor: d.descriptor, inputBatchMajor: !!folded, x,
      W: op(1, d.W)!, R: op(2, d.R)!, B: op(3, d.B), P: op(7, d.P),
      sequenceLens: d.sequenceLens ? b.ref(n[4]) : null, initialH: op(5, d.initialH), initialC: op(6, d.initialC),
      y: outs[0], yH: outs[1], yC: outs[2],
    }, [
      `rnn '${node.name}' ${descriptorKey(d.descriptor)}: x ${b.describe(x)}`,
      folded ? ` (Transpose '${folded.node.name}' folded: X read batch-major)` : '',
      ` -> ${['y', 'y_h', 'y_c'].map((s, i) => (outs[i] ? `${s} ${b.describe(outs[i]!)}` : '')).filter(Boolean).join(', ')}`,
      d.zeroStates.length ? `; ${d.zeroStates.join(', ')} zeros (folded away)` : '',
      d.initialH || d.initialC ? `; fed ${[d.initialH ? 'initial_h' : '', d.initialC ? 'initial_c' : ''].filter(Boolean).join(', ')}` : '',
    ].join(''));
  }

  function lowerGemm(node: GraphNode, d: Extract<Detail, { kind: 'gemm' }>): void {
    const [in0, out0] = [node.inputs[0], node.outputs[0]];
    const a = b.ref(in0);
    // Constants derived at compile time (transposed, scaled, summed) are named after their sources.
    const cName = node.inputs[2] ?? '';
    let bias = d.bias;
    let biasName = bias ? (cName && val(cName) === bias ? cName : `${cName} (folded)`) : '';
    let outName = out0;
    const notes: string[] = [];
    const next = runConsumers(out0);
    const N = d.w.dims[1];
    const add = next.length === 1 && next[0].op === 'Add' && !outputNames.has(out0) ? next[0] : null;
    const other = add && add.inputs[0] !== add.inputs[1] ? add.inputs.find((i) => i !== out0)! : null;
    const ov = other ? val(other) : null;
    if (add && other && ov && ov.kind !== 'run' && ov.dtype === 'float' && ov.dims.every((x) => typeof x === 'number') &&
        broadcastSupported(ov.dims, [N]) && sameDims(val(add.outputs[0]).dims, val(out0).dims)) {
      const addData = ov.kind === 'fill' ? new Float32Array(N).fill(ov.value) : expandBias(ov as FloatConst, N);
      const sum = bias ? addData.map((x, i) => x + bias!.data[i]) : addData;
      biasName = bias ? `${biasName} + ${other}` : ov.kind === 'const' && ov.dims.length === 1 ? other : `${other} (folded)`;
      bias = { kind: 'const', dtype: 'float', dims: [N], data: sum };
      notes.push(`Add '${add.name}' fused as bias`);
      fused.add(add);
      outName = add.outputs[0];
    }
    const bName = node.inputs[1];
    const w = b.constant(d.w === val(bName) ? bName : `${bName} (${d.note || 'folded'})`, d.w);
    const biasRef: ConstRef | null = bias ? b.constant(biasName, bias) : null;
    const v = val(outName);
    const vector = d.w.dims[1] === 1 && v.dims.length === val(in0).dims.length - 1;
    const out = b.buffer(outName, v, vector ? [...a.dims.slice(0, -1), 1] : undefined);
    b.step({ op: 'gemm', node: node.name, a, w, bias: biasRef, out },
      `gemm '${node.name}': ${b.describe(a)} x ${b.describe(w)}${biasRef ? ` + ${b.describe(biasRef)}` : ''} -> ${b.describe(out)}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }

  function lowerSlice(node: GraphNode, axes: readonly SliceAxis[], squeeze: number | null): void {
    const x = b.ref(node.inputs[0]);
    const out0 = node.outputs[0];
    const v = val(out0);
    const k = axes.findIndex((a) => !a.whole);
    const prefix = k < 0 || (axes[k].start === 0 && axes[k].step === 1 && axes.slice(k + 1).every((a) => a.whole) && axes.slice(0, k).every((a) => a.count === 1));
    const what = `${node.op === 'Gather' ? 'gather' : 'slice'} '${node.name}'`;
    if (prefix) {
      const ref = b.view(out0, x, v);
      b.lines.push(`   view ${what} (a prefix of the buffer): ${b.describe(x)} as ${fmtDims(ref.dims)}`);
      return;
    }
    // Slice inputs have no merged dims (checked by inference): x.dims match the axes one to one.
    const ranges = axes.map((a, i): readonly [number, Dim, number] => [a.start, a.whole ? x.dims[i] : a.start + (a.count as number) * a.step, a.step]);
    const out = b.buffer(out0, v, axes.map((a) => toDim(a.count)!));
    b.step({ op: 'slice', node: node.name, x, ranges, out },
      `${what}: ${b.describe(x)} [${ranges.map(([s, e]) => `${s}:${e}`).join(', ')}] -> ${b.describe(out)}${squeeze !== null ? ` as ${fmtDims(b.ref(out0).dims)}` : ''}`);
  }

  const outputs = lowerOutputs();
  const summary = [...b.lines];
  if (folded.length > 0) {
    const counts = new Map<string, number>();
    for (const n of folded) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
    summary.push(`folded at compile time: ${folded.length} node(s) (${[...counts].map(([op, c]) => `${op} ${c}`).join(', ')})`);
  }
  if (g.unused > 0) summary.push(`dropped: ${g.unused} node(s) no graph output depends on`);
  summary.push(`maxBatch ${inf.maxBatch}; ${b.steps.length} step(s), ${b.buffers.length} buffer(s), ${b.constants.length} constant(s)`);
  return {
    program: { maxBatch: inf.maxBatch, inputs, outputs, buffers: b.buffers, constants: b.constants, steps: b.steps },
    summary,
  };

  function lowerOutputs(): ProgramIO[] {
    const taken = new Set(inputs.map((i) => i.buffer));
    return g.outputs.map((o) => {
      const v = val(o.name);
      let ref = v.kind === 'run' ? b.ref(o.name) : null;
      if (!ref || taken.has(ref.buffer)) {
        const x: Operand = ref ?? b.constant(o.name, v);
        ref = b.buffer(`${o.name} (copy)`, v);
        b.step({ op: 'copy', node: `output '${o.name}'`, x, out: ref }, `copy to output '${o.name}': ${b.describe(x)} -> ${b.describe(ref)}`);
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
}

const sameDims = (a: readonly SymInt[], b: readonly SymInt[]) => a.length === b.length && a.every((d, i) => symEq(d, b[i]));

/** A constant bias of dims [N], [1, N], [1], [] ... as N floats. */
function expandBias(c: FloatConst, N: number): Float32Array {
  return c.data.length === N ? c.data : new Float32Array(N).fill(c.data[0]);
}
