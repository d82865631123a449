/**
 * Bad feeds, as a hostile caller would try them: each one is an InputError naming the tensor, or a
 * correct result; and none leaves the session broken: after each, a good call (or the stream's next
 * step) returns exactly the right answer. One table, run through `run` and through a stream's
 * resumed step, on 1 and on 2 workers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataType } from '../compiler/onnx/proto.js';
import { InputError, RnncError } from '../contract/errors.js';
import { InferenceSession } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';
import type { ArtifactSession, StepStream } from '../runtime/session.js';
import { encodeModel, rnnSpec, valueInfo } from './onnx_builder.js';
import { mulberry32, randomArray } from './random.js';
import { throws } from './throws.js';

type Feeds = Record<string, unknown>;
type Mode = 'run' | 'step';

/** An LSTM (I=2, H=3) fed X [seq, batch, 2], lens [batch] int32 and h0 [1, batch, 3]; compiled for batch 1..3. */
const MODEL = (() => {
  const s = rnnSpec('LSTM');
  s.node.input.push('lens', 'h0');
  s.inputs.push(valueInfo('lens', ['batch'], DataType.INT32), valueInfo('h0', [1, 'batch', 3]));
  return encodeModel(s);
})();
const SEQ = 5, BATCH = 2;
const rng = mulberry32(7);
const X_DATA = randomArray(rng, SEQ * BATCH * 2);
const H0 = new Tensor('float32', randomArray(rng, BATCH * 3), [1, BATCH, 3]);
/** X of timesteps [t0, t1). */
const xOf = (t0: number, t1: number) => new Tensor('float32', X_DATA.slice(t0 * BATCH * 2, t1 * BATCH * 2), [t1 - t0, BATCH, 2]);
const lensOf = (v: number) => new Tensor('int32', new Int32Array(BATCH).fill(v), [BATCH]);
/** Feeds of the whole sequence, or of stream step t (h0 only at the first). */
const goodRun = (): Feeds => ({ X: xOf(0, SEQ), lens: lensOf(SEQ), h0: H0 });
const goodStep = (t: number): Feeds => ({ X: xOf(t, t + 1), lens: lensOf(1), ...(t === 0 ? { h0: H0 } : {}) });

const plain = (t: Tensor, edit: Record<string, unknown> = {}) => ({ type: t.type, data: t.data, dims: [...t.dims], ...edit });
const X = (g: Feeds) => g.X as Tensor;
const lens = (g: Feeds) => g.lens as Tensor;

interface Case {
  readonly what: string;
  readonly feeds: (good: Feeds) => Feeds;
  /** Parts of the InputError's message (the tensor's name first); absent: the call gives the good call's result. */
  readonly error?: readonly string[];
  /** Only in this mode (a stream's rule, or a batch that is fine for a fresh call). */
  readonly only?: Mode;
}

const CASES: Case[] = [
  { what: 'an unknown name', feeds: (g) => ({ ...g, Z: X(g) }), error: ["'Z'"] },
  { what: 'a missing input', feeds: ({ lens: _, ...g }) => g, error: ["'lens'"] },
  { what: 'no feeds at all', feeds: () => ({}), error: ["'X'"] },
  { what: 'a null feed', feeds: (g) => ({ ...g, X: null }), error: ["'X'", 'Tensor'] },
  { what: 'a bare Float32Array', feeds: (g) => ({ ...g, X: X(g).data }), error: ["'X'", 'Tensor'] },
  { what: 'int32 X', feeds: (g) => ({ ...g, X: new Tensor('int32', new Int32Array(X(g).size), X(g).dims) }), error: ["'X'", 'float32', 'int32'] },
  { what: 'float32 lens', feeds: (g) => ({ ...g, lens: new Tensor('float32', Float32Array.from(lens(g).data as Int32Array), [BATCH]) }), error: ["'lens'", 'int32'] },
  { what: 'X of rank 2', feeds: (g) => ({ ...g, X: new Tensor(X(g).data as Float32Array, [X(g).dims[0] * BATCH, 2]) }), error: ["'X'", '[seq, batch, 2]'] },
  { what: 'X with 3 features', feeds: (g) => ({ ...g, X: new Tensor('float32', new Float32Array(X(g).dims[0] * BATCH * 3), [X(g).dims[0], BATCH, 3]) }), error: ["'X'", 'axis 2 must be 2'] },
  { what: 'X of 3 rows, lens of 2', feeds: (g) => ({ ...g, X: new Tensor('float32', new Float32Array(X(g).dims[0] * 6), [X(g).dims[0], 3, 2]) }), error: ["'lens'", 'batch'] },
  {
    what: 'batch 4 (compiled for 1..3)',
    feeds: (g) => ({
      X: new Tensor('float32', new Float32Array(X(g).dims[0] * 8), [X(g).dims[0], 4, 2]), lens: new Tensor('int32', new Int32Array(4).fill(1), [4]),
      ...(g.h0 ? { h0: new Tensor('float32', new Float32Array(12), [1, 4, 3]) } : {}),
    }),
    error: ["'X'", '1..3', '--batch 4'],
    // A run compiles for the larger batch (test/api_batch.test.ts); a stream keeps its engine's.
    only: 'step',
  },
  {
    what: 'batch 0',
    feeds: (g) => ({ X: new Tensor('float32', new Float32Array(0), [X(g).dims[0], 0, 2]), lens: new Tensor('int32', new Int32Array(0), [0]), ...(g.h0 ? { h0: new Tensor('float32', new Float32Array(0), [1, 0, 3]) } : {}) }),
    error: ["'X'", 'batch is 0', 'at least 1 row'],
  },
  { what: 'seq 0', feeds: (g) => ({ ...g, X: new Tensor('float32', new Float32Array(0), [0, BATCH, 2]), lens: lensOf(0) }), error: ["'X'", 'sequence length'] },
  { what: 'a length past seq', feeds: (g) => ({ ...g, lens: lensOf(X(g).dims[0] + 1) }), error: ["'lens'", 'sequence_lens'] },
  { what: 'a negative length', feeds: (g) => ({ ...g, lens: new Tensor('int32', Int32Array.of(-1, 1), [BATCH]) }), error: ["'lens'", '-1'] },
  { what: 'an int64 length past int32', feeds: (g) => ({ ...g, lens: new Tensor('int64', BigInt64Array.of(1n << 40n, 1n), [BATCH]) }), error: ["'lens'", 'int32'] },
  // Plain objects: checked as Tensors are.
  { what: 'a plain X', feeds: (g) => ({ ...g, X: plain(X(g)) }) },
  { what: 'a plain X of numbers', feeds: (g) => ({ ...g, X: plain(X(g), { data: Array.from(X(g).data as Float32Array) }) }) },
  { what: 'a plain int64 lens', feeds: (g) => ({ ...g, lens: { type: 'int64', data: BigInt64Array.from(lens(g).data as Int32Array, BigInt), dims: [BATCH] } }) },
  { what: 'a plain int32 lens of numbers', feeds: (g) => ({ ...g, lens: { type: 'int32', data: Array.from(lens(g).data as Int32Array), dims: [BATCH] } }) },
  { what: 'int64 lens in a Float64Array', feeds: (g) => ({ ...g, lens: { type: 'int64', data: Float64Array.of(1.9, Number.NaN), dims: [BATCH] } }), error: ["'lens'", 'BigInt64Array', 'Float64Array'] },
  { what: 'int32 lens of 1.5', feeds: (g) => ({ ...g, lens: { type: 'int32', data: [1, 1.5], dims: [BATCH] } }), error: ["'lens'", 'element 1 is 1.5'] },
  { what: 'int32 lens of NaN', feeds: (g) => ({ ...g, lens: { type: 'int32', data: [Number.NaN, 1], dims: [BATCH] } }), error: ["'lens'", 'element 0 is NaN'] },
  { what: 'float32 X in a Float64Array', feeds: (g) => ({ ...g, X: plain(X(g), { data: Float64Array.from(X(g).data as Float32Array) }) }), error: ["'X'", 'Float32Array', 'Float64Array'] },
  { what: 'X of strings', feeds: (g) => ({ ...g, X: plain(X(g), { data: Array.from(X(g).data as Float32Array, String) }) }), error: ["'X'", 'element 0'] },
  { what: 'type float64', feeds: (g) => ({ ...g, X: plain(X(g), { type: 'float64' }) }), error: ["'X'", "'float64'"] },
  { what: 'no type', feeds: (g) => ({ ...g, X: { data: X(g).data, dims: [...X(g).dims] } }), error: ["'X'", 'type'] },
  { what: 'fractional dims', feeds: (g) => ({ ...g, X: plain(X(g), { dims: [X(g).dims[0] / 2, 4, 2] }) }), error: ["'X'", 'non-negative integers'] },
  { what: 'negative dims', feeds: (g) => ({ ...g, X: plain(X(g), { dims: [-X(g).dims[0], -BATCH, 2] }) }), error: ["'X'", 'non-negative integers'] },
  { what: 'dims as a string', feeds: (g) => ({ ...g, X: plain(X(g), { dims: '5,2,2' }) }), error: ["'X'", 'dims'] },
  { what: 'more data than dims', feeds: (g) => ({ ...g, X: plain(X(g), { data: new Float32Array(X(g).size + 1) }) }), error: ["'X'", 'elements'] },
  // Streams: a resumed step keeps the stream's batch and takes no initial state.
  { what: 'a step with batch 3', feeds: (g) => ({ X: new Tensor('float32', new Float32Array(X(g).dims[0] * 6), [X(g).dims[0], 3, 2]), lens: new Tensor('int32', Int32Array.of(1, 1, 1), [3]) }), error: ["'X'", 'batch 2', 'reset()'], only: 'step' },
  { what: 'a step with batch 1', feeds: (g) => ({ X: new Tensor('float32', (X(g).data as Float32Array).slice(0, 2), [1, 1, 2]), lens: new Tensor('int32', Int32Array.of(1), [1]) }), error: ["'X'", 'batch 2'], only: 'step' },
  { what: 'h0 given to a resumed step', feeds: (g) => ({ ...g, h0: H0 }), error: ["'h0'", 'reset()'], only: 'step' },
];

/**
 * Expected outputs: of the whole sequence, and of each step of a stream fed only good steps (a step
 * projects its input per step, so it may differ from the whole run in the last bit).
 */
async function reference(session: ArtifactSession): Promise<{ whole: Float32Array; steps: Float32Array[] }> {
  const whole = (await session.run(goodRun() as Record<string, Tensor>)).Y.data as Float32Array;
  const stream = session.stream();
  const steps: Float32Array[] = [];
  for (let t = 0; t < SEQ; t++) steps.push((await stream.step(goodStep(t) as Record<string, Tensor>)).Y.data as Float32Array);
  return { whole, steps };
}

const same = (got: Tensor, want: Float32Array, what: string) => assert.equal(Array.from(got.data as Float32Array), Array.from(want), what);

/** Runs `feeds` (a `run`, or `stream`'s next step), then asserts an InputError with `parts` or the `want` result. */
async function expectOutcome(call: Promise<Record<string, Tensor>>, c: Case, want: Float32Array, where: string): Promise<boolean> {
  try {
    const out = await call;
    assert.ok(!c.error, `${where}: expected an InputError naming ${c.error?.[0]}, got a result`);
    same(out.Y, want, `${where}: the result`);
    return true;
  } catch (e) {
    const err = e as Error;
    if (err.name === 'Assertion') throw err;
    assert.ok(c.error, `${where}: expected a result, got ${err.name}: ${err.message}`);
    assert.ok(err instanceof InputError && err instanceof RnncError, `${where}: expected an InputError, got ${err.name}: ${err.message}`);
    for (const p of c.error!) assert.ok(err.message.includes(p), `${where}: the message lacks ${JSON.stringify(p)}: ${err.message}`);
    return false;
  }
}

async function runCase(session: ArtifactSession, c: Case, mode: Mode, ref: { whole: Float32Array; steps: Float32Array[] }, stream: StepStream) {
  const where = `${session.workers} worker(s), ${mode}, ${c.what}`;
  if (mode === 'run') {
    await expectOutcome(session.run(c.feeds(goodRun()) as Record<string, Tensor>), c, ref.whole, where);
    same((await session.run(goodRun() as Record<string, Tensor>)).Y, ref.whole, `${where}: the good call after it`);
    return;
  }
  stream.reset();
  same((await stream.step(goodStep(0) as Record<string, Tensor>)).Y, ref.steps[0], `${where}: step 0`);
  const ran = await expectOutcome(stream.step(c.feeds(goodStep(1)) as Record<string, Tensor>), c, ref.steps[1], where);
  const next = ran ? 2 : 1;
  same((await stream.step(goodStep(next) as Record<string, Tensor>)).Y, ref.steps[next], `${where}: the good step after it`);
}

test('bad feeds: an InputError naming the tensor, or the right result; the next call is right (run and stream step, 1 and 2 workers)', async () => {
  for (const workers of [1, 2]) {
    const session = await InferenceSession.create(MODEL, { batch: 3, workers });
    assert.is(session.workers, workers);
    const ref = await reference(session);
    const stream = session.stream();
    for (const c of CASES) {
      for (const mode of ['run', 'step'] as const) if (!c.only || c.only === mode) await runCase(session, c, mode, ref, stream);
    }
    await session.release();
  }
});

test('a Tensor made from a plain array takes integers in range only for integer types', () => {
  throws(() => new Tensor('int32', [7.9]), InputError, 'element 0 is 7.9', 'integer');
  throws(() => new Tensor('int32', [2 ** 31]), InputError, 'element 0 is 2147483648');
  throws(() => new Tensor('int64', [1, Number.NaN]), InputError, 'element 1 is NaN');
  throws(() => new Tensor('int64', [2n ** 63n]), InputError, 'element 0 is 9223372036854775808');
  throws(() => new Tensor('float32', ['1' as unknown as number]), InputError, "element 0 is '1'", 'number');
  throws(() => new Tensor('float32', [1, 2], '2' as unknown as number[]), InputError, 'dims', "'2'");
  assert.equal(Array.from(new Tensor('int64', [3n, -2n]).data as BigInt64Array), [3n, -2n]);
  assert.equal(Array.from(new Tensor('int32', [-(2 ** 31), 5]).data as Int32Array), [-(2 ** 31), 5]);
});

test.run();
