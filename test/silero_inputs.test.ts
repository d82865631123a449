/**
 * Bad input on Silero VAD, through an InferenceSession compiled in-process at its first run and
 * through an artifact compiled ahead (bound sr, fixed frame): each is an InputError naming the tensor
 * and what was expected, and the session still runs good feeds after it. What onnxruntime takes
 * (legacy: any frame length, any sr) rnnc takes too, with the same results.
 */
import fs from 'node:fs';
import ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InferenceSession } from '../api/node.js';
import { compileModel } from '../compiler/index.js';
import { InputError, ModelError } from '../contract/errors.js';
import { Tensor } from '../runtime/tensor.js';
import { frameLength, ortFeeds, rnncFeeds, signal, sileroPath, zeroState, type SileroName } from './silero.js';
import { rejects, throws } from './throws.js';

/** Good feeds at 16 kHz, with `change` replacing some. */
const feeds = (name: SileroName, change: Record<string, Tensor> = {}) =>
  ({ ...rnncFeeds(name, { input: signal(0, frameLength(name, 16000)), sr: 16000, state: zeroState(name) }), ...change });
const zeros = (dims: number[]) => new Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);

test('v5 in-process: a frame or sr the model cannot take is an InputError naming what was fed and what ran; the session runs on', async () => {
  const session = await InferenceSession.create(sileroPath('v5'));
  try {
    const good = await session.run(feeds('v5'));
    await rejects(session.run(feeds('v5', { input: zeros([1, 1024]) })), InputError,
      /input 'input' \[1, 1024\] with 'sr' = 16000: the model cannot run on these sizes and values \(it ran on 'input' \[1, 576\] with 'sr' = 16000\)/);
    await rejects(session.run(feeds('v5', { sr: new Tensor('int64', [44100n], []) })), InputError, /'sr' = 44100: the model cannot run/);
    await rejects(session.run(feeds('v5', { state: zeros([2, 1, 64]) })), InputError, /input 'state' must have dims \[2, batch, 128\], got \[2, 1, 64\]/);
    await rejects(session.run(feeds('v5', { sr: new Tensor('float32', [16000], []) })), InputError, /input 'sr' must be int64 or int32, got float32/);
    const again = await session.run(feeds('v5'));
    assert.equal(Array.from(again.output.data as Float32Array), Array.from(good.output.data as Float32Array), 'the same frame gives the same output after the errors');
  } finally {
    await session.release();
  }
});

test('legacy in-process: wrong state dims are refused; any frame length and sr run, as in onnxruntime, with its results', async () => {
  const session = await InferenceSession.create(sileroPath('legacy'));
  const ref = await ort.InferenceSession.create(sileroPath('legacy'));
  try {
    await rejects(session.run(feeds('legacy', { h: zeros([2, 1, 32]) })), InputError, /input 'h' must have dims \[2, batch, 64\], got \[2, 1, 32\] \(axis 2 must be 64\)/);
    await rejects(session.run(feeds('legacy', { c: zeros([1, 1, 64]) })), InputError, /input 'c' must have dims \[2, batch, 64\], got \[1, 1, 64\]/);
    for (const [n, sr] of [[500, 16000], [1024, 16000], [512, 44100]]) {
      const frame = { input: signal(3, n), sr, state: zeroState('legacy') };
      const got = await session.run(rnncFeeds('legacy', frame));
      const want = await ref.run(ortFeeds('legacy', frame));
      const diff = Math.abs((got.output.data as Float32Array)[0] - (want.output.data as Float32Array)[0]);
      assert.ok(diff <= 1e-5, `${n} samples at ${sr}: ${diff}`);
    }
  } finally {
    await session.release();
    await ref.release();
  }
});

test('int32 sr where the model declares int64: rnnc takes integer inputs as either (unlike onnxruntime), with the same result', async () => {
  const session = await InferenceSession.create(sileroPath('legacy'));
  try {
    const a = await session.run(feeds('legacy'));
    const b = await session.run({ ...feeds('legacy'), sr: new Tensor('int32', [16000], []) });
    assert.equal(Array.from(b.hn.data as Float32Array), Array.from(a.hn.data as Float32Array));
  } finally {
    await session.release();
  }
});

test('artifacts: a frame, sr or state other than compiled is an InputError naming the tensor and what the artifact takes', async () => {
  const bytes = fs.readFileSync(sileroPath('v5'));
  const bound = await InferenceSession.create(compileModel(bytes, { bind: { sr: 16000 }, shapes: { input: [1, 576] } }).artifact);
  try {
    await rejects(bound.run(feeds('v5', { input: zeros([1, 512]) })), InputError, /input 'input' must have dims \[batch, 576\], got \[1, 512\] \(axis 1 must be 576\)/);
    await rejects(bound.run(feeds('v5', { sr: new Tensor('int64', [8000n], []) })), InputError, /input 'sr' is 8000, but this artifact was compiled with it bound to 16000/);
    await rejects(bound.run(feeds('v5', { state: zeros([2, 1, 32]) })), InputError, /input 'state' must have dims \[2, batch, 128\]/);
    await bound.run(feeds('v5'));
  } finally {
    await bound.release();
  }
  const legacy = await InferenceSession.create(compileModel(fs.readFileSync(sileroPath('legacy')), { shapes: { input: [1, 512] } }).artifact);
  try {
    const { sr: _, ...noSr } = feeds('legacy');
    await rejects(legacy.run(noSr), InputError, /missing input 'sr' \(int32 or int64 \[\]\)/);
  } finally {
    await legacy.release();
  }
});

test('compiling v5 for one frame size without binding sr: the branch for the other rate cannot take it, and the error says to bind', () => {
  throws(() => compileModel(fs.readFileSync(sileroPath('v5')), { shapes: { input: [1, 576] } }), ModelError,
    "else_branch of If 'If_0'", 'this branch runs only for some values of the If\'s condition', '--bind');
});

test.run();
