/**
 * Run by runtime_faults.test.ts as `node --expose-gc dist/test/memory_child.js`: multi-worker
 * sessions of a model whose memory grows to about 100 MB with a long call (an LSTM over 16000
 * steps), each run and released, five times, beside a session kept open and then without one; prints
 * the process's RSS after each and its thread count, before any session and at the end, as one JSON line.
 */
import { readdirSync } from 'node:fs';
import { describeCell } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel } from '../compiler/index.js';
import { InferenceSession } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';

const T = 16000, I = 256, H = 256;
const d = describeCell({ cell: 'lstm', inputSize: I, hiddenSize: H, maxBatch: 1 });
const { artifact } = compileModel(cellModel(d), { threads: true });
const feeds = { X: new Tensor('float32', new Float32Array(T * I).fill(0.01), [T, 1, I]) };
const gc = (globalThis as unknown as { gc: () => void }).gc;
const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const threads = () => readdirSync('/proc/self/task').length;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cycles(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = await InferenceSession.create(artifact, { workers: 2, adaptWorkers: false });
    await s.run(feeds);
    await s.release();
    await wait(1600); // the supervisor's collections, and its end after a second without workers
    gc();
    out.push(rss());
  }
  return out;
}

const before = threads();
const kept = await InferenceSession.create(artifact, { workers: 2, adaptWorkers: false });
const beside = await cycles(5);
await kept.release();
const alone = await cycles(5);
await wait(1600);
gc();
console.log(JSON.stringify({ beside, alone, threadsBefore: before, threadsAfter: threads(), sessionMiB: Math.round((T * (I + 5 * H) * 4) / 2 ** 20) }));
