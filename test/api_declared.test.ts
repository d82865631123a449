/**
 * A session compiled in-process keeps what the model declares: outputs of the declared type (int64
 * where the module computes int32), input names without those bound by `bind`, and onnxruntime's
 * freeDimensionOverrides give the sizes of open inputs and the batch. `env.logLevel` decides which notes reach
 * the console.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel } from '../compiler/index.js';
import { DataType } from '../compiler/onnx/proto.js';
import { InputError } from '../contract/errors.js';
import { env, InferenceSession, Tensor } from '../api/node.js';
import { floatToHalf } from '../runtime/tensor_data.js';
import { attr, GraphBuilder } from './graph_builder.js';
import { encodeModel, rnnSpec } from './onnx_builder.js';

/** x [T, N, 2] -> RNN -> Y_h; Y_h > 0.06 as `positive` (BOOL) and cast to INT64 as `count`. */
function intOutput(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const [, h] = g.rnn('RNN', x, 3, 2, { name: 'rnn' });
  const positive = g.node('Greater', [h, g.init('threshold', [], [0.06])], [], { outputs: ['positive'] });
  const count = g.node('Cast', [positive], [attr.int('to', DataType.INT64)], { outputs: ['count'] });
  g.output(h, [1, 'N', 3]);
  g.output(positive, [1, 'N', 3], DataType.BOOL);
  g.output(count, [1, 'N', 3], DataType.INT64);
  return g.encode();
}

test('outputs keep the type the model declares (bool, int64 from an in-process compile)', async () => {
  const session = await InferenceSession.create(intOutput());
  const x = new Tensor('float32', Float32Array.from({ length: 8 }, (_, i) => Math.sin(i * 2.1)), [2, 2, 2]);
  const out = await session.run({ x });
  const h = Array.from(out[session.outputNames[0]].data as Float32Array);
  assert.ok(h.some((v) => v > 0.06) && h.some((v) => v <= 0.06), `both sides of 0.06: ${h}`);
  assert.is(out.positive.type, 'bool');
  assert.instance(out.positive.data, Uint8Array);
  assert.equal(Array.from(out.positive.data as Uint8Array), h.map((v) => (v > Math.fround(0.06) ? 1 : 0)));
  assert.is(out.count.type, 'int64');
  assert.equal(Array.from(out.count.data as BigInt64Array), h.map((v) => (v > Math.fround(0.06) ? 1n : 0n)));
  assert.equal(session.outputMetadata.map((m) => m.type), ['float32', 'bool', 'int64']);
  await session.release();
});

test('a float16 output declared by the model comes back as float16 bits', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const [, h] = g.rnn('RNN', x, 3, 2, { name: 'rnn' });
  g.output(h, [1, 'N', 3]);
  g.output(g.node('Cast', [h], [attr.int('to', DataType.FLOAT16)], { outputs: ['half'] }), [1, 'N', 3], DataType.FLOAT16);
  const session = await InferenceSession.create(g.encode());
  const out = await session.run({ x: new Tensor('float32', [0.1, 0.2, 0.3, 0.4], [1, 2, 2]) });
  assert.is(out.half.type, 'float16');
  assert.instance(out.half.data, Uint16Array);
  assert.equal(Array.from(out.half.data as Uint16Array), Array.from(out[session.outputNames[0]].data as Float32Array, floatToHalf));
  await session.release();
});

test('freeDimensionOverrides size an open input and the batch; an unknown dim name is an InputError naming it', async () => {
  // `bias` [1, 'F'] is no RNN axis: without a size the model compiles at its first run.
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const bias = g.input('bias', [1, 'F']);
  const [, h] = g.rnn('GRU', x, 3, 2, { name: 'gru' });
  g.output(g.node('Add', [h, bias], [], { outputs: ['out'] }), [1, 'N', 3]);
  const bytes = g.encode();
  const lazy = await InferenceSession.create(bytes);
  assert.throws(() => lazy.manifest, /first run/);
  await lazy.release();
  const sized = await InferenceSession.create(bytes, { freeDimensionOverrides: { F: 3 } });
  assert.equal(sized.manifest.inputs.find((i) => i.name === 'bias')?.dims, [1, 3], 'compiled at create, for F = 3');
  await sized.release();
  const batched = await InferenceSession.create(encodeModel(rnnSpec('GRU')), { freeDimensionOverrides: { batch: 3, seq: 7 } });
  assert.is(batched.manifest.maxBatch, 3, 'an override of the batch axis\'s dim compiles for that batch');
  await batched.release();
  try {
    await InferenceSession.create(bytes, { freeDimensionOverrides: { G: 3 } });
    assert.unreachable('an unknown dim was accepted');
  } catch (e) {
    assert.instance(e, InputError);
    assert.ok(/'G'/.test((e as Error).message) && /'F'/.test((e as Error).message), (e as Error).message);
  }
});

test('inputs bound by the bind option are not among inputNames', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const sr = g.input('sr', [], DataType.INT64);
  const scaled = g.node('Mul', [x, g.node('Cast', [sr], [attr.int('to', DataType.FLOAT)])]);
  const [, h] = g.rnn('RNN', scaled, 3, 2, { name: 'rnn' });
  g.output(h, [1, 'N', 3]);
  const session = await InferenceSession.create(g.encode(), { bind: { sr: 2 } });
  assert.equal(session.inputNames, ['x']);
  await session.release();
});

test('env.logLevel: a note reaches the console at warning, not at error', async () => {
  const artifact = compileModel(encodeModel(rnnSpec('GRU')), { threads: false }).artifact;
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => warned.push(m);
  try {
    env.logLevel = 'error';
    await (await InferenceSession.create(artifact, { workers: 2 })).release();
    assert.equal(warned, [], 'quiet at error');
    env.logLevel = 'warning';
    await (await InferenceSession.create(artifact, { workers: 2 })).release();
    assert.is(warned.length, 1);
    assert.ok(warned[0].includes('no multi-worker module'), warned[0]);
  } finally {
    console.warn = warn;
    env.logLevel = 'warning';
  }
});

test.run();
