/**
 * The runtime's fault contract beyond bad feeds (feeds.test.ts): a stream step that failed while the
 * model ran loses the stream's state, and says so.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel } from '../compiler/index.js';
import { EngineError } from '../contract/errors.js';
import { spawnNodeWorker } from '../api/node.js';
import type { Spawn } from '../runtime/pool.js';
import { ArtifactSession } from '../runtime/session.js';
import { Tensor } from '../runtime/tensor.js';
import { rejects } from './throws.js';

const I = 64;
const d = describeCell({ cell: 'lstm', inputSize: I, hiddenSize: 256, maxBatch: 1 });
const { artifact } = compileModel(cellModel(d), { threads: true });
/** X of T timesteps (batch 1). */
const xOf = (T: number) => ({ X: new Tensor('float32', Float32Array.from({ length: T * I }, (_, i) => Math.sin(i)), [T, 1, I]) });

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
  const sessions = [
    { how: '2 workers, a death', s: await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: killedAtCall(2), callerComputes: false, timeoutMs: 10_000 }), failing: xOf(1) },
  ];
  for (const { how, s, failing } of sessions) {
    const stream = s.stream();
    const first = Array.from((await stream.step(xOf(1))).Y.data as Float32Array);
    await rejects(stream.step(failing), EngineError, /died during the call/);
    await rejects(stream.step(xOf(1)), EngineError, /previous step failed while the model ran.*reset\(\)/);
    stream.reset();
    assert.equal(Array.from((await stream.step(xOf(1))).Y.data as Float32Array), first, how);
    await s.release();
  }
});

test.run();
