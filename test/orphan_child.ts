/**
 * Run by runtime_faults.test.ts as `node --expose-gc dist/test/orphan_child.js`: starts multi-worker
 * sessions, drops two of them without release() and releases one, collects garbage until every
 * started worker is terminated (or gives up), and prints the counts as one JSON line.
 */
import { describeCell } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel } from '../compiler/index.js';
import { spawnNodeWorker } from '../runtime/node.js';
import { crowdState, type Spawn } from '../runtime/pool.js';
import { ArtifactSession } from '../runtime/session.js';
import { Tensor } from '../runtime/tensor.js';

const d = describeCell({ cell: 'gru', inputSize: 8, hiddenSize: 32, maxBatch: 1 });
const { artifact } = compileModel(cellModel(d), { threads: true });
const feeds = { X: new Tensor('float32', new Float32Array(4 * 8).fill(0.25), [4, 1, 8]) };
const counts = { spawned: 0, terminated: 0 };
const spy: Spawn = (init, events) => {
  const h = spawnNodeWorker(init, events);
  counts.spawned++;
  return { ...h, terminate: () => { counts.terminated++; h.terminate(); } };
};

/** A session on 3 workers (2 threads beside the caller) that has run; kept by nobody once this returns. */
async function useSession(release: boolean): Promise<void> {
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 3, spawn: spy });
  await s.run(feeds);
  if (release) await s.release();
}

await useSession(false);
await useSession(true);
await useSession(false);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
for (let i = 0; i < 100 && counts.terminated < counts.spawned; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(JSON.stringify({ ...counts, threads: crowdState().threads }));
