/**
 * Browser entry of a compute worker (a module Web Worker; bundled as rnnc-worker.js). The first
 * message is the WorkerInit (module + shared memory); the loop itself is in worker_core.ts and blocks
 * this worker until the runtime sets STOP. Failures go back as `{ error, died }` messages.
 */
import { workerLoop, type WorkerInit } from './worker_core.js';

/** The parts of a DedicatedWorkerGlobalScope used here (tsconfig has the DOM lib, not WebWorker). */
const scope = globalThis as unknown as {
  onmessage: ((e: { data: WorkerInit }) => void) | null;
  postMessage(message: { error: string; died: boolean }): void;
  close(): void;
};

scope.onmessage = (e) => {
  scope.onmessage = null;
  const init = e.data;
  try {
    workerLoop(init, (message) => scope.postMessage({ error: message, died: false }));
  } catch (err) {
    scope.postMessage({ error: `worker ${init?.id}: ${(err as Error)?.message ?? String(err)}`, died: true });
  }
  scope.close();
};
