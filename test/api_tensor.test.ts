/**
 * onnxruntime-web's Tensor surface (type, data, dims, size, location, getData, reshape, dispose) and
 * the element types models use at their borders: made, checked, and converted where the module
 * reads another type (int8, uint8, bool to int32; float16 to float32), bit for bit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataType } from '../compiler/onnx/proto.js';
import { InputError } from '../contract/errors.js';
import { InferenceSession, Tensor, type TypedTensor } from '../api/node.js';
import { floatToHalf, halfToFloat } from '../runtime/tensor_data.js';
import { encodeModel, rnnSpec, valueInfo } from './onnx_builder.js';
import { throws } from './throws.js';

test('a Tensor has location, size, getData, reshape and dispose', async () => {
  const t: TypedTensor<'float32'> = new Tensor('float32', [1, 2, 3, 4, 5, 6], [2, 3]);
  assert.is(t.location, 'cpu');
  assert.is(t.size, 6);
  assert.is(await t.getData(), t.data);
  assert.is(await t.getData(true), t.data, 'releaseData is for GPU tensors: a CPU tensor keeps its data, as in onnxruntime');
  const r = t.reshape([3, 2]);
  assert.equal(r.dims, [3, 2]);
  assert.is(r.data, t.data, 'reshape shares the data');
  throws(() => t.reshape([4, 2]), InputError, '[4, 2]', '8', '6');
  t.dispose();
  throws(() => t.data, InputError, 'disposed');
  await t.getData().then(() => assert.unreachable('getData of a disposed tensor resolved'), (e: Error) => assert.instance(e, InputError));
});

test('the border types: uint8, int8, bool, float16, from typed and plain arrays', () => {
  assert.is(new Tensor(Uint8Array.of(1, 2)).type, 'uint8');
  assert.is(new Tensor(Int8Array.of(-1, 2)).type, 'int8');
  const b = new Tensor([true, false, true]);
  assert.is(b.type, 'bool');
  assert.equal(Array.from(b.data as Uint8Array), [1, 0, 1]);
  assert.equal(Array.from(new Tensor('float16', [0x3c00], [1]).data), [0x3c00]);
  throws(() => new Tensor('uint8', [256]), InputError, 'element 0 is 256', '0..255');
  throws(() => new Tensor('int8', [-129]), InputError, '-128..127');
  throws(() => new Tensor('bool', [2]), InputError, 'boolean');
  throws(() => new Tensor(Uint16Array.of(1) as never), InputError, 'Uint16Array', 'float16');
  throws(() => new Tensor('string' as 'bool', ['a'] as never), InputError, "'string'", 'float16');
});

test('float16 bits convert both ways, rounding to nearest even', () => {
  const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [0.5, 0x3800], [2 ** -24, 0x0001], [0, 0], [Infinity, 0x7c00], [1e6, 0x7c00]];
  for (const [x, h] of cases) {
    assert.is(floatToHalf(x), h, `floatToHalf(${x})`);
    if (x !== 1e6) assert.is(halfToFloat(h), x, `halfToFloat(${h})`);
  }
  assert.is(floatToHalf(1 + 2 ** -11), 0x3c00, 'a tie rounds to even');
  assert.is(floatToHalf(1 + 3 * 2 ** -11), 0x3c02, 'a tie rounds to even (up)');
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

/** rnnSpec's LSTM with an int `lens` feed (sequence_lens), declared with `lensType`. */
const withLens = (lensType: number) => {
  const s = rnnSpec('LSTM');
  s.node.input.push('lens');
  s.inputs.push(valueInfo('lens', ['batch'], lensType));
  return encodeModel(s);
};

test('feeds of narrow types convert to the type the module reads; others are an InputError naming the input', async () => {
  const session = await InferenceSession.create(withLens(DataType.INT64), { batch: 2 });
  const halves = Uint16Array.from([0.5, -1, 0.25, 2, 1.5, -0.75, 0, 1, -2, 0.125, 3, -0.5], floatToHalf);
  const x32 = new Tensor('float32', Float32Array.from(halves, halfToFloat), [3, 2, 2]);
  const want = await session.run({ X: x32, lens: new Tensor('int64', [3n, 2n], [2]) });
  for (const lens of [new Tensor('int32', [3, 2], [2]), new Tensor('uint8', [3, 2], [2]), new Tensor('int8', [3, 2], [2])]) {
    const got = await session.run({ X: new Tensor('float16', halves, [3, 2, 2]), lens });
    assert.equal(Array.from(got.Y.data as Float32Array), Array.from(want.Y.data as Float32Array), `lens as ${lens.type}, X as float16`);
  }
  const bools = await session.run({ X: x32, lens: new Tensor('bool', [true, true], [2]) });
  const ones = await session.run({ X: x32, lens: new Tensor('int64', [1n, 1n], [2]) });
  assert.equal(Array.from(bools.Y.data as Float32Array), Array.from(ones.Y.data as Float32Array), 'bool lens');
  try {
    await session.run({ X: new Tensor('uint8', new Uint8Array(12), [3, 2, 2]), lens: new Tensor('int32', [3, 2], [2]) });
    assert.unreachable('a uint8 X ran');
  } catch (e) {
    assert.instance(e, InputError);
    for (const p of ["input 'X'", 'float32', 'float16', 'uint8']) assert.ok((e as Error).message.includes(p), (e as Error).message);
  }
  await session.release();
});

test.run();
