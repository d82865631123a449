import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell } from '../compiler/cells/descriptor.js';
import { lowerModel } from '../compiler/frontend/index.js';
import type { BufRef, ConstRef, Program, Operand } from '../compiler/frontend/program.js';
import type { BinaryStep } from '../compiler/ops/arithmetic.js';
import type { ConcatStep } from '../compiler/ops/concat.js';
import type { CopyStep } from '../compiler/ops/copy.js';
import type { GatherStep } from '../compiler/ops/gather.js';
import type { GemmStep } from '../compiler/ops/matmul.js';
import type { RnnStep } from '../compiler/ops/rnn.js';
import type { SliceStep } from '../compiler/ops/slice.js';
import type { SoftmaxStep } from '../compiler/ops/softmax.js';
import type { TransposeStep } from '../compiler/ops/transpose.js';
import type { UnaryStep } from '../compiler/ops/unary.js';
import { isConst } from '../compiler/frontend/program.js';
import { DataType, onnx } from '../compiler/onnx/proto.js';
import { decodeTensor } from '../compiler/onnx/tensor.js';
import { readRnnAttributes } from '../compiler/ops/rnn_attributes.js';
import { declaredType, defaultOpset } from '../compiler/onnx/graph.js';
import { cellOfOp } from '../compiler/cells/index.js';
import { loadTestDir } from '../compiler/onnx/testdata.js';
import { interpretProgram } from './program_interp.js';
import { ModelError, UnsupportedError } from '../contract/errors.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { CONFORMANCE, SHARED_MODELS, sharedTest } from './paths.js';
import { throws } from './throws.js';

const shared = (name: string) => fs.readFileSync(path.join(SHARED_MODELS, name, 'model.onnx'));
const ops = (s: Program) => s.steps.map((st) => st.op);
/** The step types of the op modules these tests look into. */
interface Steps {
  rnn: RnnStep; gather: GatherStep; gemm: GemmStep; binary: BinaryStep; relu: UnaryStep; tanh: UnaryStep; sigmoid: UnaryStep;
  softmax: SoftmaxStep; transpose: TransposeStep; concat: ConcatStep; slice: SliceStep; copy: CopyStep;
}
const stepOf = <K extends keyof Steps>(s: Program, op: K, i = 0) => s.steps.filter((st) => st.op === op)[i] as Steps[K];
const constData = (s: Program, o: Operand | null) => Array.from(s.constants[(o as ConstRef).constant].data);
const buf = (o: Operand | null) => (o as BufRef).buffer;
const close = (a: number[], b: number[], msg = '') => {
  assert.is(a.length, b.length, msg);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-5, `${msg} [${i}]: ${x} vs ${b[i]}`));
};
const initializer = (bytes: Uint8Array, name: string) => {
  const t = onnx.ModelProto.decode(bytes).graph!.initializer!.find((i) => i.name === name)!;
  return decodeTensor(t);
};
/** Every BufRef of the program points at a buffer holding at least as many elements. */
function checkRefs(s: Program) {
  const size = (dims: readonly (number | string)[]) => dims.reduce<number>((p, d) => p * (typeof d === 'number' ? d : d === 'seq' ? 1000 : 100), 1);
  const refs: BufRef[] = [...s.inputs, ...s.outputs].map((io) => ({ buffer: io.buffer, dims: io.dims }));
  for (const st of s.steps) {
    for (const v of Object.values(st)) {
      if (v && typeof v === 'object' && 'buffer' in v) refs.push(v as BufRef);
      if (Array.isArray(v)) for (const o of v) if (o && typeof o === 'object' && 'buffer' in o) refs.push(o as BufRef);
    }
  }
  for (const r of refs) assert.ok(size(r.dims) <= size(s.buffers[r.buffer].dims), `ref [${r.dims}] exceeds buffer ${r.buffer} [${s.buffers[r.buffer].dims}]`);
  s.buffers.forEach((b, i) => assert.is(b.id, i));
  s.constants.forEach((c, i) => assert.is(c.id, i));
}

sharedTest('char_lstm: embedding gather, two LSTMs with zero states folded away, MatMul + Add as one GEMM', () => {
  const { program: s, summary } = lowerModel(shared('char_lstm'), { source: 'char_lstm' });
  checkRefs(s);
  assert.equal(ops(s), ['gather', 'rnn', 'rnn', 'gemm']);
  assert.is(s.maxBatch, 2);
  assert.equal(s.inputs, [{ name: 'tokens', dtype: 'int32', dims: ['seq', 'batch'], buffer: 0, onnxType: 'INT64' }]);
  const g = stepOf(s, 'gather');
  assert.equal(g.table.dims, [64, 32]);
  assert.is(g.indices.buffer, 0);
  assert.equal(g.out.dims, ['seq', 'batch', 32]);
  const [r1, r2] = [stepOf(s, 'rnn', 0), stepOf(s, 'rnn', 1)];
  for (const r of [r1, r2]) {
    assert.is(r.initialH, null);
    assert.is(r.initialC, null);
    assert.ok(!r.descriptor.hasInitialH && !r.descriptor.hasInitialC && !r.inputBatchMajor);
    assert.is(r.descriptor.maxBatch, 2);
    assert.ok(r.y && !r.yH && !r.yC, 'only Y is used');
    assert.ok(isConst(r.W) && isConst(r.R) && r.B && isConst(r.B));
  }
  assert.is(r1.x.buffer, g.out.buffer);
  assert.is(r2.x.buffer, r1.y!.buffer, 'the Squeeze between the layers is a view');
  assert.equal(r2.x.dims, ['seq', 'batch', 128]);
  assert.equal([r1.descriptor.inputSize, r2.descriptor.inputSize, r2.descriptor.hiddenSize], [32, 128, 128]);
  const gemm = stepOf(s, 'gemm');
  assert.is(gemm.node, '/fc/MatMul');
  assert.is(gemm.a.buffer, r2.y!.buffer);
  assert.equal(gemm.w.dims, [128, 64]);
  assert.ok(gemm.bias);
  assert.equal(constData(s, gemm.bias), Array.from(initializer(shared('char_lstm'), 'fc.bias').data));
  assert.equal(s.outputs, [{ name: 'logits', dtype: 'float32', dims: ['seq', 'batch', 64], buffer: gemm.out.buffer }]);
  assert.ok(summary.some((l) => l.includes("Add '/fc/Add' fused as bias")), summary.join('\n'));
  assert.ok(summary.some((l) => l.startsWith('folded at compile time') && l.includes('Expand 4')), summary.join('\n'));
  assert.ok(summary.filter((l) => l.includes('initial_h, initial_c zeros')).length === 2);

  const big = lowerModel(shared('char_lstm'), { batch: 8 }).program;
  assert.is(big.maxBatch, 8);
  assert.is(stepOf(big, 'rnn').descriptor.maxBatch, 8);
});

sharedTest('kws_gru: batch-first Transpose folded into the GRU, Y_h[0] a view, Gemm transB folded, softmax', () => {
  const bytes = shared('kws_gru');
  const { program: s } = lowerModel(bytes, { source: 'kws_gru' });
  checkRefs(s);
  assert.equal(ops(s), ['rnn', 'gemm', 'softmax']);
  assert.is(s.maxBatch, 3);
  assert.equal(s.inputs[0].dims, ['batch', 'seq', 40]);
  const r = stepOf(s, 'rnn');
  assert.ok(r.inputBatchMajor);
  assert.is(r.x.buffer, s.inputs[0].buffer);
  assert.equal(r.x.dims, ['batch', 'seq', 40]);
  assert.ok(r.descriptor.linearBeforeReset && r.descriptor.cell === 'gru' && r.descriptor.layout === 0);
  assert.is(r.initialH, null);
  assert.is(r.y, null, 'Y is unused');
  assert.equal(r.yH!.dims, [1, 'batch', 64]);
  const gemm = stepOf(s, 'gemm');
  assert.is(gemm.a.buffer, r.yH!.buffer, 'Gather of Y_h along the direction axis is a view');
  assert.equal(gemm.a.dims, ['batch', 64]);
  assert.equal(gemm.w.dims, [64, 12]);
  const fcw = initializer(bytes, 'fc.weight').data; // [12, 64]
  const w = constData(s, gemm.w);
  for (const [k, n] of [[0, 0], [5, 3], [63, 11]]) assert.is(w[k * 12 + n], fcw[n * 64 + k]);
  assert.equal(constData(s, gemm.bias), Array.from(initializer(bytes, 'fc.bias').data));
  const sm = stepOf(s, 'softmax');
  assert.ok(!sm.log);
  assert.is(sm.x.buffer, gemm.out.buffer);
  assert.equal(s.outputs, [{ name: 'probs', dtype: 'float32', dims: ['batch', 12], buffer: sm.out.buffer }]);
});

sharedTest('lstm_stream: one LSTM with fed initial h/c, Y a view through the Squeeze', () => {
  const { program: s } = lowerModel(shared('lstm_stream'));
  checkRefs(s);
  assert.equal(ops(s), ['rnn']);
  assert.is(s.maxBatch, 1);
  assert.equal(s.inputs.map((i) => [i.name, i.dims]), [['x', ['seq', 'batch', 80]], ['h', [1, 'batch', 256]], ['c', [1, 'batch', 256]]]);
  const r = stepOf(s, 'rnn');
  assert.ok(r.descriptor.hasInitialH && r.descriptor.hasInitialC);
  assert.is(buf(r.initialH), s.inputs[1].buffer);
  assert.is(buf(r.initialC), s.inputs[2].buffer);
  assert.equal(s.outputs.map((o) => [o.name, o.buffer, o.dims]), [
    ['y', r.y!.buffer, ['seq', 'batch', 256]], ['h_out', r.yH!.buffer, [1, 'batch', 256]], ['c_out', r.yC!.buffer, [1, 'batch', 256]],
  ]);
  assert.is(lowerModel(shared('lstm_stream'), { batch: 4 }).program.maxBatch, 4);
});


const I64 = DataType.INT64;

test('stacked bidirectional GRU, batch_first, h0 fed and split per layer (as PyTorch exports it)', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['N', 'T', 8]);
  const h0 = g.input('h0', [4, 'N', 5]);
  const sliceOf = (from: number, to: number) => g.node('Slice', [h0, g.constInts([from]), g.constInts([to]), g.constInts([0])], [], { name: `slice${from}` });
  const [h0a, h0b] = [sliceOf(0, 2), sliceOf(2, 4)];
  const xt = g.node('Transpose', [x], [attr.ints('perm', [1, 0, 2])], { name: 'tx' });
  const merge = (y: string, i: number) => g.node('Reshape', [g.node('Transpose', [y], [attr.ints('perm', [0, 2, 1, 3])], { name: `ty${i}` }), g.constInts([0, 0, -1])]);
  const [y1, yh1] = g.rnn('GRU', xt, 5, 8, { name: 'gru1', bidirectional: true, initialH: h0a });
  const [y2, yh2] = g.rnn('GRU', merge(y1, 1), 5, 10, { name: 'gru2', bidirectional: true, initialH: h0b });
  const out = g.node('Transpose', [merge(y2, 2)], [attr.ints('perm', [1, 0, 2])], { name: 'out_t', outputs: ['out'] });
  g.node('Concat', [yh1, yh2], [attr.int('axis', 0)], { name: 'hn', outputs: ['h_n'] });
  g.output(out, ['N', 'T', 10]).output('h_n', [4, 'N', 5]);
  const { program: s, summary } = lowerModel(g.encode(), { batch: 6 });
  checkRefs(s);
  assert.equal(ops(s), ['slice', 'rnn', 'transpose', 'rnn', 'transpose', 'transpose', 'concat']);
  assert.is(s.maxBatch, 6);
  assert.equal(s.inputs.map((i) => i.dims), [['batch', 'seq', 8], [4, 'batch', 5]]);
  const [r1, r2] = [stepOf(s, 'rnn', 0), stepOf(s, 'rnn', 1)];
  assert.ok(r1.inputBatchMajor && !r2.inputBatchMajor);
  assert.is(r1.x.buffer, s.inputs[0].buffer);
  assert.equal(r1.descriptor.direction, 'bidirectional');
  assert.is(buf(r1.initialH), s.inputs[1].buffer, 'h0[0:2] is a prefix view of h0');
  assert.equal((r1.initialH as BufRef).dims, [2, 'batch', 5]);
  const sl = stepOf(s, 'slice');
  assert.equal(sl.ranges, [[2, 4, 1], [0, 'batch', 1], [0, 5, 1]]);
  assert.is(buf(r2.initialH), sl.out.buffer);
  const [t1, t2, t3] = [0, 1, 2].map((i) => stepOf(s, 'transpose', i));
  assert.equal([t1.perm, t2.perm, t3.perm], [[0, 2, 1, 3], [0, 2, 1, 3], [1, 0, 2]]);
  assert.equal(t1.x.dims, ['seq', 2, 'batch', 5]);
  assert.is(r2.x.buffer, t1.out.buffer, 'the Reshape merging directions is a view');
  assert.equal(r2.x.dims, ['seq', 'batch', 10]);
  const cat = stepOf(s, 'concat');
  assert.is(cat.axis, 0);
  assert.equal(cat.inputs.map(buf), [r1.yH!.buffer, r2.yH!.buffer]);
  assert.equal(s.outputs.map((o) => [o.name, o.dims, o.buffer]), [['out', ['batch', 'seq', 10], t3.out.buffer], ['h_n', [4, 'batch', 5], cat.out.buffer]]);
  assert.ok(summary.some((l) => l.includes("Transpose 'tx' folded")), summary.join('\n'));
});

test('shape subgraphs fold: Shape, Gather, Unsqueeze, Concat, ConstantOfShape, Expand, Mul, Div, Sub, Slice, Range, Cast', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 4]);
  const shape = g.node('Shape', [x]);
  const b = g.node('Gather', [shape, g.constInts([1], [])]);
  const hshape = g.node('Concat', [g.constInts([1]), g.node('Unsqueeze', [b, g.constInts([0])]), g.constInts([6])], [attr.int('axis', 0)]);
  const h0 = g.node('ConstantOfShape', [hshape], [attr.tensor('value', { dims: [1], dataType: DataType.FLOAT, floatData: [0] })]);
  const c0 = g.node('Expand', [g.constFloats(new Array(6).fill(0), [1, 1, 6]), g.node('Cast', [hshape], [attr.int('to', I64)])]);
  const [y] = g.rnn('LSTM', x, 6, 4, { name: 'lstm', initialH: h0, initialC: c0 });
  const ys = g.node('Squeeze', [y, g.constInts([1])]);
  const yshape = g.node('Shape', [ys]);
  const t = g.node('Gather', [yshape, g.constInts([0], [])]);
  const n = g.node('Gather', [yshape, g.constInts([1], [])]);
  const tn = g.node('Mul', [t, n]);
  const flat = g.node('Reshape', [ys, g.node('Concat', [g.node('Unsqueeze', [tn, g.constInts([0])]), g.constInts([6])], [attr.int('axis', 0)])]);
  const bias = g.node('Cast', [g.node('Range', [g.constInts([0], []), g.constInts([3], []), g.constInts([1], [])])], [attr.int('to', DataType.FLOAT)]);
  const mm = g.node('MatMul', [flat, g.init('w', [6, 3])], [], { name: 'mm' });
  const logits = g.node('Add', [mm, bias], [], { name: 'bias', outputs: ['flat'] });
  const tAgain = g.node('Sub', [g.node('Add', [g.node('Div', [tn, n]), t]), t]);
  const back = g.node('Concat', [g.node('Unsqueeze', [tAgain, g.constInts([0])]), g.node('Slice', [shape, g.constInts([1]), g.constInts([2])]), g.constInts([-1])], [attr.int('axis', 0)]);
  g.node('Reshape', [logits, back], [], { outputs: ['y'] });
  g.output('y', ['T', 'N', 3]).output('flat', [null, 3]);
  const { program: s, summary } = lowerModel(g.encode());
  checkRefs(s);
  assert.equal(ops(s), ['rnn', 'gemm', 'copy']);
  assert.is(s.maxBatch, 1);
  const r = stepOf(s, 'rnn');
  assert.ok(r.initialH === null && r.initialC === null && !r.descriptor.hasInitialH && !r.descriptor.hasInitialC);
  const gemm = stepOf(s, 'gemm');
  assert.equal(gemm.a.dims, ['seq', 'batch', 6], 'seq*batch is split into its factors');
  assert.is(gemm.a.buffer, r.y!.buffer);
  assert.equal(constData(s, gemm.bias), [0, 1, 2]);
  const copy = stepOf(s, 'copy');
  assert.is(buf(copy.x), gemm.out.buffer, "'flat' shares the buffer of 'y': the second output is a copy");
  assert.equal(s.outputs.map((o) => [o.name, o.dims, o.buffer, o.groups]), [
    ['y', ['seq', 'batch', 3], gemm.out.buffer, undefined],
    ['flat', ['seq', 'batch', 3], copy.out.buffer, [2, 1]],
  ]);
  assert.ok(summary.some((l) => l.includes('ConstantOfShape 1') && l.includes('Range 1')), summary.join('\n'));
});


test('ops around the RNN: unary, binary with constants, Gemm alpha/beta, LogSoftmax, views, Concat, Slice, vector MatMul, Gather of Y[0]', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 4]);
  const [y, yh] = g.rnn('RNN', x, 6, 4, { name: 'rnn' });
  const h = g.node('Squeeze', [yh, g.constInts([0])], [], { name: 'sq', outputs: ['h'] });
  const act = g.node('Sigmoid', [g.node('Tanh', [g.node('Relu', [h], [], { name: 'relu' })], [], { name: 'tanh' })], [], { name: 'sig' });
  const sub = g.node('Sub', [act, g.init('center', [6], [0, 1, 2, 3, 4, 5])], [], { name: 'sub' });
  const mul = g.node('Mul', [g.constFloats([2], []), sub], [], { name: 'mul' });
  const div = g.node('Div', [mul, g.node('Expand', [g.constFloats([4], []), g.node('Shape', [h])])], [], { name: 'div' });
  const gemm = g.node('Gemm', [div, g.init('gw', [3, 6]), g.init('gc', [3], [1, 2, 3])],
    [attr.float('alpha', 0.5), attr.float('beta', 2), attr.int('transB', 1)], { name: 'gemm' });
  const lsm = g.node('LogSoftmax', [gemm], [attr.int('axis', 1)], { name: 'lsm' });
  const same = g.node('Identity', [g.node('Dropout', [g.node('Flatten', [lsm], [attr.int('axis', 1)], { name: 'flat' })], [], { name: 'drop' })], [], { name: 'id' });
  const cat = g.node('Concat', [lsm, same], [attr.int('axis', -1)], { name: 'cat' });
  const sl = g.node('Slice', [cat, g.constInts([1]), g.constInts([4]), g.constInts([1])], [], { name: 'slice' });
  g.node('MatMul', [sl, g.init('v', [3], [1, 1, 1])], [], { name: 'vec', outputs: ['score'] });
  g.node('Gather', [y, g.constInts([0], [])], [attr.int('axis', 0)], { name: 'first', outputs: ['y0'] });
  g.output('score', ['N']).output('y0', [1, 'N', 6]).output(h);
  const { program: s } = lowerModel(g.encode(), { batch: 3 });
  checkRefs(s);
  // Each unary op is a step kind of its own (ops/relu.ts, tanh.ts, sigmoid.ts).
  assert.equal(ops(s), ['rnn', 'relu', 'tanh', 'sigmoid', 'binary', 'binary', 'binary', 'gemm', 'softmax', 'concat', 'slice', 'gemm']);
  const r = stepOf(s, 'rnn');
  assert.equal([r.descriptor.cell, r.descriptor.hiddenSize, r.descriptor.maxBatch], ['rnn', 6, 3]);
  assert.equal([1, 2, 3].map((i) => s.steps[i].op), ['relu', 'tanh', 'sigmoid']);
  assert.is(stepOf(s, 'relu').x.buffer, r.yH!.buffer);
  assert.equal(stepOf(s, 'relu').x.dims, ['batch', 6]);
  const [bsub, bmul, bdiv] = [0, 1, 2].map((i) => stepOf(s, 'binary', i));
  assert.equal([bsub.kind, bmul.kind, bdiv.kind], ['sub', 'mul', 'div']);
  assert.equal(constData(s, bsub.b), [0, 1, 2, 3, 4, 5]);
  assert.ok(isConst(bmul.a) && bmul.a.dims.length === 0 && constData(s, bmul.a)[0] === 2, 'scalar constant operand');
  assert.ok(isConst(bdiv.b) && bdiv.b.dims.length === 0 && constData(s, bdiv.b)[0] === 4, 'a broadcast fill becomes a scalar');
  const gm = stepOf(s, 'gemm');
  assert.equal(gm.w.dims, [6, 3]);
  close(constData(s, gm.w).slice(0, 4), [0, 0.5 * 0.06, 0.5 * 0.12, 0.5 * 0.01], 'w = alpha * B^T');
  close(constData(s, gm.bias), [2, 4, 6], 'bias = beta * C');
  const sm = stepOf(s, 'softmax');
  assert.ok(sm.log);
  const cat2 = stepOf(s, 'concat');
  assert.is(cat2.axis, 1);
  assert.equal(cat2.inputs.map(buf), [sm.out.buffer, sm.out.buffer], 'Flatten, Dropout and Identity are views');
  const slice = stepOf(s, 'slice');
  assert.equal(slice.ranges, [[0, 'batch', 1], [1, 4, 1]]);
  const vec = stepOf(s, 'gemm', 1);
  assert.equal(vec.w.dims, [3, 1]);
  assert.equal(vec.out.dims, ['batch', 1]);
  assert.equal(s.outputs.map((o) => [o.name, o.dims]), [['score', ['batch']], ['y0', [1, 'batch', 6]], ['h', ['batch', 6]]]);
  assert.is(s.outputs[0].buffer, vec.out.buffer);
  assert.is(s.outputs[1].buffer, r.y!.buffer, 'Y[0] is a prefix of Y: a view');
  assert.is(s.outputs[2].buffer, r.yH!.buffer);
});

test('graph outputs never alias a graph input or another output: copies', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 4]);
  const [, yh] = g.rnn('GRU', x, 3, 4, { name: 'gru' });
  g.node('Identity', [x], [], { outputs: ['x_again'] });
  g.node('Identity', [yh], [], { outputs: ['h2'] });
  g.node('Constant', [], [attr.tensor('value', { dims: [2], dataType: DataType.FLOAT, floatData: [7, 8] })], { outputs: ['k'] });
  g.output('x_again').output(yh).output('h2').output('k');
  const { program: s } = lowerModel(g.encode());
  checkRefs(s);
  assert.equal(ops(s), ['rnn', 'copy', 'copy', 'copy']);
  const [c1, c2, c3] = [0, 1, 2].map((i) => stepOf(s, 'copy', i));
  assert.is(buf(c1.x), s.inputs[0].buffer);
  assert.equal(c1.out.dims, ['seq', 'batch', 4]);
  assert.is(buf(c2.x), stepOf(s, 'rnn').yH!.buffer);
  assert.ok(isConst(c3.x));
  assert.equal(constData(s, c3.x), [7, 8]);
  const ids = s.outputs.map((o) => o.buffer);
  assert.is(new Set([...ids, s.inputs[0].buffer]).size, 5);
  assert.equal(ids, [c1.out.buffer, stepOf(s, 'rnn').yH!.buffer, c2.out.buffer, c3.out.buffer]);
});

test('layout 1 LSTM after an embedding of Cast tokens, with fed sequence_lens and weights as graph inputs', () => {
  const g = new GraphBuilder();
  const tokens = g.input('tokens', ['B', 'T'], I64);
  const lens = g.input('lens', ['B'], DataType.INT32);
  const W = g.input('W', [1, 16, 5]);
  const R = g.input('R', [1, 16, 4]);
  const emb = g.node('Gather', [g.init('table', [10, 5]), g.node('Cast', [tokens], [attr.int('to', DataType.INT32)], { name: 'cast' })], [], { name: 'emb' });
  g.nodeOutputs('LSTM', [emb, W, R, '', lens], [attr.int('hidden_size', 4), attr.int('layout', 1)], { name: 'lstm', outputs: ['Y', 'Y_h'] });
  g.output('Y', ['B', 'T', 1, 4]);
  const { program: s } = lowerModel(g.encode());
  checkRefs(s);
  assert.equal(ops(s), ['gather', 'rnn']);
  assert.equal(s.inputs.map((i) => [i.name, i.dtype, i.dims, i.onnxType]), [
    ['tokens', 'int32', ['batch', 'seq'], 'INT64'], ['lens', 'int32', ['batch'], 'INT32'], ['W', 'float32', [1, 16, 5], 'FLOAT'], ['R', 'float32', [1, 16, 4], 'FLOAT'],
  ]);
  assert.is(stepOf(s, 'gather').indices.buffer, s.inputs[0].buffer, 'Cast int64 -> int32 is a view');
  const r = stepOf(s, 'rnn');
  assert.equal([r.descriptor.layout, r.descriptor.hasSequenceLens, r.inputBatchMajor], [1, true, false]);
  assert.is(buf(r.sequenceLens), s.inputs[1].buffer);
  assert.equal([buf(r.W), buf(r.R), r.B], [s.inputs[2].buffer, s.inputs[3].buffer, null]);
  assert.equal(r.x.dims, ['batch', 'seq', 5]);
  assert.equal(r.y!.dims, ['batch', 'seq', 1, 4]);
  assert.is(r.yH, null);
  assert.is(s.maxBatch, 1, 'a symbolic batch compiles for 1 unless --batch says more');
});

test('one UnsupportedError lists every unsupported node with its name and the alternative', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 4]);
  const [y, yh] = g.rnn('LSTM', x, 6, 4, { name: 'lstm' });
  const h = g.node('Squeeze', [yh, g.constInts([0])], [], { name: 'sq' });
  g.output(g.rnn('GRU', x, 2, 4, { name: 'swish', attrs: [attr.strings('activations', ['Sigmoid', 'Swish'])] })[0]);
  const outs = [
    g.node('Elu', [h], [], { name: 'elu' }),
    g.node('MatMul', [h, g.node('Transpose', [h], [], { name: 'ht' })], [], { name: 'gram' }),
    g.node('Softmax', [h], [attr.int('axis', 0)], { name: 'sm0' }),
    g.node('Gather', [y, g.constInts([-1], [])], [attr.int('axis', 0)], { name: 'last' }),
    g.node('Slice', [h, g.constInts([1]), g.constInts([1000]), g.constInts([0])], [], { name: 'part_of_batch' }),
    g.node('Foo', [h], [], { name: 'custom', domain: 'com.example' }),
    g.node('Expand', [h, g.constInts([2, 1, 6])], [], { name: 'grow' }),
    g.node('Add', [g.node('Unsqueeze', [h, g.constInts([1])]), g.init('k41', [4, 1])], [], { name: 'bcast' }),
    g.node('Cast', [h], [attr.int('to', I64)], { name: 'toint' }),
    g.node('Relu', [g.node('Dropout', [h], [], { name: 'drop', outputs: 2 })], [], { name: 'after_leaky' }),
  ];
  g.node('Identity', [g.nodeOutputs('Dropout', [h], [], { name: 'masked', outputs: ['d', 'mask'] })[1]], [], { name: 'usemask', outputs: ['m'] });
  for (const o of outs) g.output(o);
  g.output('m');
  const e = throws(() => lowerModel(g.encode(), { source: 'bad.onnx' }), UnsupportedError, 'bad.onnx', 'nothing was compiled',
    "Elu (node 'elu'): not supported; the supported elementwise functions are Relu, Tanh, Sigmoid",
    "MatMul (node 'gram'): MatMul with two run-time inputs: not supported; only constant weights",
    "Softmax (node 'sm0'): Softmax over axis 0", 'only the last axis',
    "Gather (node 'last'): index -1", 'take its Y_h',
    "Slice (node 'part_of_batch'): a slice [1:1000] of an axis of run-time size batch; only the whole axis is supported",
    "com.example.Foo (node 'custom'): not supported",
    "Expand (node 'grow'): Expand of a run-time tensor",
    "Add (node 'bcast'): Add of [batch, 1, 6] and [4, 1]",
    "Cast (node 'toint'): a run-time Cast from float to int",
    "Dropout (node 'masked'): its mask output is used",
    "GRU (node 'swish'): activation 'Swish' is not supported",
    'rnnc compiles LSTM, GRU, RNN');
  assert.is(e.message.split('\n').filter((l) => l.startsWith('  ')).length, 11, e.message);
  assert.not.ok(e.message.includes("'after_leaky'") || e.message.includes("'usemask'"), 'nodes downstream of a failure are not listed again');
});

test('states: a non-zero broadcast, a non-uniform constant, a constant sequence_lens are unsupported, naming the RNN node', () => {
  const cases: [(g: GraphBuilder, x: string) => Parameters<GraphBuilder['rnn']>[4], ...string[]][] = [
    [(g, x) => ({ initialH: g.node('ConstantOfShape', [g.node('Concat', [g.constInts([1]), g.node('Slice', [g.node('Shape', [x]), g.constInts([1]), g.constInts([2])]), g.constInts([3])], [attr.int('axis', 0)])], [attr.tensor('value', { dims: [1], dataType: DataType.FLOAT, floatData: [0.5] })]) }),
      "LSTM (node 'cell'): initial_h is a broadcast of the non-zero constant 0.5"],
    [(g) => ({ initialC: g.init('c0', [1, 2, 3]) }), "LSTM (node 'cell'): initial_c is a constant that differs per element"],
    [(g) => ({ sequenceLens: g.ints('lens', [3, 3]) }), "LSTM (node 'cell'): sequence_lens is a constant"],
  ];
  for (const [opts, ...parts] of cases) {
    const g = new GraphBuilder();
    const x = g.input('x', ['T', 2, 2]);
    g.output(g.rnn('LSTM', x, 3, 2, { name: 'cell', ...opts(g, x) })[0]);
    throws(() => lowerModel(g.encode()), UnsupportedError, ...parts);
  }
});

test('other unsupported patterns name the node and say why', () => {
  const build = (f: (g: GraphBuilder, y: string, h: string) => string) => {
    const g = new GraphBuilder();
    const x = g.input('x', ['T', 'N', 4]);
    const [y, yh] = g.rnn('GRU', x, 6, 4, { name: 'gru' });
    g.output(f(g, g.node('Squeeze', [y, g.constInts([1])]), g.node('Squeeze', [yh, g.constInts([0])])));
    return g.encode();
  };
  throws(() => lowerModel(build((g, y) => g.node('Reshape', [y, g.constInts([100, 6])], [], { name: 'baked' }))), UnsupportedError,
    "Reshape (node 'baked')", 'baked in', '-1');
  throws(() => lowerModel(build((g, _y, h) => g.node('Gemm', [g.node('Transpose', [h]), g.init('w', [6, 6])], [attr.int('transA', 1)], { name: 'ta' }))),
    UnsupportedError, "Gemm (node 'ta')", 'transA=1');
  throws(() => lowerModel(build((g, _y, h) => g.node('Gemm', [h, h], [], { name: 'rb' }))), UnsupportedError, "Gemm (node 'rb')", 'run-time B');
  throws(() => lowerModel(build((g, _y, h) => g.node('Gather', [h, g.input('idx', [3], I64)], [], { name: 'gg' }))),
    UnsupportedError, "Gather (node 'gg'): Gather with run-time indices from a run-time or integer tensor");
  throws(() => lowerModel(build((g, _y, h) => g.node('Gather', [g.init('tab', [10, 3]), h], [], { name: 'fidx' }))), ModelError, "Gather (node 'fidx')", 'indices must be integers');

  const noRnn = new GraphBuilder();
  noRnn.output(noRnn.node('Relu', [noRnn.input('x', [2])]));
  throws(() => lowerModel(noRnn.encode(), { source: 'relu.onnx' }), UnsupportedError, 'relu.onnx', 'no LSTM, GRU or RNN node', 'Relu');

  const untraced = new GraphBuilder();
  untraced.output(untraced.rnn('GRU', untraced.node('Reshape', [untraced.input('x', [6, 4]), untraced.constInts([3, 2, 4])]), 3, 4, { name: 'gru' })[0]);
  throws(() => lowerModel(untraced.encode()), UnsupportedError, "GRU (node 'gru'): X has dims [3, 2, 4]", 'could not trace');

  const dbl = new GraphBuilder();
  dbl.output(dbl.rnn('GRU', dbl.input('x', ['T', 'N', 2], DataType.DOUBLE), 3, 2)[1]);
  throws(() => lowerModel(dbl.encode()), UnsupportedError, "graph input 'x': type DOUBLE");
});

test('malformed graphs are ModelErrors naming the node or tensor', () => {
  const base = () => {
    const g = new GraphBuilder();
    const x = g.input('x', ['T', 'N', 2]);
    return { g, x };
  };
  let { g, x } = base();
  g.output(g.rnn('GRU', g.node('Relu', ['nowhere'], [], { name: 'r' }), 3, 2)[0]);
  throws(() => lowerModel(g.encode()), ModelError, "Relu (node 'r')", "'nowhere'");

  ({ g, x } = base());
  g.node('Relu', ['b'], [], { name: 'n1', outputs: ['a'] });
  g.node('Relu', ['a'], [], { name: 'n2', outputs: ['b'] });
  g.output(g.rnn('GRU', x, 3, 2)[0]).output('a');
  throws(() => lowerModel(g.encode()), ModelError, 'cycle', "node 'n1'", "node 'n2'");

  ({ g, x } = base());
  g.node('Relu', [x], [], { name: 'twice1', outputs: ['v'] });
  g.node('Relu', [x], [], { name: 'twice2', outputs: ['v'] });
  g.output(g.rnn('GRU', 'v', 3, 2)[0]);
  throws(() => lowerModel(g.encode()), ModelError, "'v'", "node 'twice2'", "node 'twice1'");

  ({ g, x } = base());
  g.output(g.rnn('GRU', x, 3, 5, { name: 'gru' })[0]);
  throws(() => lowerModel(g.encode()), ModelError, "input W ('gru.W') of node 'gru'", 'input_size=2');

  const feat = new GraphBuilder();
  feat.output(feat.rnn('GRU', feat.input('x', ['T', 'N', 'F']), 3, 2)[0]);
  throws(() => lowerModel(feat.encode()), ModelError, "graph input 'x'", "axis 2 is 'F'");

  ({ g, x } = base());
  g.output(g.rnn('GRU', x, 3, 2)[0], ['T', 1, 'N', 7]);
  throws(() => lowerModel(g.encode()), ModelError, "graph output 'GRU_0_out0'", '[seq, 1, batch, 3]');

  ({ g, x } = base());
  g.output(g.rnn('GRU', x, 3, 2)[0]).output(g.node('Reshape', [g.init('k', [2, 3]), g.constInts([4, 2])], [], { name: 'rs' }));
  throws(() => lowerModel(g.encode()), ModelError, "Reshape (node 'rs')", 'cannot reshape [2, 3]');

  ({ g, x } = base());
  g.output(g.rnn('GRU', x, 3, 2)[0]);
  throws(() => lowerModel(g.encode(), { batch: 0 }), ModelError, '--batch');

  const both = new GraphBuilder();
  const bx = both.input('x', [5, 5, 2]);
  both.output(both.rnn('GRU', bx, 3, 2)[0]).output(both.rnn('GRU', both.node('Transpose', [bx], [attr.ints('perm', [1, 0, 2])]), 3, 2)[0]);
  throws(() => lowerModel(both.encode()), ModelError, "graph input 'x'", 'axis');

  throws(() => lowerModel(new TextEncoder().encode('not a model'), { source: 'x.txt' }), ModelError, 'x.txt');
});

test('declared sizes on seq and batch axes are run-time symbols; maxBatch from --batch, else the declared batch', () => {
  const g = new GraphBuilder();
  g.output(g.rnn('LSTM', g.input('x', [7, 5, 2]), 3, 2)[1]);
  const bytes = g.encode();
  const s = lowerModel(bytes).program;
  assert.equal(s.inputs[0].dims, ['seq', 'batch', 2]);
  assert.is(s.maxBatch, 5);
  assert.is(lowerModel(bytes, { batch: 2 }).program.maxBatch, 2);
  assert.equal(s.outputs[0].dims, [1, 'batch', 3]);
});


sharedTest('the 12 single-node backend-test models lower to one RNN step with the descriptor and feeds the node declares', () => {
  for (const dir of fs.readdirSync(CONFORMANCE)) {
    const bytes = fs.readFileSync(path.join(CONFORMANCE, dir, 'model.onnx'));
    // What the retired single-node importer built: the node's attributes, the sizes its declared
    // inputs give, the optional inputs present; every graph input a feed (sequence_lens int32).
    const model = onnx.ModelProto.decode(bytes);
    const graph = model.graph!;
    const [node] = graph.node!;
    const inputs = node.input!;
    const cell = cellOfOp(node.opType ?? '')!.kind;
    const attrs = readRnnAttributes(node, cell, defaultOpset(model, dir), dir);
    const declared = (name: string) => declaredType(graph.input!.find((v) => v.name === name)!)!.dims as number[];
    const want = describeCell({
      cell, inputSize: declared(inputs[1])[2], hiddenSize: attrs.hiddenSize ?? declared(inputs[2])[2],
      maxBatch: declared(inputs[0])[attrs.layout === 1 ? 0 : 1], direction: attrs.direction, layout: attrs.layout,
      activations: attrs.activations, clip: attrs.clip, linearBeforeReset: attrs.linearBeforeReset, inputForget: attrs.inputForget,
      hasSequenceLens: !!inputs[4], hasInitialH: !!inputs[5], hasInitialC: !!inputs[6], hasPeepholes: !!inputs[7],
    });
    const { program: s } = lowerModel(bytes, { source: dir });
    checkRefs(s);
    assert.equal(ops(s), ['rnn'], dir);
    assert.equal(stepOf(s, 'rnn').descriptor, want, dir);
    assert.equal(s.inputs.map((i) => [i.name, i.dtype]), graph.input!.map((v) => [v.name, inputs.indexOf(v.name!) === 4 ? 'int32' : 'float32']), dir);
    assert.equal(s.outputs.map((o) => o.name), graph.output!.map((o) => o.name), dir);
  }
});

test('a pre-net (MatMul + Add + Relu) before a batch-first Transpose: axes traced through it, Gemm bias summed with a following Add', () => {
  const g = new GraphBuilder();
  const x = g.input('x', [2, 9, 6]);
  const pre = g.node('Relu', [g.node('Add', [g.node('MatMul', [x, g.init('pw', [6, 4])], [], { name: 'pre' }), g.init('pb', [4], [1, 1, 1, 1])], [], { name: 'pre_add' })]);
  const [, yh] = g.rnn('GRU', g.node('Transpose', [pre], [attr.ints('perm', [1, 0, 2])]), 3, 4, { name: 'gru' });
  const h = g.node('Squeeze', [yh, g.constInts([0])]);
  const fc = g.node('Gemm', [h, g.init('fw', [3, 2]), g.init('fb', [2], [10, 20])], [], { name: 'fc' });
  g.node('Add', [g.init('more', [1, 2], [1, 2]), fc], [], { name: 'more', outputs: ['out'] });
  g.output('out', [2, 2]);
  const { program: s } = lowerModel(g.encode());
  checkRefs(s);
  assert.equal(ops(s), ['gemm', 'relu', 'rnn', 'gemm']);
  assert.equal(s.inputs[0].dims, ['batch', 'seq', 6]);
  assert.is(s.maxBatch, 2);
  assert.equal(constData(s, stepOf(s, 'gemm').bias), [1, 1, 1, 1]);
  assert.ok(stepOf(s, 'rnn').inputBatchMajor);
  const fcs = stepOf(s, 'gemm', 1);
  assert.equal(constData(s, fcs.bias), [11, 22]);
  assert.is(s.outputs[0].buffer, fcs.out.buffer);
});

test('older opsets: Squeeze/Unsqueeze axes and Slice bounds as attributes, Softmax coerced to 2-D', () => {
  const g = new GraphBuilder();
  g.opset = 9;
  const x = g.input('x', ['T', 'N', 2]);
  const [y] = g.rnn('RNN', x, 3, 2);
  const ys = g.node('Squeeze', [y], [attr.ints('axes', [1])]);
  const part = g.node('Slice', [ys], [attr.ints('starts', [1]), attr.ints('ends', [3]), attr.ints('axes', [2])]);
  const u = g.node('Unsqueeze', [part], [attr.ints('axes', [0])]);
  g.output(g.node('Softmax', [u], [attr.int('axis', 3)]));
  const { program: s } = lowerModel(g.encode());
  assert.equal(ops(s), ['rnn', 'slice', 'softmax']);
  assert.equal(stepOf(s, 'slice').ranges, [[0, 'seq', 1], [0, 'batch', 1], [1, 3, 1]]);
  assert.equal(stepOf(s, 'softmax').x.dims, [1, 'seq', 'batch', 2]);
  g.nodes[g.nodes.length - 1].attribute = [attr.int('axis', 1)];
  throws(() => lowerModel(g.encode()), UnsupportedError, 'Softmax (opset 9) over the flattened axes 1..3');
});


sharedTest('the lowered shared models, interpreted in float64, reproduce the outputs PyTorch recorded', () => {
  const calls: Record<string, (dims: number[]) => [number, number]> = {
    char_lstm: ([T, B]) => [T, B], kws_gru: ([B, T]) => [T, B], lstm_stream: ([T, B]) => [T, B],
  };
  for (const [name, seqBatch] of Object.entries(calls)) {
    const { modelBytes, sets } = loadTestDir(path.join(SHARED_MODELS, name));
    const { program } = lowerModel(modelBytes, { source: name });
    for (const set of sets) {
      const [seq, batch] = seqBatch(set.inputs[0].dims);
      const got = interpretProgram(program, seq, batch, Object.fromEntries(set.inputs.map((t) => [t.name, t.data])));
      for (const want of set.outputs) {
        const g = got[want.name];
        assert.is(g.length, want.data.length, `${name} ${want.name}`);
        const err = g.reduce((m, v, i) => Math.max(m, Math.abs(v - want.data[i])), 0);
        assert.ok(err < 1e-4, `${name} ${want.name}: max abs error ${err}`);
      }
    }
  }
});


sharedTest('char_lstm runs for a shorter sequence and a smaller batch than the export: a prefix of column 0', () => {
  const { modelBytes, sets: [set] } = loadTestDir(path.join(SHARED_MODELS, 'char_lstm'));
  const { program } = lowerModel(modelBytes);
  const [T, B] = set.inputs[0].dims;
  const [t, V] = [20, 64];
  const tokens = Array.from({ length: t }, (_, i) => set.inputs[0].data[i * B]);
  const got = interpretProgram(program, t, 1, { tokens }).logits;
  const want = Array.from({ length: t * V }, (_, i) => set.outputs[0].data[Math.floor(i / V) * B * V + (i % V)]);
  assert.ok(T > t);
  close(Array.from(got), want, 'logits[:20, 0]');
});

test.run();
