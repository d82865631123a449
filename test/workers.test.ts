/**
 * Multi-worker runs: the same outputs for 1..4 workers (slices that do not divide evenly included),
 * streaming steps equal to a whole-sequence run, calls from several callers queued, and the fault
 * contract: a worker that dies or a call that overruns its timeout rejects, the session recovers,
 * and release() leaves nothing running.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, type CellDescriptorInit } from '../compiler/cells/descriptor.js';
import { compileModel } from '../compiler/index.js';
import type { PlanOptions } from '../compiler/plan/cell.js';
import { ArtifactSession } from '../runtime/session.js';
import { InferenceSession, spawnNodeWorker } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';
import { EngineError } from '../contract/errors.js';
import { crowdState, type Spawn, type WorkerHandle } from '../runtime/pool.js';
import { Worker } from 'node:worker_threads';
import { Builder } from '../compiler/emit/ir.js';
import { MAX_PAGES } from '../contract/abi.js';
import { modelFor, maxAbsDiff } from './harness.js';
import { rejects } from './throws.js';
import { mulberry32, randomInputs } from './random.js';

const cases: CellDescriptorInit[] = [
  { cell: 'lstm', inputSize: 13, hiddenSize: 37, maxBatch: 3, hasSequenceLens: true, hasInitialH: true, hasInitialC: true },
  { cell: 'gru', inputSize: 9, hiddenSize: 50, maxBatch: 2, linearBeforeReset: true, direction: 'bidirectional' },
  { cell: 'gru', inputSize: 7, hiddenSize: 29, maxBatch: 4, linearBeforeReset: false, layout: 1 },
  { cell: 'rnn', inputSize: 5, hiddenSize: 70, maxBatch: 1, direction: 'reverse' },
  { cell: 'lstm', inputSize: 64, hiddenSize: 96, maxBatch: 1, hasPeepholes: true, clip: 2 },
];

/**
 * Plan options per case: unit blocks that alternate direction every other step (each worker walks its
 * own range backward), and the input projected per step (each worker its own blocks' columns).
 */
const CASE_PLANS: Record<number, PlanOptions> = {
  0: { alternateBlocks: true },
  1: { inputProjection: 'fused' },
  2: { alternateBlocks: true, inputProjection: 'fused' },
};

function setup(init: CellDescriptorInit, seed: number, T = 7, plan: PlanOptions = {}) {
  const d = describeCell(init);
  const inp = randomInputs(mulberry32(seed), d, T, d.maxBatch);
  const { model, feeds } = modelFor(d, inp);
  return { d, feeds, artifact: compileModel(model, { threads: true, ...plan }).artifact };
}

test('1, 2, 3 and 4 workers give the same outputs (max abs difference <= 1e-6)', async () => {
  for (const [k, init] of cases.entries()) {
    const { feeds, artifact } = setup(init, 10 + k, 7, CASE_PLANS[k]);
    const one = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
    const ref = await one.run(feeds);
    await one.release();
    for (const workers of [2, 3, 4]) {
      const s = await ArtifactSession.fromArtifact(artifact, { workers, spawn: spawnNodeWorker });
      assert.is(s.workers, workers);
      const got = await s.run(feeds);
      await s.release();
      for (const name of Object.keys(ref)) {
        const diff = maxAbsDiff(got[name].data, ref[name].data);
        assert.ok(diff <= 1e-6, `case ${k} (${init.cell} H=${init.hiddenSize} ${JSON.stringify(CASE_PLANS[k] ?? {})}), ${workers} workers, ${name}: diff ${diff}`);
      }
    }
  }
});

test('more workers than cores (6 and 8): barriers fall asleep and are woken; outputs equal 1 worker call after call', async () => {
  // With more workers than cores some are always descheduled, so the others exhaust their spin and
  // sleep in wait32 on the late worker's arrival count: that path, and its wake-up, every call.
  const { feeds, artifact } = setup({ cell: 'gru', inputSize: 6, hiddenSize: 64, maxBatch: 1, linearBeforeReset: false }, 21, 40);
  const one = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
  const ref = await one.run(feeds);
  await one.release();
  for (const workers of [6, 8]) {
    const s = await ArtifactSession.fromArtifact(artifact, { workers, spawn: spawnNodeWorker, adaptWorkers: false });
    for (let call = 0; call < 5; call++) {
      const got = await s.run(feeds);
      for (const name of Object.keys(ref)) {
        const diff = maxAbsDiff(got[name].data, ref[name].data);
        assert.ok(diff <= 1e-6, `${workers} workers, call ${call}, ${name}: diff ${diff}`);
      }
    }
    await s.release();
  }
});

test('streaming steps equal one whole-sequence run, a plain run between them, on 1 and 2 workers', async () => {
  const { d, feeds, artifact } = setup({ cell: 'lstm', inputSize: 12, hiddenSize: 40, maxBatch: 2 }, 3, 6);
  for (const workers of [1, 2]) {
    const s = await ArtifactSession.fromArtifact(artifact, { workers, spawn: spawnNodeWorker });
    const whole = await s.run(feeds);
    const stream = s.stream();
    const x = feeds.in_X.data as Float32Array;
    const per = 2 * d.inputSize;
    for (let t = 0; t < 6; t++) {
      // A plain run between steps leaves the stream's state alone: it saves and restores it.
      if (t === 3) await s.run(feeds);
      const out = await stream.step({ in_X: new Tensor('float32', x.slice(t * per, (t + 1) * per), [1, 2, d.inputSize]) });
      const expect = (whole.Y.data as Float32Array).slice(t * 2 * 40, (t + 1) * 2 * 40);
      assert.ok(maxAbsDiff(out.Y.data, expect) <= 1e-6, `step ${t}, ${workers} workers`);
    }
    stream.reset();
    const first = await stream.step({ in_X: new Tensor('float32', x.slice(0, per), [1, 2, d.inputSize]) });
    assert.ok(maxAbsDiff(first.Y.data, (whole.Y.data as Float32Array).slice(0, 80)) <= 1e-6);
    await s.release();
  }
});

test('two sessions on a crowded machine: a call tells the other session\'s idle workers to sleep; same outputs', async () => {
  const { feeds, artifact } = setup(cases[0], 5);
  const before = crowdState();
  const alone = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
  const ref = await alone.run(feeds);
  // 2 cores: one session's worker thread and the computing caller fit; a second session's do not.
  const a = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spawnNodeWorker, cores: 2, adaptWorkers: false });
  await a.run(feeds);
  assert.is(crowdState().threads, before.threads + 1);
  assert.is(crowdState().epoch, before.epoch, 'one session fits: no signal');
  const b = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spawnNodeWorker, cores: 2, adaptWorkers: false });
  for (let i = 0; i < 3; i++) {
    assert.equal(Array.from((await a.run(feeds)).Y.data as Float32Array), Array.from(ref.Y.data as Float32Array));
    assert.equal(Array.from((await b.run(feeds)).Y.data as Float32Array), Array.from(ref.Y.data as Float32Array));
  }
  assert.is(crowdState().threads, before.threads + 2);
  // b's workers start with its first call: a's first call of the loop still had the cores to itself.
  assert.is(crowdState().epoch, before.epoch + 5, 'every call of two crowded sessions signals');
  // With cores to spare, idle workers keep polling: no signal.
  const c = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spawnNodeWorker, cores: 8, adaptWorkers: false });
  await c.run(feeds);
  assert.is(crowdState().epoch, before.epoch + 5);
  await Promise.all([a.release(), b.release(), c.release(), alone.release()]);
  assert.is(crowdState().threads, before.threads, 'released pools leave the count');
});

test('calls from several callers at once are queued, none lost', async () => {
  const { d, feeds, artifact } = setup(cases[0], 5);
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spawnNodeWorker });
  const ref = await s.run(feeds);
  const shorter = { ...feeds, in_X: new Tensor('float32', (feeds.in_X.data as Float32Array).slice(0, 3 * 3 * d.inputSize), [3, 3, d.inputSize]),
    in_sequence_lens: new Tensor('int32', new Int32Array([3, 1, 2]), [3]) };
  const results = await Promise.all([s.run(feeds), s.run(shorter), s.run(feeds), s.run(shorter), s.run(feeds)]);
  for (const i of [0, 2, 4]) assert.equal(Array.from(results[i].Y.data as Float32Array), Array.from(ref.Y.data as Float32Array));
  assert.equal(results[1].Y.dims, [3, 1, 3, 37]);
  await s.release();
});

test('a worker that dies during a call: the call rejects with an EngineError or ends right; the next call recovers (caller not computing)', async () => {
  const { feeds, artifact } = setup(cases[4], 8, 30);
  // Killed as the pool marks it busy for the second call, just before the pool starts the call: the
  // worker is online (the first call ran on it) and parked, so it cannot finish its share first.
  // (Killed on a timer after spawning instead, a worker still starting up sometimes ran the whole call.)
  let calls = 0;
  const flaky: Spawn = (init, events) => {
    const h = spawnNodeWorker(init, events);
    if (init.id !== 1) return h;
    return {
      ...h,
      setBusy: (busy) => {
        h.setBusy(busy);
        if (busy && ++calls === 2) h.terminateUnexpectedly?.();
      },
    };
  };
  // The caller awaits the pool (as a browser's main thread does), so the death is heard mid-call.
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: flaky, timeoutMs: 10_000, callerComputes: false });
  const ref = await s.run(feeds);
  // The other worker takes the dead one's unit blocks (work is shared inside each step), so the call
  // either finishes with the same bits or rejects naming the death; never a wrong answer, never a hang.
  const during: Record<string, Tensor> | unknown = await s.run(feeds).then((out) => out, (e: unknown) => e);
  if (during instanceof Error) assert.match(during.message, /died during the call: worker 1 exited/);
  else assert.equal(Array.from((during as Record<string, Tensor>).Y.data as Float32Array), Array.from(ref.Y.data as Float32Array), 'finished by the other worker');
  assert.ok(during instanceof EngineError || !(during instanceof Error), `an EngineError, got ${String(during)}`);
  // When the other worker finished that call, the death may be heard only once the next call has
  // started (the exit event is delivered late on a loaded machine): that call then rejects naming it,
  // and the one after runs on a fresh pool.
  let again: unknown = await s.run(feeds).then((out) => out, (e: unknown) => e);
  if (!(during instanceof Error) && again instanceof Error) {
    assert.instance(again, EngineError);
    assert.match(again.message, /died during the call: worker 1 exited/);
    again = await s.run(feeds);
  }
  assert.equal(Array.from((again as Record<string, Tensor>).Y.data as Float32Array), Array.from(ref.Y.data as Float32Array));
  await s.release();
});

test('a worker that dies while the caller computes: the call rejects within timeoutMs, naming the death', async () => {
  const { feeds, artifact } = setup(cases[4], 8, 30);
  let broken = 1;
  const flaky: Spawn = (init, events) => {
    if (init.id !== 1 || broken-- <= 0) return spawnNodeWorker(init, events);
    // A worker that is gone before it ever runs: the caller waits at the first barrier alone.
    const w = new Worker('process.exit(3)', { eval: true });
    w.on('exit', (code) => events.onFailure(`worker 1 exited (code ${code})`, true));
    return { terminate: () => void w.terminate(), setBusy: () => {} };
  };
  // The limit leaves a loaded machine time to start and end the worker before the call gives up on it.
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: flaky, timeoutMs: 4000, callerComputes: true });
  const t0 = Date.now();
  await rejects(s.run(feeds), EngineError, /died during the call: worker 1 exited \(code 3\)/);
  assert.ok(Date.now() - t0 < 8000, `rejected after ${Date.now() - t0} ms`);
  const ok = await s.run(feeds);
  assert.ok(ok.Y.data.length > 0);
  await s.release();
});

test('a worker killed during a call while the caller computes is noticed in milliseconds, not at timeoutMs', async () => {
  // A long call (3000 steps of LSTM 256/256): the kill, 30 ms into the second call, lands while
  // worker 1 holds unit blocks the caller waits for. The caller runs no event loop until the call
  // ends; the thread that started the workers hears the death and sets the abort cell.
  const { feeds, artifact } = setup({ cell: 'lstm', inputSize: 256, hiddenSize: 256, maxBatch: 1 }, 9, 3000);
  let calls = 0;
  const killed: Spawn = (init, events) => {
    const h = spawnNodeWorker(init, events);
    if (init.id !== 1) return h;
    return { ...h, setBusy: (busy) => { h.setBusy(busy); if (busy && ++calls === 2) h.terminateUnexpectedly?.(30); } };
  };
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: killed, callerComputes: true, adaptWorkers: false });
  const ref = await s.run(feeds);
  const t0 = Date.now();
  await rejects(s.run(feeds), EngineError, /died during the call: worker 1 exited/);
  assert.ok(Date.now() - t0 < 5000, `rejected after ${Date.now() - t0} ms (timeoutMs is 60000)`);
  const again = await s.run(feeds);
  assert.equal(Array.from(again.Y.data as Float32Array), Array.from(ref.Y.data as Float32Array));
  await s.release();
});

/** A multi-worker module whose `run` traps at once: a worker whose share fails. */
function trappingModule(): WebAssembly.Module {
  const b = new Builder({ simd: true, relaxedSimd: false, threads: true });
  try {
    b.importMemory(1, MAX_PAGES);
    const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32']);
    s.finish('run', b.unreachable(), 'run');
    return new WebAssembly.Module(b.emitBinary() as Uint8Array<ArrayBuffer>);
  } finally {
    b.dispose();
  }
}

for (const callerComputes of [true, false]) {
  test(`a worker whose share traps rejects the call naming it; the next call recovers (callerComputes ${callerComputes})`, async () => {
    const { feeds, artifact } = setup(cases[4], 8, 30);
    let broken = 1;
    const flaky: Spawn = (init, events) => spawnNodeWorker(init.id === 1 && broken-- > 0 ? { ...init, module: trappingModule() } : init, events);
    const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: flaky, timeoutMs: 10_000, callerComputes });
    await rejects(s.run(feeds), EngineError, /a worker failed: worker 1: .*unreachable/);
    const ok = await s.run(feeds);
    assert.ok(ok.Y.data.length > 0);
    await s.release();
  });
}

for (const callerComputes of [true, false]) {
  test(`a worker that dies between calls: its pool is stopped at once, and the next call runs on a fresh one, right (callerComputes ${callerComputes})`, async () => {
    const { feeds, artifact } = setup(cases[4], 8, 30);
    const handles: WorkerHandle[] = [];
    let exited: () => void = () => {};
    const exit = new Promise<void>((resolve) => { exited = resolve; });
    const spy: Spawn = (init, events) => {
      const h = spawnNodeWorker(init, { onFailure: (message, died) => { events.onFailure(message, died); if (died) exited(); } });
      handles.push(h);
      return h;
    };
    const before = crowdState().threads;
    const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spy, callerComputes });
    const ref = await s.run(feeds);
    const threads = handles.length;
    handles[0].terminateUnexpectedly?.();
    await exit; // the pool has heard of it
    assert.is(crowdState().threads, before, 'the pool with the dead worker was stopped before any call needed it');
    const again = await s.run(feeds);
    assert.equal(Array.from(again.Y.data as Float32Array), Array.from(ref.Y.data as Float32Array));
    assert.is(handles.length, 2 * threads, 'a fresh pool');
    await s.release();
  });
}

test('a call that overruns timeoutMs rejects instead of hanging', async () => {
  const { feeds, artifact } = setup({ cell: 'lstm', inputSize: 256, hiddenSize: 256, maxBatch: 1 }, 9, 2000);
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spawnNodeWorker, timeoutMs: 1 });
  await rejects(s.run(feeds), EngineError, /timeoutMs/);
  await s.release();
});

test('InferenceSession.create takes { workers } and says why when it cannot use them', async () => {
  const { artifact } = setup(cases[0], 2);
  const s = await InferenceSession.create(artifact, { workers: 2 });
  assert.is(s.workers, 2);
  assert.is(s.note, '2 workers, as asked');
  await s.release();
  const noThreads = await InferenceSession.create({ ...artifact, wasmThreads: null }, { workers: 2 });
  assert.is(noThreads.workers, 1);
  assert.match(noThreads.note ?? '', /multi-worker module/);
  await noThreads.release();
});

test.run();
