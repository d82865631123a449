/**
 * Conv and BatchNormalization in the front end: what a graph lowers to (BatchNormalization folded into
 * the conv's weights, the activation absorbed, or not when another node or the graph reads the value),
 * constant folding, the batch axis traced through, and the errors that name the node and what was
 * expected. Results are checked against onnxruntime-node on the same bytes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lowerModel } from '../compiler/frontend/index.js';
import { Attrs } from '../compiler/frontend/attrs.js';
import type { GraphNode } from '../compiler/frontend/load.js';
import type { ConvStep } from '../compiler/ops/conv.js';
import { absorbableEpilogue } from '../compiler/ops/epilogue.js';
import type { LowerCtx } from '../compiler/ops/types.js';
import { ModelError, UnsupportedError } from '../contract/errors.js';
import { referenceConv } from './conv_reference.js';
import { convWeights, floats, relError, runBoth, sideRnn } from './conv_models.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { mulberry32 } from './random.js';
import { throws } from './throws.js';

const ops = (bytes: Uint8Array) => lowerModel(bytes).program.steps.map((s) => s.op);

/** BatchNormalization's four constants for C channels (variance positive). */
function bnInputs(g: GraphBuilder, rng: () => number, name: string, C: number): string[] {
  return [
    g.init(`${name}.scale`, [C], floats(rng, C, 0.5, 2)), g.init(`${name}.B`, [C], floats(rng, C)),
    g.init(`${name}.mean`, [C], floats(rng, C)), g.init(`${name}.var`, [C], floats(rng, C, 0.1, 3)),
  ];
}

test('Conv -> BatchNormalization -> Relu is one conv step with the factors in its weights; matches onnxruntime', async () => {
  const rng = mulberry32(1);
  const g = new GraphBuilder();
  sideRnn(g);
  const { W, B } = convWeights(g, rng, 'conv', { C: 5, M: 6, k: 3 }, true);
  const y = g.node('Conv', [g.input('x', [2, 5, 11]), W, B!], [attr.ints('pads', [1, 1])], { name: 'conv' });
  const z = g.node('BatchNormalization', [y, ...bnInputs(g, rng, 'bn', 6)], [attr.float('epsilon', 1e-3)], { name: 'bn' });
  g.node('Relu', [z], [], { name: 'relu', outputs: ['out'] });
  g.output('out', [2, 6, 11]);
  const bytes = g.encode();
  const { program, summary } = lowerModel(bytes);
  assert.equal(program.steps.map((s) => s.op), ['rnn', 'conv']);
  const conv = program.steps[1] as ConvStep;
  assert.is(conv.epilogue?.kind, 'activation');
  assert.is(program.outputs.find((o) => o.name === 'out')!.buffer, conv.out.buffer);
  assert.ok(summary.some((l) => l.includes("BatchNormalization 'bn' folded into the weights; Relu 'relu' fused")), summary.join('\n'));
  const x = Float32Array.from(floats(rng, 2 * 5 * 11));
  const { rnnc, ort } = await runBoth(bytes, { x: { data: x, dims: [2, 5, 11] }, seq: { data: new Float32Array(2), dims: [1, 1, 2] } });
  assert.ok(relError(rnnc.out.data, ort.out.data) <= 1e-5, `${relError(rnnc.out.data, ort.out.data)}`);
});

test('a BatchNormalization with no producer to fold into is a per-channel step: after a read-twice conv, on [B, C], on [N, C, L]', async () => {
  const rng = mulberry32(2);
  const g = new GraphBuilder();
  sideRnn(g);
  const { W } = convWeights(g, rng, 'conv', { C: 3, M: 7, k: 2 }, false);
  const y = g.node('Conv', [g.input('x', [2, 3, 9]), W], [], { name: 'conv', outputs: ['y'] });
  g.node('BatchNormalization', [y, ...bnInputs(g, rng, 'bn1', 7)], [], { name: 'bn1', outputs: ['z'] });
  g.node('BatchNormalization', [g.input('v', [3, 13]), ...bnInputs(g, rng, 'bn2', 13)], [], { name: 'bn2', outputs: ['u'] });
  g.output('y', [2, 7, 8]).output('z', [2, 7, 8]).output('u', [3, 13]);
  const bytes = g.encode();
  assert.equal(ops(bytes), ['rnn', 'conv', 'channel_affine', 'channel_affine']);
  const { rnnc, ort } = await runBoth(bytes, {
    x: { data: Float32Array.from(floats(rng, 54)), dims: [2, 3, 9] }, v: { data: Float32Array.from(floats(rng, 39)), dims: [3, 13] },
    seq: { data: new Float32Array(2), dims: [1, 1, 2] },
  });
  for (const name of ['y', 'z', 'u']) assert.ok(relError(rnnc[name].data, ort[name].data) <= 1e-5, `${name}: ${relError(rnnc[name].data, ort[name].data)}`);
});

test('a BatchNormalization of a Gemm or MatMul product [B, N] folds into its weights and bias; matches onnxruntime', async () => {
  const rng = mulberry32(9);
  const g = new GraphBuilder();
  const [, h] = g.rnn('GRU', g.input('x', ['T', 'B', 3]), 5, 3, { name: 'gru' });
  const h2 = g.node('Squeeze', [h, g.ints('axes', [0])]);
  const fc = g.node('Gemm', [h2, g.init('fc.w', [4, 5], floats(rng, 20)), g.init('fc.b', [4], floats(rng, 4))], [attr.int('transB', 1)], { name: 'fc' });
  g.node('BatchNormalization', [fc, ...bnInputs(g, rng, 'bn1', 4)], [], { name: 'bn1', outputs: ['a'] });
  const mm = g.node('MatMul', [h2, g.init('mm.w', [5, 6], floats(rng, 30))], [], { name: 'mm' });
  g.node('BatchNormalization', [mm, ...bnInputs(g, rng, 'bn2', 6)], [], { name: 'bn2', outputs: ['b'] });
  g.output('a', ['B', 4]).output('b', ['B', 6]);
  const bytes = g.encode();
  const { program, summary } = lowerModel(bytes, { batch: 2 });
  assert.equal(program.steps.map((s) => s.op), ['rnn', 'gemm', 'gemm'], summary.join('\n'));
  for (const bn of ['bn1', 'bn2']) assert.ok(summary.some((l) => l.includes(`BatchNormalization '${bn}' folded into the weights`)), summary.join('\n'));
  const { rnnc, ort } = await runBoth(bytes, { x: { data: Float32Array.from(floats(rng, 4 * 2 * 3)), dims: [4, 2, 3] } }, { batch: 2 });
  for (const name of ['a', 'b']) assert.ok(relError(rnnc[name].data, ort[name].data) <= 1e-5, `${name}: ${relError(rnnc[name].data, ort[name].data)}`);
});

test('an activation is absorbed only when it alone reads the conv output', async () => {
  const rng = mulberry32(3);
  const g = new GraphBuilder();
  sideRnn(g);
  const { W } = convWeights(g, rng, 'conv', { C: 2, M: 4, k: 3 }, false);
  g.node('Conv', [g.input('x', [1, 2, 6]), W], [], { name: 'conv', outputs: ['y'] });
  g.node('Sigmoid', ['y'], [], { name: 'sig', outputs: ['s'] });
  g.output('y', [1, 4, 4]).output('s', [1, 4, 4]);
  const bytes = g.encode();
  assert.equal(ops(bytes), ['rnn', 'conv', 'sigmoid']);
  const { rnnc, ort } = await runBoth(bytes, { x: { data: Float32Array.from(floats(rng, 12)), dims: [1, 2, 6] }, seq: { data: new Float32Array(2), dims: [1, 1, 2] } });
  for (const name of ['y', 's']) assert.ok(relError(rnnc[name].data, ort[name].data) <= 1e-6, name);
});

test('LeakyRelu and Clip are absorbed by their attributes, once the registry reads them', () => {
  const node = (op: string, inputs: string[], attribute: ReturnType<typeof attr.float>[] = []): GraphNode => ({
    index: 1, op, name: op.toLowerCase(), label: `${op} (node '${op.toLowerCase()}')`, inputs, outputs: ['out'],
    attrs: new Attrs({ attribute }, op), proto: { attribute }, subgraphs: {}, implicitInputs: [],
  });
  const ctx = (n: GraphNode, known: boolean, vals: Record<string, number> = {}) => ({
    consumers: () => [n], isGraphOutput: () => false, rulesOf: () => (known ? { infer: () => [] } : undefined),
    val: (name: string) => ({ kind: 'const', dtype: 'float', dims: [], data: Float32Array.of(vals[name]) }),
  }) as unknown as LowerCtx;
  const leaky = node('LeakyRelu', ['y'], [attr.float('alpha', 0.3)]);
  assert.is(absorbableEpilogue(ctx(leaky, false), 'y'), null, 'not while the registry has no LeakyRelu');
  assert.equal(absorbableEpilogue(ctx(leaky, true), 'y')?.epilogue, { kind: 'activation', activation: { name: 'LeakyRelu', alpha: 0.3, beta: 0 } });
  const clip6 = node('Clip', ['y'], [attr.float('min', 0), attr.float('max', 6)]);
  assert.equal(absorbableEpilogue(ctx(clip6, true), 'y')?.epilogue, { kind: 'clip', min: 0, max: 6 });
  const clip13 = node('Clip', ['y', '', 'hi']);
  assert.equal(absorbableEpilogue(ctx(clip13, true, { hi: 1.5 }), 'y')?.epilogue, { kind: 'clip', min: -Infinity, max: 1.5 });
});

test('Conv on a constant folds in float64; the batch axis of X is traced through, its length axis is fixed', () => {
  const g = new GraphBuilder();
  const xc = [0.5, -1, 2, 0.25, 1, -0.5];
  const w = [0.1, 0.2, -0.3, 0.4];
  const folded = g.node('Conv', [g.constFloats(xc, [1, 2, 3]), g.init('w', [1, 2, 2], w)], [attr.ints('pads', [0, 1])]);
  const [, h] = g.rnn('RNN', g.input('x', ['T', 'B', 3]), 3, 3, { name: 'rnn' });
  g.node('Add', [h, g.node('Reshape', [folded, g.ints('shape', [1, 1, 3])])], [], { outputs: ['out'] });
  const { W } = convWeights(g, mulberry32(4), 'c', { C: 4, M: 4, k: 5 }, false);
  const y = g.node('Conv', [g.input('feat', ['N', 4, 5]), W], [], { name: 'c' });
  const [, h2] = g.rnn('GRU', g.input('x2', ['T', 'B', 3]), 4, 3, { name: 'gru', initialH: g.node('Transpose', [y], [attr.ints('perm', [2, 0, 1])]) });
  g.output('out', [1, 'B', 3]).output(h2, [1, 'B', 4]);
  const { program } = lowerModel(g.encode());
  assert.is(program.steps.filter((s) => s.op === 'conv').length, 1, 'the constant conv was folded');
  const bias = program.constants.find((c) => c.dims.join() === '1,1,3')!;
  const want = referenceConv(xc, w, null, { N: 1, C: 2, L: 3, M: 1, k: 2 }, { pads: [0, 1] });
  assert.ok(relError(bias.data as Float32Array, want) <= 1e-7, `${Array.from(bias.data)} vs ${Array.from(want)}`);
  assert.equal(program.inputs.find((i) => i.name === 'feat')!.dims, ['batch', 4, 5]);
});

test('errors name the node and what was expected', () => {
  const model = (build: (g: GraphBuilder, x: string) => void, xDims: (number | string)[] = [1, 4, 10]) => {
    const g = new GraphBuilder();
    sideRnn(g);
    build(g, g.input('x', xDims));
    return () => lowerModel(g.encode());
  };
  const w = (g: GraphBuilder, dims: number[]) => g.init(`w${g.inits.length}`, dims);
  const conv = (attrs: Parameters<GraphBuilder['node']>[2] = [], wDims = [2, 4, 3], xDims?: (number | string)[]) =>
    model((g, x) => g.output(g.node('Conv', [x, w(g, wDims)], attrs, { name: 'c' })), xDims);
  throws(conv([], [2, 4, 3, 3], [1, 4, 10, 10]), UnsupportedError, "Conv (node 'c')", '2-D convolution', '1-D');
  throws(model((g, x) => g.output(g.node('Conv', [x, g.input('wt', [2, 4, 3])], [], { name: 'c' }))), UnsupportedError, "Conv (node 'c')", 'W is computed at run time');
  throws(conv([attr.int('group', 3)]), ModelError, "Conv (node 'c')", 'group 3');
  throws(conv([], [2, 3, 3]), ModelError, "Conv (node 'c')", 'W [2, 3, 3]', 'C/group = 4');
  throws(conv([attr.ints('pads', [1, 1, 1, 1])]), ModelError, "Conv (node 'c')", "'pads'", '[begin, end]');
  throws(conv([attr.string('auto_pad', 'SAME')]), ModelError, "Conv (node 'c')", "'auto_pad' is 'SAME'", 'SAME_UPPER');
  throws(conv([attr.ints('kernel_shape', [5])]), ModelError, "Conv (node 'c')", "'kernel_shape' [5]", 'expected [3]');
  throws(conv([attr.ints('dilations', [6])]), ModelError, "Conv (node 'c')", 'spans 13 positions', 'length 10');
  throws(conv([attr.ints('strides', [0])]), ModelError, "Conv (node 'c')", "'strides'", 'positive');
  throws(model((g, x) => g.output(g.node('Conv', [x, w(g, [2, 4, 3]), g.init('b', [3])], [], { name: 'c' }))), ModelError, "Conv (node 'c')", 'B has dims [3]', 'expected [2]');
  throws(model((g, x) => g.output(g.node('BatchNormalization', [x, ...['s', 'b', 'm', 'v'].map((n) => g.init(n, [4]))],
    [attr.int('training_mode', 1)], { name: 'bn' }))), UnsupportedError, "BatchNormalization (node 'bn')", 'training mode');
  throws(model((g, x) => g.output(g.node('BatchNormalization', [x, ...['s', 'b', 'm'].map((n) => g.init(n, [4])), g.init('v', [3])],
    [], { name: 'bn' }))), ModelError, "BatchNormalization (node 'bn')", 'input_var has dims [3]', 'expected [4]');
});

test.run();
