/**
 * runtime/calibrate.ts: a session that picked several workers by default compares its first calls
 * on every worker with calls on the caller alone and keeps the faster; its note says what it runs on
 * and why in every case. The decision is tested with injected timings; the sessions' notes with real
 * workers (whatever the timings decide, the note and the call counts must agree with it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CALIBRATION_CALLS, ROUND_STARTS, WorkerCalibration } from '../runtime/calibrate.js';
import type { CallMode } from '../runtime/adapt.js';
import { describeCell } from '../compiler/cells/descriptor.js';
import { compileModel } from '../compiler/index.js';
import { recommendedWorkers } from '../contract/manifest.js';
import { ArtifactSession } from '../runtime/session.js';
import { crowdState } from '../runtime/pool.js';
import { spawnNodeWorker } from '../runtime/node.js';
import { maxAbsDiff, modelFor } from './harness.js';
import { mulberry32, randomInputs } from './random.js';

/**
 * Runs calls through `c` until it settles (at most 400), each taking `ms(mode, i)`; a call next()
 * leaves to the pool's chooser runs on every worker. Returns the modes used.
 */
function calibrate(c: WorkerCalibration, ms: (mode: CallMode, i: number) => number): CallMode[] {
  const used: CallMode[] = [];
  for (let i = 0; i < 400 && c.settled === null; i++) {
    const m = c.next() ?? 'all';
    used.push(m);
    c.record(m, ms(m, i), 10);
  }
  return used;
}

const blocks = (n: number) => Array.from({ length: n }, (_, i) => (Math.floor(i / 4) % 2 === 0 ? 'all' : 'solo'));

test('warm-up, then rounds at calls 32 and 256 alternating in blocks of four; between them the choice; settled after call 288', () => {
  const c = new WorkerCalibration(2, 'planned');
  const nexts: (CallMode | null)[] = [];
  for (let i = 0; i < 400 && c.settled === null; i++) {
    const m = c.next();
    nexts.push(m);
    c.record(m ?? 'all', m === 'solo' ? 2 : 1, 10);
  }
  assert.is(nexts.length, 288);
  assert.equal(nexts.slice(0, 64), [...blocks(32), ...blocks(32)]);
  assert.ok(nexts.slice(64, 256).every((m) => m === null), 'every worker won the first round: the pool chooses');
  assert.equal(nexts.slice(256), blocks(32));
  assert.is(CALIBRATION_CALLS, 24);
  assert.equal(ROUND_STARTS, [32, 256]);
});

test('every worker twice as fast: kept, and the note says how much faster', () => {
  const c = new WorkerCalibration(2, "the planner's choice for 2 cores");
  assert.match(c.note(), /^2 workers for now \(the planner's choice for 2 cores\), until calls compare them with 1 worker$/);
  calibrate(c, (m) => (m === 'all' ? 1 : 2));
  assert.is(c.settled, 'all');
  assert.is(c.note(), "2 workers: 2.00x as fast as 1 over 24 calls from call 256, checked again from call 352 (the planner's choice for 2 cores)");
});

/** Runs `n` calls through `c`, each taking `ms(mode, i)`; returns the modes next() asked for. */
function drive(c: WorkerCalibration, n: number, ms: (mode: CallMode, i: number) => number, at?: (i: number) => void): (CallMode | null)[] {
  const used: (CallMode | null)[] = [];
  for (let i = 0; i < n; i++) {
    const m = c.next();
    used.push(m);
    c.record(m ?? 'all', ms(m ?? 'all', i), 10);
    at?.(i);
  }
  return used;
}

// Where the checks after call 288 start: 64 calls after the last round, then gaps of 128, 256, 512, 512.
const CHECKS = [352, 512, 800, 1344, 1888];

test('kept workers are checked again, soon and then every 512 calls; a small loss twice in a row stops the pool for good', () => {
  const c = new WorkerCalibration(2, 'planned');
  // Back to back every worker wins; from call 900 on a call on every worker takes 1.5x the caller's.
  const used = drive(c, 2400, (m, i) => (m === 'all' ? (i < 900 ? 1 : 3) : 2));
  for (const [k, at] of CHECKS.entries()) {
    assert.equal(used.slice(at, at + 32), blocks(32), `check ${k} from call ${at}`);
    if (k < CHECKS.length - 1) assert.ok(used.slice(at + 32, CHECKS[k + 1]).every((m) => m === null), `kept after check ${k}`);
  }
  assert.ok(used.slice(CHECKS[4] + 32).every((m) => m === 'solo'), 'two losing checks in a row: the caller alone, for good');
  assert.is(c.settled, 'solo');
  assert.is(c.note(), '1 worker: 2 workers were 0.67x as fast as 1 over 24 calls from call 1888 (planned)');
});

test('one check lost by a small margin between won ones keeps the workers (a busy moment of the machine)', () => {
  const c = new WorkerCalibration(2, 'planned');
  drive(c, 1400, (m, i) => (m === 'all' ? (i >= 800 && i < 832 ? 3 : 1) : 2), (i) => {
    if (i === 831) assert.is(c.note(), '2 workers, for now: at the check from call 800 they were 0.67x as fast as 1 over 24 calls, checked again from call 1344 (planned)');
  });
  assert.is(c.settled, 'all');
  assert.is(c.note(), '2 workers: 2.00x as fast as 1 over 24 calls from call 1344, checked again from call 1888 (planned)');
});

test('a check the caller alone wins clearly (a streaming step now paced by the page) stops the pool at once', () => {
  const c = new WorkerCalibration(2, 'planned');
  const used = drive(c, 700, (m, i) => (m === 'all' ? (i < 400 ? 1 : 5) : 2));
  assert.ok(used.slice(CHECKS[1] + 32).every((m) => m === 'solo'), 'after the check from call 512');
  assert.is(c.note(), '1 worker: 2 workers were 0.40x as fast as 1 over 24 calls from call 512 (planned)');
});

test('every worker slower (a streaming step on a crowded machine): the caller alone, and the note says so', () => {
  const c = new WorkerCalibration(2, 'planned');
  const used = calibrate(c, (m) => (m === 'all' ? 2.5 : 1));
  assert.ok(used.slice(64, 256).every((m) => m === 'solo'), 'between the rounds, the caller alone');
  assert.is(c.settled, 'solo');
  assert.is(c.note(), '1 worker: 2 workers were 0.40x as fast as 1 over 24 calls from call 256 (planned)');
});

test('the last round decides: a first round on cold code is overturned once the code is warm', () => {
  const c = new WorkerCalibration(2, 'planned');
  // Until call 100 the caller alone is slow (unoptimized code on one thread); then it is faster.
  const ms = (m: CallMode, i: number) => (m === 'all' ? 1 : i < 100 ? 3 : 0.5);
  for (let i = 0; i < 64; i++) c.record(c.next() ?? 'all', ms(c.next() ?? 'all', i), 1);
  assert.is(c.settled, null);
  assert.match(c.note(), /^2 workers: 3\.00x as fast as 1 over 24 calls from call 32, to be checked again/);
  calibrate(c, ms);
  assert.is(c.settled, 'solo');
});

test('a tie goes to 1 worker: every worker is kept only when more than 5% faster', () => {
  const tie = new WorkerCalibration(2, 'planned');
  calibrate(tie, (m) => (m === 'all' ? 1 : 1.04));
  assert.is(tie.settled, 'solo');
  const win = new WorkerCalibration(2, 'planned');
  calibrate(win, (m) => (m === 'all' ? 1 : 1.06));
  assert.is(win.settled, 'all');
});

test("a block's first call (the switch: waking the threads) is not counted; medians ignore a few hiccups", () => {
  const c = new WorkerCalibration(2, 'planned');
  // Every worker 1 ms, but 50 ms for the first call of each of its blocks and two later hiccups.
  calibrate(c, (m, i) => (m === 'solo' ? 2 : i % 8 === 0 || i === 261 || i === 275 ? 50 : 1));
  assert.is(c.settled, 'all');
});

/** An LSTM the planner puts on 2 workers for 2 cores, and a short call of it. */
function twoWorkerModel() {
  const d = describeCell({ cell: 'lstm', inputSize: 256, hiddenSize: 256, maxBatch: 1 });
  const { model, feeds } = modelFor(d, randomInputs(mulberry32(31), d, 4, 1));
  const { artifact } = compileModel(model, { threads: true });
  assert.is(recommendedWorkers(artifact.manifest, 2), 2, 'the planner picks 2 workers for 2 cores (the test needs it)');
  return { artifact, feeds };
}

test('a default session on 2 cores settles on what its first calls measured; note, counts and threads agree', async () => {
  const { artifact, feeds } = twoWorkerModel();
  const one = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
  const ref = await one.run(feeds);
  await one.release();
  const before = crowdState().threads;
  const s = await ArtifactSession.fromArtifact(artifact, { cores: 2, spawn: spawnNodeWorker });
  assert.is(s.workers, 2);
  assert.match(s.note ?? '', /^2 workers for now \(the planner's choice for 2 cores/);
  for (let i = 0; i < 320; i++) assert.ok(maxAbsDiff((await s.run(feeds)).Y.data, ref.Y.data) <= 1e-6, `call ${i}`);
  const note = s.note ?? '';
  const counts = s.callCounts;
  assert.is(counts.all + counts.solo, 320);
  if (note.startsWith('1 worker: 2 workers were')) {
    assert.ok(counts.solo >= 32 + 16 + 32, `settled on 1 worker after call 288: ${JSON.stringify(counts)}`);
    assert.is(crowdState().threads, before, 'settled on the caller alone: the pool was stopped');
    assert.is(s.workers, 1);
  } else {
    assert.match(note, /^2 workers: \d+\.\d\dx as fast as 1 over 24 calls from call 256, checked again from call 352 \(the planner's choice/);
    assert.ok(counts.all >= 16 + 16, JSON.stringify(counts));
    assert.is(s.workers, 2);
  }
  await s.release();
});

test("a call on the caller alone right after calls on every worker tells the pool's polling threads to sleep", async () => {
  const { artifact, feeds } = twoWorkerModel();
  // 2 cores, one pool: its thread and the caller fit, so calls on every worker never find the machine
  // crowded and only the switch moves the epoch.
  assert.is(crowdState().threads, 0, 'no other pool is alive');
  const s = await ArtifactSession.fromArtifact(artifact, { cores: 2, spawn: spawnNodeWorker });
  assert.is(s.workers, 2);
  const epochs: number[] = [];
  // Calibration blocks of four from the first call: 0-3 on every worker, 4-7 on the caller alone, 8-11 on every worker.
  for (let i = 0; i < 12; i++) {
    await s.run(feeds);
    epochs.push(crowdState().epoch);
  }
  assert.equal(s.callCounts, { all: 8, solo: 4 });
  const moved = epochs.map((e, i) => e - (i ? epochs[i - 1] : epochs[0]));
  assert.equal(moved, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], `epoch after each call: ${epochs}`);
  await s.release();
});

test('the note says why in every other case: asked, planned for 1, not compared', async () => {
  const { artifact, feeds } = twoWorkerModel();
  const notes: string[] = [];
  for (const opts of [{ workers: 2 }, { workers: 1 }, { cores: 1 }, { cores: 2, adaptWorkers: false }, { cores: 2, callerComputes: false }]) {
    const s = await ArtifactSession.fromArtifact(artifact, { ...opts, spawn: spawnNodeWorker });
    await s.run(feeds);
    notes.push(s.note ?? 'null');
    await s.release();
  }
  assert.is(notes[0], '2 workers, as asked');
  assert.is(notes[1], '1 worker, as asked');
  assert.match(notes[2], /^1 worker: the planner's choice for 1 core \(1 worker: about/);
  assert.match(notes[3], /^2 workers: the planner's choice for 2 cores .*; not compared with 1 worker \(adaptWorkers is false\)$/);
  assert.match(notes[4], /not compared with 1 worker \(callerComputes is false\)$/);
});

test.run();
