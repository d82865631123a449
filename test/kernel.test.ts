/**
 * Specialized kernels against the float64 reference: seeded random descriptors over every cell,
 * direction, layout and feature (clip, sequence_lens with lengths 0 and T, batch below the compiled
 * maximum, odd sizes 1, 3, 5, 17, 33), one case per activation name, weights fed at run time, and a
 * session reused across calls of different lengths and batches.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ACTIVATION_NAMES, activationsPerDirection, defaultActivations, activation, describeCell, numDirections,
  type ActivationName, type CellDescriptor, type CellKind, type Direction,
} from '../compiler/cells/descriptor.js';
import { compileModel } from '../compiler/index.js';
import { InferenceSession } from '../api/node.js';
import type { Tensor } from '../runtime/tensor.js';
import { compareWithReference, maxAbsDiff, modelFor } from './harness.js';
import { referenceRnn, type ReferenceInputs, type ReferenceOutputs } from './reference.js';
import { isTame, mulberry32, randInt, randomActivation, randomDescriptor, randomInputs, uniform, type Rng } from './random.js';

const TOLERANCE = 1e-5;
/** Outputs stay within about 1 (random.ts scales inputs so), so an absolute 1e-5 is a tight bound. */
const MAGNITUDE = 2;
const SIZES = [1, 3, 5, 17, 33];
const CELLS: readonly CellKind[] = ['lstm', 'gru', 'rnn'];
const DIRECTIONS: readonly Direction[] = ['forward', 'reverse', 'bidirectional'];

interface Case {
  readonly d: CellDescriptor;
  readonly inp: ReferenceInputs;
  readonly label: string;
}

/** Sequence lengths mixing 0, T and one in between, whatever randomInputs drew. */
function mixLengths(rng: Rng, inp: ReferenceInputs): void {
  const lens = inp.sequenceLens as Int32Array | null;
  if (!lens) return;
  const T = inp.seqLength;
  const mixed = [0, T, randInt(rng, 1, T)];
  if (lens.length === 1) lens[0] = mixed[randInt(rng, 0, 2)];
  else for (let b = 0; b < Math.min(3, lens.length); b++) lens[b] = mixed[b];
}

function label(d: CellDescriptor, inp: ReferenceInputs): string {
  const dir = d.direction === 'bidirectional' ? 'bidi' : d.direction === 'reverse' ? 'rev' : 'fwd';
  const flags = [d.clip !== null && 'clip', d.hasSequenceLens && 'lens', d.linearBeforeReset && 'lbr', d.inputForget && 'if',
    d.hasPeepholes && 'peep', d.hasInitialH && 'h0', d.hasInitialC && 'c0'].filter(Boolean);
  return `${d.cell} I=${d.inputSize} H=${d.hiddenSize} T=${inp.seqLength} batch ${inp.batch}/${d.maxBatch} ${dir} layout ${d.layout} ` +
    `[${d.activations.map((a) => a.name).join(',')}]${flags.length ? ' ' + flags.join(' ') : ''}`;
}

function makeCase(rng: Rng, d: CellDescriptor, batchIsMax: boolean): Case {
  const batch = batchIsMax ? d.maxBatch : randInt(rng, 1, d.maxBatch);
  const inp = randomInputs(rng, d, randInt(rng, 1, 9), batch);
  mixLengths(rng, inp);
  return { d, inp, label: label(d, inp) };
}

/** Case i: cell, direction and layout cycle; sizes from SIZES; maxBatch cycles 1..10; every 4th clipped. */
function randomCase(rng: Rng, i: number): Case {
  const cell = CELLS[i % 3], direction = DIRECTIONS[Math.floor(i / 3) % 3], layout = (Math.floor(i / 9) % 2) as 0 | 1;
  for (;;) {
    const base = randomDescriptor(rng, { cell, direction, layout, customActivations: 0.7 });
    const clip = i % 4 === 0 && base.clip === null ? uniform(rng, 0.5, 3) : base.clip;
    const d = describeCell({
      ...base, clip, inputSize: SIZES[i % 5], hiddenSize: SIZES[(i + 2 + Math.floor(i / 5)) % 5], maxBatch: 1 + ((i * 7) % 10),
    });
    if (isTame(d)) return makeCase(rng, d, i % 20 < 10);
  }
}

/** A case using activation `name` (as the RNN's f, or as the LSTM/GRU candidate g), or null if none stays tame. */
function activationCase(rng: Rng, name: ActivationName, cell: CellKind, i: number): Case | null {
  for (let attempt = 0; attempt < 50; attempt++) {
    const per = activationsPerDirection(cell);
    const acts = defaultActivations(cell).map((n) => activation(n));
    acts[per === 1 ? 0 : 1] = randomActivation(rng, [name]);
    const direction = DIRECTIONS[i % 3];
    const d = describeCell({
      cell, direction, layout: (i % 2) as 0 | 1, inputSize: SIZES[(i + 1) % 5], hiddenSize: SIZES[(i + 3) % 5],
      maxBatch: 1 + (i % 4), hasSequenceLens: i % 3 === 0, hasInitialH: true,
      activations: numDirections(direction) === 2 ? [...acts, ...acts] : acts,
    });
    if (isTame(d)) return makeCase(rng, d, i % 2 === 0);
  }
  return null;
}

const rng = mulberry32(0x6b65726e);
const cases: Case[] = Array.from({ length: 36 }, (_, i) => randomCase(rng, i));
ACTIVATION_NAMES.forEach((name, k) => {
  for (const cell of ['rnn', k % 2 ? 'lstm' : 'gru'] as const) {
    const c = activationCase(rng, name, cell, k);
    if (c) cases.push(c);
  }
});

/** Largest |v| over every output of the reference. */
function magnitude(ref: ReferenceOutputs): number {
  let m = 0;
  for (const a of [ref.Y, ref.Y_h, ref.Y_c ?? []]) for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

test('the cases cover every activation, cell, direction, layout, size and feature', () => {
  const seen = (f: (c: Case) => unknown) => new Set(cases.map(f));
  for (const name of ACTIVATION_NAMES) assert.ok(cases.some((c) => c.d.activations.some((a) => a.name === name)), `activation ${name}`);
  assert.equal(seen((c) => c.d.cell).size, 3);
  assert.equal(seen((c) => c.d.direction).size, 3);
  assert.equal(seen((c) => c.d.layout).size, 2);
  for (const s of SIZES) {
    assert.ok(seen((c) => c.d.inputSize).has(s), `input size ${s}`);
    assert.ok(seen((c) => c.d.hiddenSize).has(s), `hidden size ${s}`);
  }
  for (let b = 1; b <= 10; b++) assert.ok(seen((c) => c.inp.batch).has(b), `batch ${b}`);
  assert.ok(cases.some((c) => c.inp.batch < c.d.maxBatch), 'batch below maxBatch');
  assert.ok(cases.some((c) => c.d.clip !== null), 'clip');
  assert.ok(cases.some((c) => c.d.linearBeforeReset) && cases.some((c) => c.d.cell === 'gru' && !c.d.linearBeforeReset), 'GRU lbr 0 and 1');
  assert.ok(cases.some((c) => c.d.hasPeepholes) && cases.some((c) => c.d.inputForget), 'LSTM peepholes and input_forget');
  const withLens = cases.filter((c) => c.inp.sequenceLens);
  assert.ok(withLens.some((c) => {
    const l = Array.from(c.inp.sequenceLens!);
    return l.includes(0) && l.includes(c.inp.seqLength) && l.some((v) => v > 0 && v < c.inp.seqLength);
  }), `lengths 0, T and 0 < L < T in one batch (among ${withLens.length} cases with sequence_lens)`);
});

for (const [i, c] of cases.entries()) {
  test(`#${i} ${c.label}`, async () => {
    const r = await compareWithReference(c.d, c.inp);
    const m = magnitude(r.ref);
    assert.ok(m <= MAGNITUDE, `outputs reach ${m}; the 1e-5 bound assumes |y| <= ${MAGNITUDE}`);
    const allEmpty = c.inp.sequenceLens && Array.from(c.inp.sequenceLens).every((v) => v === 0) && !c.d.hasInitialH;
    if (!allEmpty) assert.ok(m > 1e-3, `outputs are all but zero (${m}): the comparison would prove little`);
    assert.ok(r.error <= TOLERANCE, `${r.kernel}: max abs error ${r.error.toExponential(3)} (outputs up to ${m.toFixed(3)})`);
    if (i % 4 === 0) {
      const fed = await compareWithReference(c.d, c.inp, {}, true);
      assert.ok(fed.error <= TOLERANCE, `weights fed at run time: max abs error ${fed.error.toExponential(3)}`);
    }
  });
}

type Artifact = ReturnType<typeof compileModel>['artifact'];

/** Runs `feeds` through a fresh session of `artifact` on `workers` workers. */
async function fresh(artifact: Artifact, feeds: Record<string, Tensor>, workers = 1): Promise<Record<string, Tensor>> {
  const session = await InferenceSession.create(artifact, { workers });
  try {
    assert.is(session.workers, workers, `the session runs on ${workers} worker(s)${session.note ? `: ${session.note}` : ''}`);
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function assertBitwiseEqual(got: Record<string, Tensor>, want: Record<string, Tensor>, what: string): void {
  assert.equal(Object.keys(got), Object.keys(want), what);
  for (const k of Object.keys(want)) {
    assert.equal(got[k].dims, want[k].dims, `${what} ${k} dims`);
    const a = new Uint32Array(got[k].data.buffer, got[k].data.byteOffset, got[k].data.length);
    const b = new Uint32Array(want[k].data.buffer, want[k].data.byteOffset, want[k].data.length);
    assert.ok(a.every((v, j) => v === b[j]), `${what} ${k}: differs from a fresh run`);
  }
}

test('weights fed at run time are repacked on every run', async () => {
  const r = mulberry32(7);
  const d = describeCell({ cell: 'gru', inputSize: 5, hiddenSize: 17, maxBatch: 3, direction: 'bidirectional', linearBeforeReset: true, hasSequenceLens: true });
  const a = randomInputs(r, d, 6, 3), b = randomInputs(r, d, 6, 3);
  const { model, feeds } = modelFor(d, a, true);
  const session = await InferenceSession.create(compileModel(model).artifact, { workers: 1 });
  for (const inp of [a, b, a]) {
    const got = await session.run(modelFor(d, inp, true).feeds);
    const ref = referenceRnn(d, inp);
    assert.ok(Math.max(maxAbsDiff(got.Y.data, ref.Y), maxAbsDiff(got.Y_h.data, ref.Y_h)) <= TOLERANCE);
  }
  assert.ok(Object.keys(feeds).includes('in_W') && Object.keys(feeds).includes('in_R'));
  await session.release();
});

for (const d of [
  describeCell({ cell: 'gru', inputSize: 5, hiddenSize: 17, maxBatch: 6, direction: 'bidirectional', linearBeforeReset: true, hasSequenceLens: true, hasInitialH: true }),
  describeCell({ cell: 'lstm', inputSize: 3, hiddenSize: 33, maxBatch: 5, direction: 'reverse', layout: 1, hasPeepholes: true, hasInitialH: true, hasInitialC: true, clip: 2 }),
]) {
  test(`a reused session equals fresh runs exactly: ${d.cell} ${d.direction} layout ${d.layout}`, async () => {
    const r = mulberry32(11);
    const weights = randomInputs(r, d, 1, 1);
    const calls = [[7, d.maxBatch], [2, 1], [40, 3], [1, d.maxBatch], [5, 2], [7, d.maxBatch]].map(([T, B]) => {
      const inp: ReferenceInputs = { ...randomInputs(r, d, T, B), W: weights.W, R: weights.R, B: weights.B, P: weights.P };
      mixLengths(r, inp);
      return inp;
    });
    calls[calls.length - 1] = calls[0];
    const { artifact } = compileModel(modelFor(d, calls[0]).model, { threads: true });
    const session = await InferenceSession.create(artifact, { workers: 1 });
    const results: Record<string, Tensor>[] = [];
    for (const inp of calls) {
      const feeds = modelFor(d, inp).feeds;
      const got = await session.run(feeds);
      assertBitwiseEqual(got, await fresh(artifact, feeds), `T=${inp.seqLength} batch ${inp.batch}`);
      const ref = referenceRnn(d, inp);
      assert.ok(maxAbsDiff(got.Y.data, ref.Y) <= TOLERANCE && maxAbsDiff(got.Y_h.data, ref.Y_h) <= TOLERANCE);
      results.push(got);
    }
    assertBitwiseEqual(results[results.length - 1], results[0], 'the first call repeated last');
    // Concurrent calls are queued; each still gets its own, exact result.
    const concurrent = await Promise.all(calls.map((inp) => session.run(modelFor(d, inp).feeds)));
    concurrent.forEach((got, k) => assertBitwiseEqual(got, results[k], `concurrent call ${k}`));
    await session.release();
    // The same inputs give the same outputs on two workers (each owns a slice of the hidden units).
    for (const [k, inp] of calls.entries()) assertBitwiseEqual(await fresh(artifact, modelFor(d, inp).feeds, 2), results[k], `2 workers, call ${k}`);
  });
}

test.run();
