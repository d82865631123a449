/**
 * The runtime's fault contract beyond bad feeds (feeds.test.ts): timeoutMs is validated at create
 * and enforced on any number of workers, by the module's own clock checks (the single-worker module
 * asks in its input projection and its time loop); a stream step that failed while the model ran
 * loses the stream's state, and says so; a session dropped without release() has its workers
 * terminated once it is garbage-collected.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel } from '../compiler/index.js';
import { MAX_PAGES, PAGE_BYTES } from '../contract/abi.js';
import { EngineError, InputError } from '../contract/errors.js';
import { spawnNodeWorker } from '../api/node.js';
import type { Spawn } from '../runtime/pool.js';
import { bindFeeds, layOut } from '../runtime/call.js';
import { ArtifactSession } from '../runtime/session.js';
import { Tensor } from '../runtime/tensor.js';
import { rejects } from './throws.js';

const I = 64;
const d = describeCell({ cell: 'lstm', inputSize: I, hiddenSize: 256, maxBatch: 1 });
const { artifact } = compileModel(cellModel(d), { threads: true });
/** X of T timesteps (batch 1). */
const xOf = (T: number) => ({ X: new Tensor('float32', Float32Array.from({ length: T * I }, (_, i) => Math.sin(i)), [T, 1, I]) });
/** At least 2000 x 256 x 1024 multiply-adds: far more than the 1 ms limit the tests set. */
const LONG = 2000;

test('timeoutMs: NaN, 0, -1, a string or null is an InputError naming the option, on 1 and 2 workers; Infinity means no limit', async () => {
  for (const workers of [1, 2]) {
    for (const timeoutMs of [Number.NaN, 0, -1, '50', null]) {
      await rejects(ArtifactSession.fromArtifact(artifact, { workers, spawn: spawnNodeWorker, timeoutMs: timeoutMs as number }), InputError, new RegExp(`option timeoutMs .*> 0.*got ${String(timeoutMs)}`));
    }
    const s = await ArtifactSession.fromArtifact(artifact, { workers, spawn: spawnNodeWorker, timeoutMs: Infinity });
    assert.is((await s.run(xOf(3))).Y.dims.length, 4);
    await s.release();
  }
});

test('a 1-worker call past timeoutMs rejects with an EngineError; the next call returns the right answer', async () => {
  const ref = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
  const want = Array.from((await ref.run(xOf(5))).Y.data as Float32Array);
  await ref.release();
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 1, timeoutMs: 1 });
  await rejects(s.run(xOf(LONG)), EngineError, /did not finish within 1 ms \(timeoutMs option\)/);
  assert.equal(Array.from((await s.run(xOf(5))).Y.data as Float32Array), want);
  await s.release();
});

/**
 * Fails the `n`-th call of a 2-worker session while the model runs: worker 1 is killed as the pool
 * marks it busy for that call, and the caller awaits the pool (callerComputes false), so the death
 * is that call's failure.
 */
function killedAtCall(n: number): Spawn {
  let calls = 0;
  return (init, events) => {
    const h = spawnNodeWorker(init, events);
    if (init.id !== 1) return h;
    return { ...h, setBusy: (busy) => { h.setBusy(busy); if (busy && ++calls === n) h.terminateUnexpectedly?.(); } };
  };
}

test('a stream step that failed while the model ran: the next step says the state is gone; reset() starts over', async () => {
  // One worker: the step overruns timeoutMs (steps of 1 timestep never ask the clock). Two: a worker dies.
  const sessions = [
    { how: '1 worker, timeout', s: await ArtifactSession.fromArtifact(artifact, { workers: 1, timeoutMs: 1 }), failing: xOf(LONG) },
    // A long step: with work shared, the other worker could finish a short one before the death is heard.
    { how: '2 workers, a death', s: await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: killedAtCall(2), callerComputes: false, timeoutMs: 30_000 }), failing: xOf(10 * LONG) },
  ];
  for (const { how, s, failing } of sessions) {
    const stream = s.stream();
    const first = Array.from((await stream.step(xOf(1))).Y.data as Float32Array);
    await rejects(stream.step(failing), EngineError, /timeoutMs|died during the call/);
    await rejects(stream.step(xOf(1)), EngineError, /previous step failed while the model ran.*reset\(\)/);
    stream.reset();
    assert.equal(Array.from((await stream.step(xOf(1))).Y.data as Float32Array), first, how);
    await s.release();
  }
});

/**
 * Runs `module` (the single-worker one, or the multi-worker one as the caller alone) on LONG-ish
 * timesteps with an `expired` import answering `answer(n)` at its n-th call; returns the calls and
 * whether any row of Y was written.
 */
async function runWithClock(wasm: Uint8Array | WebAssembly.Module, shared: boolean, T: number, answer: (n: number) => number) {
  const m = artifact.manifest;
  const feeds = xOf(T);
  const call = layOut(m, bindFeeds(m, feeds, false));
  const memory = new WebAssembly.Memory({ initial: Math.ceil(call.end / PAGE_BYTES), maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
  new Uint8Array(memory.buffer, m.imageBegin, artifact.image.length).set(artifact.image);
  new Int32Array(memory.buffer, m.tableOffset, call.offsets.length).set(call.offsets);
  new Float32Array(memory.buffer, call.offsets[m.inputs[0].buffer], feeds.X.size).set(feeds.X.data as Float32Array);
  const y = new Float32Array(memory.buffer, call.offsets[m.outputs.find((o) => o.name === 'Y')!.buffer], T * d.hiddenSize).fill(Number.NaN);
  let asks = 0;
  const module = wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(module, { env: { memory, expired: () => answer(++asks) } });
  let trapped = false;
  try {
    (instance.exports.run as (...a: number[]) => void)(T, 1, 0, 0, 1);
  } catch {
    trapped = true;
  }
  return { asks, trapped, wrote: y.some((v) => !Number.isNaN(v)) };
}

test('both modules, on one worker, ask the clock in the input projection and the time loop, and trap when told', async () => {
  const T = 300;
  for (const [name, wasm, shared] of [['single-worker', artifact.wasm, false], ['multi-worker, caller alone', artifact.wasmThreads!, true]] as const) {
    const ran = await runWithClock(wasm, shared, T, () => 0);
    assert.ok(!ran.trapped && ran.wrote, `${name}: runs to the end`);
    // The time loop alone asks at timesteps 63, 127, ...: the rest come from the projection.
    assert.ok(ran.asks > Math.floor(T / 64), `${name}: ${ran.asks} asks`);
    const stopped = await runWithClock(wasm, shared, T, () => 1);
    assert.ok(stopped.trapped, `${name}: traps`);
    assert.is(stopped.asks, 1, `${name}: at the first ask`);
    assert.not.ok(stopped.wrote, `${name}: before the first timestep (during the input projection)`);
  }
});

test('sessions dropped without release(): their workers are terminated once they are garbage-collected', async () => {
  const child = fileURLToPath(new URL('./orphan_child.js', import.meta.url));
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', child], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { spawned: number; terminated: number; threads: number };
  assert.is(r.spawned, 6, 'three sessions of 2 worker threads each');
  assert.is(r.terminated, 6, 'every worker terminated, each once: the released session\'s by release(), the others\' after collection');
  assert.is(r.threads, 0);
});

test('released multi-worker sessions give their memory back: RSS stays flat over sessions made one after another, beside a kept one or alone, and the supervisor thread ends', async () => {
  if (process.platform !== 'linux') return; // threads counted in /proc/self/task
  const child = fileURLToPath(new URL('./memory_child.js', import.meta.url));
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', child], { timeout: 120_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { beside: number[]; alone: number[]; threadsBefore: number; threadsAfter: number; sessionMiB: number };
  // Before the supervisor collected what passed through it, each session added its memory for good
  // (alone: 310, 406, 502, 600, 694 MiB). Beside a kept session the supervisor lives on, and its
  // collections leave at most about one session's memory at a time (RSS moves by that much).
  assert.ok(r.alone[r.alone.length - 1] - r.alone[0] < r.sessionMiB / 2, `alone: RSS ${r.alone.join(', ')} MiB after each session of about ${r.sessionMiB} MiB`);
  assert.ok(Math.max(...r.beside) - r.beside[0] < 1.5 * r.sessionMiB, `beside a kept session: RSS ${r.beside.join(', ')} MiB after each session of about ${r.sessionMiB} MiB`);
  assert.ok(r.alone[r.alone.length - 1] < r.beside[r.beside.length - 1], `with no session left the last one's memory went too: ${r.alone.join(', ')} vs ${r.beside.join(', ')} MiB`);
  assert.is(r.threadsAfter, r.threadsBefore, 'the workers and the supervisor thread are gone');
});

test.run();
