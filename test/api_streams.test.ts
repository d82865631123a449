/**
 * Any number of streams on one session, any batch: 100 streams stepped in a shuffled interleaving
 * on one session equal 100 separate sessions bit for bit (LSTM, whose state is h and c; GRU on 2
 * workers); a session compiled in-process takes a larger batch by compiling for it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel } from '../compiler/index.js';
import { EngineError } from '../contract/errors.js';
import { InferenceSession, Tensor } from '../api/node.js';
import type { Artifact } from '../contract/manifest.js';
import { encodeModel, rnnSpec } from './onnx_builder.js';
import { mulberry32, randomArray, type Rng } from './random.js';

const STREAMS = 100;
const ROUNDS = 4;

/** The order of streams in one round: every stream once, shuffled. */
function shuffled(rng: Rng, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

async function interleavedEqualsSeparate(artifact: Artifact, workers: number, I: number): Promise<void> {
  const rng = mulberry32(17);
  const steps = Array.from({ length: STREAMS }, () => Array.from({ length: ROUNDS }, () => new Tensor('float32', randomArray(rng, I), [1, 1, I])));
  // Each stream alone on its session.
  const want: Float32Array[][] = [];
  for (let s = 0; s < STREAMS; s++) {
    const session = await InferenceSession.create(artifact, { workers: 1 });
    const stream = session.stream();
    want.push([]);
    for (const X of steps[s]) want[s].push((await stream.step({ X })).Y_h.data as Float32Array);
    await session.release();
  }
  // All streams on one session, in a different order each round, with a plain run between rounds.
  const shared = await InferenceSession.create(artifact, { workers });
  assert.is(shared.workers, workers);
  const streams = Array.from({ length: STREAMS }, () => shared.stream());
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of shuffled(rng, STREAMS)) {
      const got = (await streams[s].step({ X: steps[s][r] })).Y_h.data as Float32Array;
      assert.equal(Array.from(got), Array.from(want[s][r]), `stream ${s}, step ${r} (${workers} worker(s))`);
    }
    await shared.run({ X: new Tensor('float32', randomArray(rng, 3 * I), [3, 1, I]) });
  }
  await shared.release();
}

test('100 interleaved streams on one session equal 100 sessions, bit for bit (LSTM, 1 worker)', async () => {
  await interleavedEqualsSeparate(compileModel(encodeModel(rnnSpec('LSTM', 10, 3))).artifact, 1, 3);
});

test('100 interleaved streams on one session equal 100 sessions, bit for bit (GRU, 2 workers)', async () => {
  await interleavedEqualsSeparate(compileModel(encodeModel(rnnSpec('GRU', 12, 2)), { threads: true }).artifact, 2, 2);
});

test('a stream keeps its state across a reset of another and its own reset starts over', async () => {
  const session = await InferenceSession.create(compileModel(encodeModel(rnnSpec('LSTM'))).artifact);
  const X = new Tensor('float32', [0.5, -0.25], [1, 1, 2]);
  const a = session.stream(), b = session.stream();
  const first = (await a.step({ X })).Y_h.data as Float32Array;
  const second = (await a.step({ X })).Y_h.data as Float32Array;
  assert.equal(Array.from((await b.step({ X })).Y_h.data as Float32Array), Array.from(first), 'b starts fresh');
  b.reset();
  assert.equal(Array.from((await b.step({ X })).Y_h.data as Float32Array), Array.from(first), 'b after reset');
  assert.not.equal(Array.from(second), Array.from(first));
  const third = (await a.step({ X })).Y_h.data as Float32Array;
  a.reset();
  await a.step({ X });
  const again = (await a.step({ X })).Y_h.data as Float32Array;
  assert.equal(Array.from(again), Array.from(second), 'a after reset');
  assert.not.equal(Array.from(third), Array.from(second));
  await session.release();
});

test('a session compiled in-process compiles for a larger batch; its result equals a session compiled for it', async () => {
  const model = encodeModel(rnnSpec('GRU'));
  const session = await InferenceSession.create(model);
  const X = new Tensor('float32', randomArray(mulberry32(3), 4 * 5 * 2), [4, 5, 2]);
  const got = await session.run({ X });
  const wide = await InferenceSession.create(model, { batch: 5 });
  const want = await wide.run({ X });
  assert.equal(Array.from(got.Y.data as Float32Array), Array.from(want.Y.data as Float32Array));
  assert.equal(got.Y.dims, [4, 1, 5, 3]);
  // A smaller batch runs on a compiled engine again.
  const one = new Tensor('float32', (X.data as Float32Array).slice(0, 2), [1, 1, 2]);
  assert.equal((await session.run({ X: one })).Y.dims, [1, 1, 1, 3]);
  await session.release();
  await wide.release();
});

test('a stream whose compiled size the session dropped is an EngineError saying to reset; reset starts over', async () => {
  const session = await InferenceSession.create(encodeModel(rnnSpec('GRU')));
  const stream = session.stream();
  const X = (batch: number) => new Tensor('float32', new Float32Array(2 * batch).fill(0.5), [1, batch, 2]);
  const first = (await stream.step({ X: X(1) })).Y_h.data as Float32Array;
  // Four more batches compiled for: the session keeps four sizes, so the stream's is dropped.
  for (const batch of [2, 3, 4, 5]) await session.run({ X: X(batch) });
  try {
    await stream.step({ X: X(1) });
    assert.unreachable('a step ran on a released engine');
  } catch (e) {
    assert.instance(e, EngineError);
    assert.match((e as Error).message, /dropped.*reset\(\)/);
  }
  stream.reset();
  assert.equal(Array.from((await stream.step({ X: X(1) })).Y_h.data as Float32Array), Array.from(first));
  await session.release();
});

test.run();
