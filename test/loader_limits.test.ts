/**
 * Models shaped to break the front end's walks and allocations: chains of thousands of nodes, values
 * reached along exponentially many paths, dims far larger than the data present, folds that would
 * make gigantic constants, float tensors where ONNX wants integers. Each either compiles or throws one
 * of rnnc's errors naming the node or tensor; none reaches the caller as a plain JS error.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lowerModel } from '../compiler/frontend/index.js';
import { DataType, onnx } from '../compiler/onnx/proto.js';
import { decodeIntTensor, decodeTensor } from '../compiler/onnx/tensor.js';
import { nodeRules } from '../compiler/ops/index.js';
import type { TraceCtx } from '../compiler/ops/types.js';
import { ModelError, UnsupportedError } from '../contract/errors.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { throws } from './throws.js';

/** A GRU (H 3) reading X [seq, batch, 2] after `before` and writing `after(Y_h)` as the output. */
function gruModel(before: (g: GraphBuilder, x: string) => string, after: (g: GraphBuilder, h: string) => string = (_g, h) => h): Uint8Array {
  const g = new GraphBuilder();
  g.input('X', ['seq', 'batch', 2]);
  const [, h] = g.rnn('GRU', before(g, 'X'), 3, 2, { name: 'gru' });
  g.output(after(g, h));
  return g.encode();
}

const identities = (n: number) => (g: GraphBuilder, x: string) => {
  for (let i = 0; i < n; i++) x = g.node('Identity', [x]);
  return x;
};

test('chains of 7,000 Identity nodes before and after the RNN compile (the sort and the axis trace keep their own stacks)', () => {
  const before = lowerModel(gruModel(identities(7000)));
  assert.is(before.program.steps.length, 1);
  assert.equal(before.program.inputs[0].dims, ['seq', 'batch', 2], 'the seq and batch axes were traced through the whole chain');
  const after = lowerModel(gruModel((_g, x) => x, identities(7000)));
  assert.equal(after.program.outputs[0].dims, [1, 'batch', 3]);
});

test('the axis trace follows a value reached along 2^40 paths once per trail, not once per path', () => {
  const add = nodeRules('Add')!;
  const trace = add.trace!;
  let calls = 0;
  // Counted, and cut short long before 2^40 calls, so that a trace that walks every path fails fast.
  add.trace = (t: TraceCtx) => {
    if (++calls > 10_000) throw new Error('the axis trace walks every path');
    trace(t);
  };
  try {
    const { program } = lowerModel(gruModel((g, x) => {
      for (let i = 0; i < 40; i++) x = g.node('Add', [x, x]);
      return x;
    }));
    assert.equal(program.inputs[0].dims, ['seq', 'batch', 2]);
    assert.ok(calls <= 40, `Add's trace ran ${calls} times for 40 nodes`);
  } finally {
    add.trace = trace;
  }
});

test('a dim far beyond the data present is a ModelError naming the tensor, found before any allocation', () => {
  const huge = [2 ** 30, 2 ** 10];
  const raw = { name: 'huge', dims: huge, rawData: new Uint8Array(8) };
  for (const dataType of [DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.INT32, DataType.INT64]) {
    throws(() => decodeTensor({ ...raw, dataType }), ModelError, "tensor 'huge'", 'raw_data holds 8 bytes', '[1073741824, 1024]');
  }
  throws(() => decodeTensor({ name: 'huge', dims: huge, dataType: DataType.FLOAT, floatData: [1, 2] }), ModelError, "tensor 'huge'", 'float_data holds 2 elements');
  throws(() => decodeIntTensor({ ...raw, dataType: DataType.INT64 }), ModelError, "tensor 'huge'", 'raw_data holds 8 bytes');

  // The same initializer in a model: the error names it (it used to surface as "Invalid typed array length").
  const model = onnx.ModelProto.decode(gruModel((_g, x) => x, (g, h) => g.node('Add', [h, 'huge'], [], { name: 'add' })));
  model.graph!.initializer!.push({ ...raw, dataType: DataType.FLOAT });
  throws(() => lowerModel(onnx.ModelProto.encode(model).finish()), ModelError, "initializer 'huge'", 'raw_data holds 8 bytes');
});

test('folds that would make constants of billions of elements are refused before they allocate', () => {
  const range = gruModel((_g, x) => x, (g, h) => {
    const r = g.node('Range', [g.constInts([0], []), g.constInts([2 ** 40], []), g.constInts([1], [])], [], { name: 'range' });
    return g.node('Add', [h, g.node('Cast', [g.node('Shape', [r])], [attr.int('to', DataType.FLOAT)])]);
  });
  throws(() => lowerModel(range), UnsupportedError, "Range (node 'range')", '1099511627776 elements', 'at most');
  const expand = gruModel((_g, x) => x, (g, h) => {
    const big = g.node('Expand', [g.constFloats([1, 2]), g.constInts([2 ** 20, 2 ** 20, 2])], [], { name: 'expand' });
    return g.node('Add', [h, g.node('ReduceSum', [big])]);
  });
  throws(() => lowerModel(expand), UnsupportedError, "Expand (node 'expand')", 'at most');
});

test('axes given as a float tensor are a ModelError naming the node (they used to become TypeErrors downstream)', () => {
  const slice = gruModel((_g, x) => x, (g, h) =>
    g.node('Slice', [h, g.constInts([0]), g.constInts([2]), g.constFloats([0.5])], [], { name: 'slice' }));
  throws(() => lowerModel(slice), ModelError, "Slice (node 'slice')", 'axes must be an integer tensor', '0.5');
  // A float Unsqueeze axis left a hole in the dims, which the Softmax after it read as a dim.
  const unsqueeze = gruModel((_g, x) => x, (g, h) =>
    g.node('Softmax', [g.node('Unsqueeze', [h, g.constFloats([0.5])], [], { name: 'unsq' })], [attr.int('axis', -1)]));
  throws(() => lowerModel(unsqueeze), ModelError, "Unsqueeze (node 'unsq')", 'axes must be an integer tensor');
});

test.run();
