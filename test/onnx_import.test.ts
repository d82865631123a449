import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveDim } from '../contract/dims.js';
import { ModelError, UnsupportedError } from '../contract/errors.js';
import { compileModel } from '../compiler/index.js';
import { type LowerOptions, lowerModel } from '../compiler/frontend/index.js';
import { type BufRef, type ConstRef, type ConstantSpec, type Operand, type Program, isConst } from '../compiler/frontend/program.js';
import { DataType, int64ToNumber, onnx } from '../compiler/onnx/proto.js';
import type { InputRole, OutputRole } from '../compiler/ops/rnn_shapes.js';
import { loadTestDir } from '../compiler/onnx/testdata.js';
import type { CopyStep } from '../compiler/ops/copy.js';
import type { GemmStep } from '../compiler/ops/matmul.js';
import type { RnnStep } from '../compiler/ops/rnn.js';
import { type ModelSpec, attr, encodeModel, floatTensor, makeFeed, rnnSpec, valueInfo } from './onnx_builder.js';
import { CONFORMANCE, SHARED_MODELS, sharedTest } from './paths.js';
import { throws } from './throws.js';

// ONNX import, checked through the pipeline that ships (lowerModel: whole graph -> program). The
// model's run-time feeds are the program's inputs; the ONNX input slot a feed binds to is the RNN
// step's operand reading its buffer; constants are the step's constant operands.
const lower = (bytes: Uint8Array, options?: LowerOptions): Program => lowerModel(bytes, options).program;
const lowerSpec = (spec: ModelSpec, options?: LowerOptions): Program => lower(encodeModel(spec), options);
const rnnStep = (p: Program) => p.steps.find((s) => s.op === 'rnn') as RnnStep;
const descriptorOf = (spec: ModelSpec, options?: LowerOptions) => rnnStep(lowerSpec(spec, options)).descriptor;
const constantOf = (p: Program, o: Operand | null): ConstantSpec | undefined => p.constants.find((c) => c.id === (o as ConstRef).constant);
/** The step's operand for each ONNX input slot. */
const operands = (s: RnnStep): Record<InputRole, Operand | null> => ({
  X: s.x, W: s.W, R: s.R, B: s.B, sequence_lens: s.sequenceLens, initial_h: s.initialH, initial_c: s.initialC, P: s.P,
});
/** The input slot each program input feeds: the operand of the RNN step that reads its buffer. */
const inputRoles = (p: Program, s: RnnStep) =>
  p.inputs.map((i) => Object.entries(operands(s)).find(([, o]) => o && !isConst(o) && o.buffer === i.buffer)?.[0] as InputRole | undefined);
/** The output slot (Y, Y_h, Y_c) of the RNN step behind each program output. */
const outputRoles = (p: Program, s: RnnStep) =>
  p.outputs.map((o) => Object.entries({ Y: s.y, Y_h: s.yH, Y_c: s.yC }).find(([, r]) => r?.buffer === o.buffer)?.[0] as OutputRole | undefined);

const CONFORMANCE_MODELS: Record<string, { cell: string; I: number; H: number; batch: number; layout: number; feeds: string[]; outputs: string[] }> = {
  test_gru_batchwise: { cell: 'gru', I: 2, H: 6, batch: 3, layout: 1, feeds: ['X', 'W', 'R'], outputs: ['Y', 'Y_h'] },
  test_gru_defaults: { cell: 'gru', I: 2, H: 5, batch: 3, layout: 0, feeds: ['X', 'W', 'R'], outputs: ['Y_h'] },
  test_gru_seq_length: { cell: 'gru', I: 3, H: 5, batch: 3, layout: 0, feeds: ['X', 'W', 'R', 'B'], outputs: ['Y_h'] },
  test_gru_with_initial_bias: { cell: 'gru', I: 3, H: 3, batch: 3, layout: 0, feeds: ['X', 'W', 'R', 'B'], outputs: ['Y_h'] },
  test_lstm_batchwise: { cell: 'lstm', I: 2, H: 7, batch: 3, layout: 1, feeds: ['X', 'W', 'R'], outputs: ['Y', 'Y_h'] },
  test_lstm_defaults: { cell: 'lstm', I: 2, H: 3, batch: 3, layout: 0, feeds: ['X', 'W', 'R'], outputs: ['Y_h'] },
  test_lstm_with_initial_bias: { cell: 'lstm', I: 3, H: 4, batch: 3, layout: 0, feeds: ['X', 'W', 'R', 'B'], outputs: ['Y_h'] },
  test_lstm_with_peepholes: {
    cell: 'lstm', I: 4, H: 3, batch: 2, layout: 0,
    feeds: ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'], outputs: ['Y_h'],
  },
  test_rnn_seq_length: { cell: 'rnn', I: 3, H: 5, batch: 3, layout: 0, feeds: ['X', 'W', 'R', 'B'], outputs: ['Y_h'] },
  test_simple_rnn_batchwise: { cell: 'rnn', I: 2, H: 4, batch: 3, layout: 1, feeds: ['X', 'W', 'R'], outputs: ['Y', 'Y_h'] },
  test_simple_rnn_defaults: { cell: 'rnn', I: 2, H: 4, batch: 3, layout: 0, feeds: ['X', 'W', 'R'], outputs: ['Y_h'] },
  test_simple_rnn_with_initial_bias: { cell: 'rnn', I: 3, H: 5, batch: 3, layout: 0, feeds: ['X', 'W', 'R', 'B'], outputs: ['Y_h'] },
};
const DEFAULT_ACTS: Record<string, string[]> = { lstm: ['Sigmoid', 'Tanh', 'Tanh'], gru: ['Sigmoid', 'Tanh'], rnn: ['Tanh'] };

sharedTest('all 12 backend-test models lower with the descriptor their attributes give', () => {
  assert.equal(fs.readdirSync(CONFORMANCE).sort(), Object.keys(CONFORMANCE_MODELS).sort());
  for (const [dir, want] of Object.entries(CONFORMANCE_MODELS)) {
    const bytes = fs.readFileSync(path.join(CONFORMANCE, dir, 'model.onnx'));
    const p = lower(bytes, { source: dir });
    const step = rnnStep(p);
    const d = step.descriptor;
    const msg = `${dir}`;
    assert.equal(p.steps.map((s) => s.op), ['rnn'], msg);
    assert.is(d.cell, want.cell, msg);
    assert.is(d.inputSize, want.I, msg);
    assert.is(d.hiddenSize, want.H, msg);
    assert.is(d.maxBatch, want.batch, msg);
    assert.is(d.layout, want.layout, msg);
    assert.is(d.direction, 'forward', msg);
    assert.equal(d.activations.map((a) => a.name), DEFAULT_ACTS[d.cell], msg);
    // The program does not carry the opset: these files import 14 (the range is checked in 'opset must be 7..21').
    const opsets = (onnx.ModelProto.decode(bytes).opsetImport ?? []).map((o) => [o.domain ?? '', int64ToNumber(o.version)]);
    assert.equal(opsets, [['', 14]], msg);
    assert.is(step.node, `${d.cell === 'lstm' ? 'LSTM' : d.cell === 'gru' ? 'GRU' : 'RNN'}_0`, msg);
    assert.equal(inputRoles(p, step), want.feeds, msg);
    assert.equal(p.inputs.map((i) => i.name), want.feeds, msg);
    assert.equal(p.constants, [], msg);
    assert.ok(Object.values(operands(step)).every((o) => !o || !isConst(o)), `${msg}: no operand is a constant`);
    assert.equal(outputRoles(p, step), want.outputs, msg);
    const all = want.feeds.length === 8;
    assert.is(d.hasSequenceLens, all, msg);
    assert.is(d.hasInitialH, all, msg);
    assert.is(d.hasInitialC, all, msg);
    assert.is(d.hasPeepholes, all, msg);
  }
});

sharedTest('backend-test data sets match the program\'s inputs and outputs', () => {
  for (const dir of Object.keys(CONFORMANCE_MODELS)) {
    const { modelBytes, sets } = loadTestDir(path.join(CONFORMANCE, dir));
    const p = lower(modelBytes, { source: dir });
    assert.is(sets.length, 1, dir);
    const [set] = sets;
    assert.equal(set.inputs.map((t) => t.name), p.inputs.map((i) => i.name), dir);
    // The program names the traced axes 'seq' and 'batch' where the old importer kept the declared
    // sizes: they resolve to the data set's sequence length (X's seq axis) and the model's batch.
    const seq = set.inputs[0].dims[p.inputs[0].dims.indexOf('seq')];
    set.inputs.forEach((t, i) => {
      assert.equal(t.dims, p.inputs[i].dims.map((d) => resolveDim(d, { seq, batch: p.maxBatch })), `${dir} ${t.name}`);
      assert.is(t.dtype, p.inputs[i].dtype, `${dir} ${t.name}`);
    });
    assert.equal(set.outputs.map((t) => t.name), p.outputs.map((o) => o.name), dir);
  }
  const peep = loadTestDir(path.join(CONFORMANCE, 'test_lstm_with_peepholes')).sets[0];
  assert.equal(Array.from(peep.inputs[4].data), [1, 1]);
});

sharedTest('shared PyTorch models are whole graphs: they lower to steps of the ops the single-node importer refused', () => {
  const load = (name: string) => {
    const bytes = fs.readFileSync(path.join(SHARED_MODELS, name, 'model.onnx'));
    return { bytes, ...lowerModel(bytes, { source: name }) };
  };
  const steps = (p: Program) => p.steps.map((s) => [s.op, s.node]);

  const char = load('char_lstm');
  assert.equal(steps(char.program), [['gather', '/emb/Gather'], ['rnn', '/rnn/LSTM'], ['rnn', '/rnn/LSTM_1'], ['gemm', '/fc/MatMul']]);
  const fc = char.program.steps[3] as GemmStep;
  assert.is(constantOf(char.program, fc.bias)?.name, 'fc.bias', "Add '/fc/Add' is the GEMM's bias");
  assert.ok(char.summary.some((l) => l.includes("Add '/fc/Add' fused as bias")), char.summary.join('\n'));

  const kws = load('kws_gru');
  assert.equal(steps(kws.program), [['rnn', '/rnn/GRU'], ['gemm', '/fc/Gemm'], ['softmax', '/Softmax']]);
  assert.ok(rnnStep(kws.program).inputBatchMajor, "Transpose '/rnn/Transpose' is folded into the GRU's read of X");
  assert.ok(kws.summary.some((l) => l.includes("Transpose '/rnn/Transpose' folded")), kws.summary.join('\n'));

  const stream = load('lstm_stream');
  assert.equal(steps(stream.program), [['rnn', '/rnn/LSTM']]);
  // Squeeze '/rnn/Squeeze' is a view: graph output y is the LSTM's Y buffer seen without its direction axis.
  assert.ok(stream.summary.some((l) => l.includes("view '/rnn/Squeeze' (Squeeze)")), stream.summary.join('\n'));
  assert.is(stream.program.outputs.find((o) => o.name === 'y')?.buffer, rnnStep(stream.program).y?.buffer);

  for (const { bytes, program, summary } of [char, kws, stream]) {
    const constants = (onnx.ModelProto.decode(bytes).graph?.node ?? []).filter((n) => n.opType === 'Constant').map((n) => n.name);
    assert.ok(constants.length > 0);
    assert.ok(program.steps.every((s) => !constants.includes(s.node)), 'Constant nodes are folded, not steps');
    assert.ok(summary.some((l) => l.startsWith('folded at compile time') && l.includes('Constant ')), summary.join('\n'));
  }
});

test('initializers and Constant outputs are constants; graph inputs are feeds', () => {
  const spec = rnnSpec();
  spec.initializers = spec.initializers.filter((t) => t.name !== 'R');
  spec.before.push({ name: 'c', opType: 'Constant', input: [], output: ['R'], attribute: [attr.tensor('value', floatTensor('', [1, 12, 3]))] });
  spec.inputs.push(valueInfo('B', [1, 24])); // old convention: a graph input with an initializer is a constant
  const p = lowerSpec(spec);
  const s = rnnStep(p);
  assert.ok(isConst(s.W) && isConst(s.R) && !!s.B && isConst(s.B));
  assert.equal(p.constants.map((c) => c.name).sort(), ['B', 'R', 'W']);
  assert.equal(constantOf(p, s.R)!.dims, [1, 12, 3]);
  assert.is(constantOf(p, s.W)!.data.length, 24);
  assert.ok(Math.abs(constantOf(p, s.W)!.data[5] - 0.05) < 1e-7);
  assert.equal(p.inputs.map(({ name, dtype, dims }) => ({ name, dtype, dims })), [{ name: 'X', dtype: 'float32', dims: ['seq', 'batch', 2] }]);
  assert.equal(inputRoles(p, s), ['X']);
  assert.equal(p.outputs.map((o) => o.name), ['Y', 'Y_h']);
  assert.equal(outputRoles(p, s), ['Y', 'Y_h']);
  assert.is(s.node, 'cell');
  assert.is(s.descriptor.maxBatch, 1);
  assert.is(descriptorOf(spec, { batch: 4 }).maxBatch, 4);
});

test('feeds keep graph-input order and declared dims; sequence_lens is int32', () => {
  const spec = rnnSpec();
  spec.node.input = ['X', 'W', 'R', 'B', 'lens', 'h0'];
  spec.inputs.unshift(valueInfo('h0', [1, null, 3]));
  spec.inputs.push(valueInfo('lens', ['batch'], DataType.INT32));
  const p = lowerSpec(spec);
  const s = rnnStep(p);
  assert.equal(p.inputs.map((i) => [i.name, i.dtype]), [['h0', 'float32'], ['X', 'float32'], ['lens', 'int32']]);
  assert.equal(inputRoles(p, s), ['initial_h', 'X', 'sequence_lens']);
  // The old importer kept the unknown dim as '?'; the pipeline traces it as initial_h's batch axis.
  assert.equal(p.inputs[0].dims, [1, 'batch', 3]);
  assert.ok(s.descriptor.hasSequenceLens && s.descriptor.hasInitialH && !s.descriptor.hasInitialC);
});

test('sizes: hidden_size inferred, input size from X, batch declared by the model unless --batch is given', () => {
  const spec = rnnSpec();
  spec.node.attribute = [];
  assert.is(descriptorOf(spec).hiddenSize, 3);

  // Weights fed with dims that do not tell the hidden size: the pipeline needs every dim of a graph
  // input other than seq and batch to be a number, so it refuses them at the graph input.
  const fed = rnnSpec();
  fed.node.attribute = [];
  makeFeed(fed, 'W', [1, 'gh', 'i']);
  makeFeed(fed, 'R', null);
  throws(() => lowerSpec(fed), ModelError, "graph input 'W'", "axis 1 is 'gh'", 'not a number');
  fed.inputs[1] = valueInfo('W', [1, 12, 2]);
  throws(() => lowerSpec(fed), ModelError, "graph input 'R'", 'declares no shape');
  // Constant weights whose dims do not tell it: no hidden_size, R of rank 2, W's 13 rows not 4*H.
  const unsized = rnnSpec();
  unsized.node.attribute = [];
  unsized.node.input = ['X', 'W', 'R'];
  unsized.initializers = [floatTensor('W', [1, 13, 2]), floatTensor('R', [1, 13])];
  throws(() => lowerSpec(unsized), ModelError, "node 'cell'", 'hidden_size');

  // The input size is X's last dim (fed weights must have numeric dims, which are checked against it).
  const sized = rnnSpec();
  for (const [name, dims] of [['W', [1, 12, 2]], ['R', [1, 12, 3]], ['B', [1, 24]]] as const) makeFeed(sized, name, [...dims]);
  assert.is(descriptorOf(sized).inputSize, 2);
  sized.inputs[0] = valueInfo('X', ['seq', 2, 2]);
  assert.is(descriptorOf(sized).maxBatch, 2);
  assert.is(descriptorOf(sized, { batch: 2 }).maxBatch, 2);
  // The old importer refused --batch 4 ("graph input 'X' fixes the batch to 2"); the pipeline reads a
  // declared size on the batch axis as a run-time symbol and compiles for the batch asked for.
  const p4 = lowerSpec(sized, { batch: 4 });
  assert.is(rnnStep(p4).descriptor.maxBatch, 4);
  assert.equal(p4.inputs[0].dims, ['seq', 'batch', 2]);
});

test('attributes map onto the descriptor', () => {
  const gru = rnnSpec('GRU');
  gru.node.attribute.push(attr.int('linear_before_reset', 1), attr.float('clip', 2.5), attr.strings('activations', ['sigmoid', 'TANH']));
  const d = descriptorOf(gru);
  assert.ok(d.linearBeforeReset);
  assert.is(d.clip, 2.5);
  assert.equal(d.activations.map((a) => a.name), ['Sigmoid', 'Tanh']);

  const bi = rnnSpec('LSTM');
  bi.node.attribute.push(attr.string('direction', 'bidirectional'), attr.int('input_forget', 1), attr.int('layout', 1));
  bi.initializers = [floatTensor('W', [2, 12, 2]), floatTensor('R', [2, 12, 3]), floatTensor('B', [2, 24])];
  bi.inputs = [valueInfo('X', ['batch', 'seq', 2])];
  bi.outputs = [valueInfo('Y', ['batch', 'seq', 2, 3]), valueInfo('Y_h', ['batch', 2, 3])];
  const b = descriptorOf(bi);
  assert.equal([b.direction, b.layout, b.inputForget, b.activations.length], ['bidirectional', 1, true, 6]);
});

test('activation_alpha/beta are consumed in activation order by the functions that take them', () => {
  const spec = rnnSpec('LSTM');
  spec.node.attribute.push(
    attr.strings('activations', ['LeakyRelu', 'hardsigmoid', 'Affine']),
    attr.floats('activation_alpha', [0.1, 0.3]),
    attr.floats('activation_beta', [0.6]),
  );
  const acts = descriptorOf(spec).activations.map((a) => [a.name, +a.alpha.toFixed(6), +a.beta.toFixed(6)]);
  // Affine finds both lists used up: the ONNX defaults (alpha 1, beta 0) apply.
  assert.equal(acts, [['LeakyRelu', 0.1, 0], ['HardSigmoid', 0.3, 0.6], ['Affine', 1, 0]]);

  spec.node.attribute = [attr.int('hidden_size', 3), attr.strings('activations', ['Tanh', 'Elu', 'LeakyRelu']), attr.floats('activation_alpha', [0.2])];
  const acts2 = descriptorOf(spec).activations.map((a) => [a.name, +a.alpha.toFixed(6)]);
  assert.equal(acts2, [['Tanh', 0], ['Elu', 0.2], ['LeakyRelu', 0.01]]);

  const rnn = rnnSpec('RNN');
  rnn.node.attribute.push(attr.strings('activations', ['Relu', 'Tanh'])); // the RNN schema default lists two
  assert.equal(descriptorOf(rnn).activations.map((a) => a.name), ['Relu']);
});

test('bad attributes name the node and the attribute', () => {
  const cases: [ReturnType<typeof attr.int> | ReturnType<typeof attr.string> | ReturnType<typeof attr.strings>, Function, ...string[]][] = [
    [attr.strings('activations', ['Sigmoid', 'Swish', 'Tanh']), UnsupportedError, "'Swish'", 'HardSigmoid'],
    [attr.int('output_sequence', 1), UnsupportedError, "node 'cell'", "'output_sequence'"],
    [attr.int('linear_before_reset', 1), UnsupportedError, "'linear_before_reset'", 'LSTM'],
    [attr.string('direction', 'sideways'), ModelError, "'sideways'"],
    [attr.int('layout', 2), ModelError, 'layout'],
    [attr.string('clip', 'x'), ModelError, "'clip'", 'FLOAT'],
    [attr.strings('activations', ['Sigmoid', 'Tanh']), ModelError, "node 'cell'", 'activations'],
  ];
  for (const [a, cls, ...parts] of cases) {
    const spec = rnnSpec('LSTM');
    spec.node.attribute.push(a);
    throws(() => lowerSpec(spec), cls, ...parts);
  }
  const spec = rnnSpec('LSTM');
  spec.opset = 13;
  spec.node.attribute.push(attr.int('layout', 0));
  throws(() => lowerSpec(spec), ModelError, 'layout', 'opset 13');
});

test('opset must be 7..21 for the default domain', () => {
  for (const v of [7, 13, 21]) {
    const spec = rnnSpec();
    spec.opset = v;
    assert.equal(lowerSpec(spec).steps.map((s) => [s.op, s.node]), [['rnn', 'cell']], `opset ${v}`);
  }
  for (const v of [6, 22]) {
    const spec = rnnSpec();
    spec.opset = v;
    throws(() => lowerSpec(spec, { source: 'm.onnx' }), UnsupportedError, 'm.onnx', `opset ${v}`, '7 to 21');
  }
  const spec = rnnSpec();
  spec.opset = null;
  throws(() => lowerSpec(spec), ModelError, 'opset');
});

test('graphs with no recurrent node, or an op rnnc does not know, are UnsupportedError; known ops around the RNN lower', () => {
  const spec = rnnSpec();
  spec.node = { name: 'act', opType: 'Relu', input: ['X'], output: ['Y'], attribute: [] };
  spec.before.push({ name: 'k', opType: 'Constant', output: ['k'], attribute: [attr.float('value_float', 1)] });
  // As built, the graph declares an output Y_h that nothing produces: the pipeline checks that first.
  throws(() => lowerSpec(spec, { source: 'relu.onnx' }), ModelError, 'relu.onnx', "graph output 'Y_h'", 'produced by no node');
  // Outputs the graph computes (the pipeline lists only the nodes some output depends on).
  spec.outputs = [valueInfo('Y', null), valueInfo('k', null)];
  throws(() => lowerSpec(spec, { source: 'relu.onnx' }), UnsupportedError, 'relu.onnx', 'no LSTM, GRU or RNN node', 'ops found: Constant, Relu');

  // A Relu before the GRU (the old importer refused it) and a node of a foreign domain.
  const extra = rnnSpec('GRU');
  extra.before.push({ name: 'pre', opType: 'Relu', input: ['X0'], output: ['X'] }, { opType: 'Gemm', domain: 'com.example', output: ['z'] });
  // As built, X is both a graph input and the Relu's output (and X0 comes from nowhere): a malformed graph.
  throws(() => lowerSpec(extra), ModelError, "value 'X'", "Relu (node 'pre')");
  extra.inputs = [valueInfo('X0', ['seq', 'batch', 2])];
  const p = lowerModel(encodeModel(extra));
  assert.equal(p.program.steps.map((s) => [s.op, s.node]), [['relu', 'pre'], ['rnn', 'cell']]);
  assert.ok(p.summary.includes('dropped: 1 node(s) no graph output depends on'), 'the Gemm nothing reads is dropped');
  extra.outputs.push(valueInfo('z', null));
  const e = throws(() => lowerSpec(extra), UnsupportedError, 'com.example.Gemm (node #1)', 'not supported', 'cannot be compiled');
  assert.not.ok(e.message.includes("node 'pre'"), 'the Relu is not listed');
});

test('inputs: X must be fed, types must match, every tensor must exist', () => {
  const xConst = rnnSpec();
  xConst.inputs = [];
  xConst.initializers.push(floatTensor('X', [1, 1, 2]));
  throws(() => lowerSpec(xConst), UnsupportedError, "LSTM (node 'cell')", 'X is a constant', 'fed at run time');

  const xDouble = rnnSpec();
  xDouble.inputs = [valueInfo('X', ['seq', 'batch', 2], DataType.DOUBLE)];
  throws(() => lowerSpec(xDouble), UnsupportedError, "graph input 'X'", 'DOUBLE', 'FLOAT');

  const lensFloat = rnnSpec();
  lensFloat.node.input = ['X', 'W', 'R', '', 'lens'];
  lensFloat.inputs.push(valueInfo('lens', ['batch']));
  throws(() => lowerSpec(lensFloat), ModelError, "input sequence_lens ('lens') of node 'cell'", 'int32', 'got float');

  const wInt = rnnSpec();
  wInt.initializers[0] = { name: 'W', dims: [1, 12, 2], dataType: DataType.INT32, int32Data: new Array(24).fill(1) };
  throws(() => lowerSpec(wInt), ModelError, "LSTM (node 'cell')", 'W must be float');

  const missing = rnnSpec();
  missing.node.input = ['X', 'W', 'R', 'nowhere'];
  throws(() => lowerSpec(missing), ModelError, "LSTM (node 'cell')", "input 'nowhere'", 'no graph input, initializer or node output');

  const noR = rnnSpec();
  noR.node.input = ['X', 'W', ''];
  throws(() => lowerSpec(noR), ModelError, "node 'cell'", 'required input R');

  const external = rnnSpec();
  external.initializers[1] = { name: 'R', dims: [1, 12, 3], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'r.bin' }] };
  throws(() => lowerSpec(external), UnsupportedError, "initializer 'R'", 'EXTERNAL');

  // The old importer baked a constant sequence_lens in, checking its values against 0..seq. The
  // pipeline refuses a constant one whatever its values, and checks a fed one at run time.
  const lensConst = rnnSpec();
  lensConst.node.input = ['X', 'W', 'R', 'B', 'lens'];
  lensConst.inputs = [valueInfo('X', [4, 2, 2])];
  for (const values of [[4, 5], [4, 2]]) {
    lensConst.initializers[3] = { name: 'lens', dims: [2], dataType: DataType.INT64, int64Data: values };
    throws(() => lowerSpec(lensConst), UnsupportedError, "LSTM (node 'cell')", 'sequence_lens is a constant', 'feed it as a graph input');
  }
  lensConst.initializers.pop();
  lensConst.inputs.push(valueInfo('lens', [2], DataType.INT64));
  const { artifact } = compileModel(encodeModel(lensConst));
  const lens = artifact.manifest.inputs.find((i) => i.name === 'lens')!;
  assert.equal([lens.dtype, lens.dims], ['int32', ['batch']]);
  assert.equal(artifact.manifest.checks, [{ buffer: lens.buffer, bound: 'seq', what: "input 'lens' (sequence_lens of node 'cell')" }]);
});

test('dims that disagree with the spec name the tensor, expected and actual dims', () => {
  const cases: [(s: ReturnType<typeof rnnSpec>) => void, ...string[]][] = [
    [(s) => { s.node.attribute = [attr.int('hidden_size', 4)]; }, "input W ('W') of node 'cell'", '4*hidden_size=16', 'got [1, 12, 2]'],
    [(s) => { s.initializers[2] = floatTensor('B', [1, 12]); }, "input B ('B') of node 'cell'", '[num_directions=1, 8*hidden_size=24]', 'got [1, 12]'],
    [(s) => { s.initializers[0] = floatTensor('W', [12, 2]); }, "input W ('W') of node 'cell'", 'got [12, 2]'],
    // The input size is X's last dim, so the disagreement is reported on W.
    [(s) => { s.inputs[0] = valueInfo('X', ['seq', 'batch', 5]); }, "input W ('W') of node 'cell'", 'input_size=5', 'got [1, 12, 2]'],
    [(s) => { s.outputs[1] = valueInfo('Y_h', [1, 'batch', 7]); }, "graph output 'Y_h'", 'declared [1, batch, 7]', 'computes [1, batch, 3]'],
    [(s) => { s.node.input.push('', 'h0'); s.inputs.push(valueInfo('h0', [2, 1, 3])); }, "input initial_h ('h0') of node 'cell'", 'num_directions=1', 'got [2, batch, 3]'],
  ];
  for (const [edit, ...parts] of cases) {
    const spec = rnnSpec();
    edit(spec);
    throws(() => lowerSpec(spec), ModelError, ...parts);
  }
});

test('outputs: at least one; graph outputs in graph order, each a buffer of the program', () => {
  const none = rnnSpec();
  none.outputs = [];
  throws(() => lowerSpec(none, { source: 'none.onnx' }), ModelError, 'none.onnx', 'the graph has no outputs');
  // The old importer refused a graph output that is not an output of the node; the pipeline returns
  // it: graph input X is copied to an output buffer of its own.
  const stray = rnnSpec();
  stray.outputs.push(valueInfo('X', null));
  const p = lowerSpec(stray);
  assert.equal(p.outputs.map((o) => o.name), ['Y', 'Y_h', 'X']);
  assert.equal(outputRoles(p, rnnStep(p)), ['Y', 'Y_h', undefined]);
  const copy = p.steps.find((s) => s.op === 'copy') as CopyStep;
  assert.is(copy.node, "output 'X'");
  assert.equal([(copy.x as BufRef).buffer, copy.out.buffer], [p.inputs[0].buffer, p.outputs[2].buffer]);
  const lstm = rnnSpec();
  lstm.node.output = ['', 'h', 'c'];
  lstm.outputs = [valueInfo('c', null), valueInfo('h', null)];
  const pl = lowerSpec(lstm);
  assert.equal(pl.outputs.map((o) => o.name), ['c', 'h']);
  assert.equal(outputRoles(pl, rnnStep(pl)), ['Y_c', 'Y_h']);
  assert.is(rnnStep(pl).y, null);
});

sharedTest('bytes that are not a model give ModelError naming the source', () => {
  const real = fs.readFileSync(path.join(CONFORMANCE, 'test_lstm_with_peepholes', 'model.onnx'));
  for (let n = 0; n < real.length; n++) {
    throws(() => lower(real.subarray(0, n), { source: 'cut.onnx' }), ModelError, 'cut.onnx');
  }
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
  for (let k = 0; k < 50; k++) {
    const junk = Uint8Array.from({ length: 1 + k * 37 }, rand);
    throws(() => lower(junk, { source: 'junk.bin' }), ModelError, 'junk.bin', 'not an ONNX model');
  }
  const text = new TextEncoder().encode('# README\nThis is a text file, not a model.\n');
  throws(() => lower(text, { source: 'README.md' }), ModelError, 'README.md', 'not an ONNX model');
  const tensorFile = fs.readFileSync(path.join(CONFORMANCE, 'test_lstm_defaults', 'test_data_set_0', 'input_0.pb'));
  throws(() => lower(tensorFile, { source: 'input_0.pb' }), ModelError, 'input_0.pb');
});

test.run();
