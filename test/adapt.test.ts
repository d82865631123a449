/**
 * runtime/adapt.ts: a multi-worker session runs a call on the calling thread alone while calls on
 * every worker have lately been slower, and tries every worker again now and then.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CallModeChooser, type CallMode } from '../runtime/adapt.js';
import { describeCell } from '../compiler/cells/descriptor.js';
import { compileModel } from '../compiler/index.js';
import { ArtifactSession } from '../runtime/session.js';
import { spawnNodeWorker } from '../runtime/node.js';
import { Tensor } from '../runtime/tensor.js';
import { modelFor, maxAbsDiff } from './harness.js';
import { mulberry32, randomInputs } from './random.js';

/** Runs `calls` calls through a chooser whose modes take `ms(mode, call)`; returns the modes used. */
function drive(c: CallModeChooser, calls: number, ms: (mode: CallMode, i: number) => number): CallMode[] {
  const used: CallMode[] = [];
  for (let i = 0; i < calls; i++) {
    const m = c.next();
    used.push(m);
    c.record(m, ms(m, i), 100);
  }
  return used;
}
const count = (xs: CallMode[], m: CallMode) => xs.filter((x) => x === m).length;

test('a quiet machine: every worker, with tries of the caller alone ever rarer (gaps 8, 16, 32, 64)', () => {
  const used = drive(new CallModeChooser(), 300, (m) => (m === 'all' ? 1 : 2));
  assert.is(used[0], 'all');
  const solos = used.flatMap((m, i) => (m === 'solo' ? [i] : []));
  assert.equal(solos.slice(0, 4), [8, 25, 58, 123]);
  assert.ok(count(used, 'solo') <= 6, `${count(used, 'solo')} solo calls in 300`);
});

test('a core taken away: the next calls run on the caller alone; once it is back, all workers again', () => {
  const c = new CallModeChooser();
  // All workers 1 ms until call 20, then 5 ms (a busy neighbour); the caller alone takes 2 ms throughout.
  const busy = drive(c, 60, (m, i) => (m === 'solo' ? 2 : i < 20 ? 1 : 5));
  const after = busy.slice(30);
  assert.ok(count(after, 'solo') >= 25, `calls 30-59 mostly solo: ${after.join(' ')}`);
  assert.is(c.current, 'solo');
  // The neighbour leaves: all workers 1 ms again. The next try of them (within 64 calls) switches back.
  const quiet = drive(c, 80, (m) => (m === 'solo' ? 2 : 1));
  assert.is(c.current, 'all');
  assert.ok(count(quiet.slice(-40), 'all') >= 38, quiet.join(' '));
});

test('a try of all workers does not count its first call (the parked threads wake up then)', () => {
  const c = new CallModeChooser();
  drive(c, 30, (m, i) => (m === 'solo' ? 2 : i < 5 ? 1 : 5)); // all workers got slow: solo
  assert.is(c.current, 'solo');
  // Quiet again, but the first call on all workers after solo ones pays the wake-up (10 ms).
  let last: CallMode = 'solo';
  const used = drive(c, 40, (m) => {
    const ms = m === 'all' ? (last === 'solo' ? 10 : 1) : 2;
    last = m;
    return ms;
  });
  assert.is(c.current, 'all', used.join(' '));
});

test('three slow calls among five (a host hiccup) do not switch (lower quartile of the last five)', () => {
  const c = new CallModeChooser();
  drive(c, 9, (m) => (m === 'all' ? 1 : 2)); // learns both
  const used = drive(c, 5, (m, i) => (m === 'all' ? (i === 1 || i === 2 || i === 3 ? 5 : 1) : 2));
  assert.equal(used, ['all', 'all', 'all', 'all', 'all']);
  assert.is(c.current, 'all');
});

test('one lucky call of the other mode does not switch: a try needs two faster calls', () => {
  const c = new CallModeChooser();
  // All workers 1 ms; the caller alone 2 ms, except its first try call (0.5 ms).
  let solos = 0;
  const used = drive(c, 12, (m) => (m === 'all' ? 1 : solos++ === 0 ? 0.5 : 2));
  assert.equal(used.slice(8, 11), ['solo', 'solo', 'all'], used.join(' '));
  assert.is(c.current, 'all');
  // Two faster calls in a row do switch.
  const d = new CallModeChooser();
  drive(d, 8, () => 1);
  drive(d, 2, (m) => (m === 'all' ? 1 : 0.5));
  assert.is(d.current, 'solo');
});

test('a single slow call does not switch (lower quartile of the last five, 10% hysteresis)', () => {
  const c = new CallModeChooser();
  drive(c, 9, (m) => (m === 'all' ? 1 : 2)); // learns both
  const used = drive(c, 5, (m, i) => (m === 'all' ? (i === 1 ? 50 : 1) : 2));
  assert.equal(used, ['all', 'all', 'all', 'all', 'all']);
});

test('calls alternating between all workers and the caller alone give the 1-worker outputs, streams included', async () => {
  const d = describeCell({ cell: 'lstm', inputSize: 11, hiddenSize: 45, maxBatch: 2 });
  const T = 5;
  const { model, feeds } = modelFor(d, randomInputs(mulberry32(77), d, T, 2));
  const { artifact } = compileModel(model, { threads: true });
  const one = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
  const ref = await one.run(feeds);
  await one.release();
  // The chooser's 9th call is a try of the caller alone, whatever the timings.
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spawnNodeWorker });
  for (let i = 0; i < 12; i++) {
    const got = await s.run(feeds);
    assert.ok(maxAbsDiff(got.Y.data, ref.Y.data) <= 1e-6, `call ${i}`);
  }
  const stream = s.stream();
  const x = feeds.in_X.data as Float32Array;
  const per = 2 * d.inputSize;
  for (let i = 0; i < 20; i++) {
    const t = i % T;
    if (t === 0) stream.reset();
    const out = await stream.step({ in_X: new Tensor('float32', x.slice(t * per, (t + 1) * per), [1, 2, d.inputSize]) });
    assert.ok(maxAbsDiff(out.Y.data, (ref.Y.data as Float32Array).slice(t * 2 * 45, (t + 1) * 2 * 45)) <= 1e-6, `stream step ${i}`);
  }
  const n = s.callCounts;
  assert.is(n.all + n.solo, 12 + 20);
  assert.ok(n.solo >= 2 && n.all >= 8, JSON.stringify(n));
  await s.release();
});

test('adaptWorkers: false keeps every call on all workers', async () => {
  const d = describeCell({ cell: 'gru', inputSize: 6, hiddenSize: 20, maxBatch: 1 });
  const { model, feeds } = modelFor(d, randomInputs(mulberry32(5), d, 3, 1));
  const { artifact } = compileModel(model, { threads: true });
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spawnNodeWorker, adaptWorkers: false });
  const first = await s.run(feeds);
  for (let i = 0; i < 20; i++) assert.equal(Array.from((await s.run(feeds)).Y.data as Float32Array), Array.from(first.Y.data as Float32Array));
  assert.equal(s.callCounts, { all: 21, solo: 0 });
  await s.release();
});

test('a one-worker session counts every call as run on all its workers', async () => {
  const d = describeCell({ cell: 'rnn', inputSize: 3, hiddenSize: 5, maxBatch: 1 });
  const { model, feeds } = modelFor(d, randomInputs(mulberry32(9), d, 2, 1));
  const s = await ArtifactSession.fromArtifact(compileModel(model).artifact, { workers: 1 });
  for (let i = 0; i < 3; i++) await s.run(feeds);
  assert.equal(s.callCounts, { all: 3, solo: 0 });
  await s.release();
});

test.run();
