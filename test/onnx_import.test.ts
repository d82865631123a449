import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importRnnModel } from '../compiler/onnx/import.js';
import { DataType } from '../compiler/onnx/proto.js';
import { loadTestDir } from '../compiler/onnx/testdata.js';
import { ModelError, UnsupportedError } from '../contract/errors.js';
import { attr, encodeModel, floatTensor, makeFeed, rnnSpec, valueInfo } from './onnx_builder.js';
import { CONFORMANCE, SHARED_MODELS, sharedTest } from './paths.js';
import { throws } from './throws.js';

/** What each backend-test model's attributes and declared dims say (read off the models). */
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

sharedTest('all 12 backend-test models import with the descriptor their attributes give', () => {
  assert.equal(fs.readdirSync(CONFORMANCE).sort(), Object.keys(CONFORMANCE_MODELS).sort());
  for (const [dir, want] of Object.entries(CONFORMANCE_MODELS)) {
    const bytes = fs.readFileSync(path.join(CONFORMANCE, dir, 'model.onnx'));
    const m = importRnnModel(bytes, { source: dir });
    const d = m.descriptor;
    const msg = `${dir}`;
    assert.is(d.cell, want.cell, msg);
    assert.is(d.inputSize, want.I, msg);
    assert.is(d.hiddenSize, want.H, msg);
    assert.is(d.maxBatch, want.batch, msg);
    assert.is(d.layout, want.layout, msg);
    assert.is(d.direction, 'forward', msg);
    assert.equal(d.activations.map((a) => a.name), DEFAULT_ACTS[d.cell], msg);
    assert.is(m.opset, 14, msg);
    assert.is(m.nodeName, `${d.cell === 'lstm' ? 'LSTM' : d.cell === 'gru' ? 'GRU' : 'RNN'}_0`, msg);
    assert.equal(m.feeds.map((f) => f.role), want.feeds, msg);
    assert.equal(m.feeds.map((f) => f.name), want.feeds, msg);
    assert.equal(Object.keys(m.constants), [], msg);
    assert.equal(m.outputs.map((o) => o.role), want.outputs, msg);
    const all = want.feeds.length === 8;
    assert.is(d.hasSequenceLens, all, msg);
    assert.is(d.hasInitialH, all, msg);
    assert.is(d.hasInitialC, all, msg);
    assert.is(d.hasPeepholes, all, msg);
  }
});

sharedTest('backend-test data sets match the imported feeds and outputs', () => {
  for (const dir of Object.keys(CONFORMANCE_MODELS)) {
    const { modelBytes, sets } = loadTestDir(path.join(CONFORMANCE, dir));
    const m = importRnnModel(modelBytes, { source: dir });
    assert.is(sets.length, 1, dir);
    const [set] = sets;
    assert.equal(set.inputs.map((t) => t.name), m.feeds.map((f) => f.name), dir);
    set.inputs.forEach((t, i) => {
      assert.equal(t.dims, m.feeds[i].dims, `${dir} ${t.name}`);
      assert.is(t.dtype, m.feeds[i].dtype, `${dir} ${t.name}`);
    });
    assert.equal(set.outputs.map((t) => t.name), m.outputs.map((o) => o.name), dir);
  }
  const peep = loadTestDir(path.join(CONFORMANCE, 'test_lstm_with_peepholes')).sets[0];
  assert.equal(Array.from(peep.inputs[4].data), [1, 1]);
});

sharedTest('shared PyTorch models are whole graphs: UnsupportedError listing the ops', () => {
  const expect: Record<string, string[]> = {
    char_lstm: ["Gather (node '/emb/Gather')", "LSTM (node '/rnn/LSTM_1')", "MatMul (node '/fc/MatMul')", "Add (node '/fc/Add')"],
    kws_gru: ["Transpose (node '/rnn/Transpose')", "Gemm (node '/fc/Gemm')", "Softmax (node '/Softmax')"],
    lstm_stream: ["Squeeze (node '/rnn/Squeeze')"],
  };
  for (const [name, parts] of Object.entries(expect)) {
    const bytes = fs.readFileSync(path.join(SHARED_MODELS, name, 'model.onnx'));
    const e = throws(() => importRnnModel(bytes, { source: name }), UnsupportedError, name, 'one LSTM, GRU or RNN node', ...parts);
    assert.not.ok(e.message.includes('Constant ('), `${name}: Constant nodes are not listed`);
  }
});

test('initializers and Constant outputs are constants; graph inputs are feeds', () => {
  const spec = rnnSpec();
  spec.initializers = spec.initializers.filter((t) => t.name !== 'R');
  spec.before.push({ name: 'c', opType: 'Constant', input: [], output: ['R'], attribute: [attr.tensor('value', floatTensor('', [1, 12, 3]))] });
  spec.inputs.push(valueInfo('B', [1, 24])); // old convention: a graph input with an initializer is a constant
  const m = importRnnModel(encodeModel(spec));
  assert.equal(Object.keys(m.constants).sort(), ['B', 'R', 'W']);
  assert.equal(m.constants.R!.dims, [1, 12, 3]);
  assert.is(m.constants.W!.data.length, 24);
  assert.ok(Math.abs(m.constants.W!.data[5] - 0.05) < 1e-7);
  assert.equal(m.feeds, [{ name: 'X', role: 'X', dtype: 'float32', dims: ['seq', 'batch', 2] }]);
  assert.equal(m.outputs, [{ name: 'Y', role: 'Y' }, { name: 'Y_h', role: 'Y_h' }]);
  assert.is(m.nodeName, 'cell');
  assert.is(m.descriptor.maxBatch, 1);
  assert.is(importRnnModel(encodeModel(spec), { batch: 4 }).descriptor.maxBatch, 4);
});

test('feeds keep graph-input order and declared dims; sequence_lens is int32', () => {
  const spec = rnnSpec();
  spec.node.input = ['X', 'W', 'R', 'B', 'lens', 'h0'];
  spec.inputs.unshift(valueInfo('h0', [1, null, 3]));
  spec.inputs.push(valueInfo('lens', ['batch'], DataType.INT32));
  const m = importRnnModel(encodeModel(spec));
  assert.equal(m.feeds.map((f) => [f.name, f.role, f.dtype]), [['h0', 'initial_h', 'float32'], ['X', 'X', 'float32'], ['lens', 'sequence_lens', 'int32']]);
  assert.equal(m.feeds[0].dims, [1, '?', 3]);
  assert.ok(m.descriptor.hasSequenceLens && m.descriptor.hasInitialH && !m.descriptor.hasInitialC);
});

test('sizes: hidden_size inferred, input size from X, batch fixed by the model', () => {
  const spec = rnnSpec();
  spec.node.attribute = [];
  assert.is(importRnnModel(encodeModel(spec)).descriptor.hiddenSize, 3);
  makeFeed(spec, 'W', [1, 'gh', 'i']);
  makeFeed(spec, 'R', null);
  throws(() => importRnnModel(encodeModel(spec)), ModelError, "node 'cell'", 'hidden_size');
  spec.node.attribute = [attr.int('hidden_size', 3)];
  assert.is(importRnnModel(encodeModel(spec)).descriptor.inputSize, 2);
  spec.inputs[0] = valueInfo('X', ['seq', 2, 2]);
  assert.is(importRnnModel(encodeModel(spec)).descriptor.maxBatch, 2);
  assert.is(importRnnModel(encodeModel(spec), { batch: 2 }).descriptor.maxBatch, 2);
  throws(() => importRnnModel(encodeModel(spec), { batch: 4 }), ModelError, "graph input 'X'", 'batch to 2');
});

test('attributes map onto the descriptor', () => {
  const gru = rnnSpec('GRU');
  gru.node.attribute.push(attr.int('linear_before_reset', 1), attr.float('clip', 2.5), attr.strings('activations', ['sigmoid', 'TANH']));
  const d = importRnnModel(encodeModel(gru)).descriptor;
  assert.ok(d.linearBeforeReset);
  assert.is(d.clip, 2.5);
  assert.equal(d.activations.map((a) => a.name), ['Sigmoid', 'Tanh']);

  const bi = rnnSpec('LSTM');
  bi.node.attribute.push(attr.string('direction', 'bidirectional'), attr.int('input_forget', 1), attr.int('layout', 1));
  bi.initializers = [floatTensor('W', [2, 12, 2]), floatTensor('R', [2, 12, 3]), floatTensor('B', [2, 24])];
  bi.inputs = [valueInfo('X', ['batch', 'seq', 2])];
  bi.outputs = [valueInfo('Y', ['batch', 'seq', 2, 3]), valueInfo('Y_h', ['batch', 2, 3])];
  const b = importRnnModel(encodeModel(bi)).descriptor;
  assert.equal([b.direction, b.layout, b.inputForget, b.activations.length], ['bidirectional', 1, true, 6]);
});

test('activation_alpha/beta are consumed in activation order by the functions that take them', () => {
  const spec = rnnSpec('LSTM');
  spec.node.attribute.push(
    attr.strings('activations', ['LeakyRelu', 'hardsigmoid', 'Affine']),
    attr.floats('activation_alpha', [0.1, 0.3]),
    attr.floats('activation_beta', [0.6]),
  );
  const acts = importRnnModel(encodeModel(spec)).descriptor.activations.map((a) => [a.name, +a.alpha.toFixed(6), +a.beta.toFixed(6)]);
  // Affine finds both lists used up: the ONNX defaults (alpha 1, beta 0) apply.
  assert.equal(acts, [['LeakyRelu', 0.1, 0], ['HardSigmoid', 0.3, 0.6], ['Affine', 1, 0]]);

  spec.node.attribute = [attr.int('hidden_size', 3), attr.strings('activations', ['Tanh', 'Elu', 'LeakyRelu']), attr.floats('activation_alpha', [0.2])];
  const acts2 = importRnnModel(encodeModel(spec)).descriptor.activations.map((a) => [a.name, +a.alpha.toFixed(6)]);
  assert.equal(acts2, [['Tanh', 0], ['Elu', 0.2], ['LeakyRelu', 0.01]]);

  const rnn = rnnSpec('RNN');
  rnn.node.attribute.push(attr.strings('activations', ['Relu', 'Tanh'])); // the RNN schema default lists two
  assert.equal(importRnnModel(encodeModel(rnn)).descriptor.activations.map((a) => a.name), ['Relu']);
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
    throws(() => importRnnModel(encodeModel(spec)), cls, ...parts);
  }
  const spec = rnnSpec('LSTM');
  spec.opset = 13;
  spec.node.attribute.push(attr.int('layout', 0));
  throws(() => importRnnModel(encodeModel(spec)), ModelError, 'layout', 'opset 13');
});

test('opset must be 7..21 for the default domain', () => {
  for (const v of [7, 13, 21]) {
    const spec = rnnSpec();
    spec.opset = v;
    assert.is(importRnnModel(encodeModel(spec)).opset, v);
  }
  for (const v of [6, 22]) {
    const spec = rnnSpec();
    spec.opset = v;
    throws(() => importRnnModel(encodeModel(spec), { source: 'm.onnx' }), UnsupportedError, 'm.onnx', `opset ${v}`, '7 to 21');
  }
  const spec = rnnSpec();
  spec.opset = null;
  throws(() => importRnnModel(encodeModel(spec)), ModelError, 'opset');
});

test('graphs with other ops, or no recurrent node, are UnsupportedError', () => {
  const spec = rnnSpec();
  spec.node = { name: 'act', opType: 'Relu', input: ['X'], output: ['Y'], attribute: [] };
  spec.before.push({ name: 'k', opType: 'Constant', output: ['k'], attribute: [attr.float('value_float', 1)] });
  throws(() => importRnnModel(encodeModel(spec), { source: 'relu.onnx' }), UnsupportedError, 'relu.onnx', 'no LSTM, GRU or RNN node', 'ops found: Constant, Relu');

  const extra = rnnSpec('GRU');
  extra.before.push({ name: 'pre', opType: 'Relu', input: ['X0'], output: ['X'] }, { opType: 'Gemm', domain: 'com.example', output: ['z'] });
  throws(() => importRnnModel(encodeModel(extra)), UnsupportedError, "Relu (node 'pre')", 'com.example.Gemm (node #1)', 'one LSTM, GRU or RNN node');
});

test('inputs: X must be fed, types must match, every tensor must exist', () => {
  const xConst = rnnSpec();
  xConst.inputs = [];
  xConst.initializers.push(floatTensor('X', [1, 1, 2]));
  throws(() => importRnnModel(encodeModel(xConst)), UnsupportedError, "initializer 'X'", 'fed at run time');

  const xDouble = rnnSpec();
  xDouble.inputs = [valueInfo('X', ['seq', 'batch', 2], DataType.DOUBLE)];
  throws(() => importRnnModel(encodeModel(xDouble)), UnsupportedError, "graph input 'X'", 'DOUBLE', 'FLOAT');

  const lensFloat = rnnSpec();
  lensFloat.node.input = ['X', 'W', 'R', '', 'lens'];
  lensFloat.inputs.push(valueInfo('lens', ['batch']));
  throws(() => importRnnModel(encodeModel(lensFloat)), UnsupportedError, "graph input 'lens'", 'sequence_lens', 'INT32');

  const wInt = rnnSpec();
  wInt.initializers[0] = { name: 'W', dims: [1, 12, 2], dataType: DataType.INT32, int32Data: new Array(24).fill(1) };
  throws(() => importRnnModel(encodeModel(wInt)), UnsupportedError, "initializer 'W'", 'float32');

  const missing = rnnSpec();
  missing.node.input = ['X', 'W', 'R', 'nowhere'];
  throws(() => importRnnModel(encodeModel(missing)), ModelError, 'input B', "'nowhere'");

  const noR = rnnSpec();
  noR.node.input = ['X', 'W', ''];
  throws(() => importRnnModel(encodeModel(noR)), ModelError, 'required input R');

  const external = rnnSpec();
  external.initializers[1] = { name: 'R', dims: [1, 12, 3], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'r.bin' }] };
  throws(() => importRnnModel(encodeModel(external)), UnsupportedError, "initializer 'R'", 'EXTERNAL');

  const lensConst = rnnSpec();
  lensConst.node.input = ['X', 'W', 'R', 'B', 'lens'];
  lensConst.inputs = [valueInfo('X', [4, 2, 2])];
  lensConst.initializers.push({ name: 'lens', dims: [2], dataType: DataType.INT64, int64Data: [4, 5] });
  throws(() => importRnnModel(encodeModel(lensConst)), ModelError, "initializer 'lens'", 'value 5', '0..4');
  lensConst.initializers[3].int64Data = [4, 2];
  assert.equal(Array.from(importRnnModel(encodeModel(lensConst)).constants.sequence_lens!.data), [4, 2]);
});

test('dims that disagree with the spec name the tensor, expected and actual dims', () => {
  const cases: [(s: ReturnType<typeof rnnSpec>) => void, ...string[]][] = [
    [(s) => { s.node.attribute = [attr.int('hidden_size', 4)]; }, "initializer 'W'", '4*hidden_size=16', 'got [1, 12, 2]'],
    [(s) => { s.initializers[2] = floatTensor('B', [1, 12]); }, "initializer 'B'", '[num_directions=1, 8*hidden_size=24]', 'got [1, 12]'],
    [(s) => { s.initializers[0] = floatTensor('W', [12, 2]); }, "initializer 'W'", 'got [12, 2]'],
    [(s) => { s.inputs[0] = valueInfo('X', ['seq', 'batch', 5]); }, "graph input 'X'", 'input_size=2', 'got [seq, batch, 5]'],
    [(s) => { s.outputs[1] = valueInfo('Y_h', [1, 'batch', 7]); }, "graph output 'Y_h'", 'hidden_size=3'],
    [(s) => { s.node.input.push('', 'h0'); s.inputs.push(valueInfo('h0', [2, 1, 3])); }, "graph input 'h0'", 'num_directions=1'],
  ];
  for (const [edit, ...parts] of cases) {
    const spec = rnnSpec();
    edit(spec);
    throws(() => importRnnModel(encodeModel(spec)), ModelError, ...parts);
  }
});

test('outputs: only Y/Y_h/Y_c of the node, and at least one', () => {
  const none = rnnSpec();
  none.outputs = [];
  throws(() => importRnnModel(encodeModel(none)), ModelError, "node 'cell'", 'graph output');
  const stray = rnnSpec();
  stray.outputs.push(valueInfo('X', null));
  throws(() => importRnnModel(encodeModel(stray)), UnsupportedError, "graph output 'X'", "node 'cell'");
  const lstm = rnnSpec();
  lstm.node.output = ['', 'h', 'c'];
  lstm.outputs = [valueInfo('c', null), valueInfo('h', null)];
  assert.equal(importRnnModel(encodeModel(lstm)).outputs, [{ name: 'c', role: 'Y_c' }, { name: 'h', role: 'Y_h' }]);
});

sharedTest('bytes that are not a model give ModelError naming the source', () => {
  const real = fs.readFileSync(path.join(CONFORMANCE, 'test_lstm_with_peepholes', 'model.onnx'));
  for (let n = 0; n < real.length; n++) {
    throws(() => importRnnModel(real.subarray(0, n), { source: 'cut.onnx' }), ModelError, 'cut.onnx');
  }
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
  for (let k = 0; k < 50; k++) {
    const junk = Uint8Array.from({ length: 1 + k * 37 }, rand);
    throws(() => importRnnModel(junk, { source: 'junk.bin' }), ModelError, 'junk.bin', 'not an ONNX model');
  }
  const text = new TextEncoder().encode('# README\nThis is a text file, not a model.\n');
  throws(() => importRnnModel(text, { source: 'README.md' }), ModelError, 'README.md', 'not an ONNX model');
  const tensorFile = fs.readFileSync(path.join(CONFORMANCE, 'test_lstm_defaults', 'test_data_set_0', 'input_0.pb'));
  throws(() => importRnnModel(tensorFile, { source: 'input_0.pb' }), ModelError, 'input_0.pb');
});

test.run();
