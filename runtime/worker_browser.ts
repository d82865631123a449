/**
 * Browser entry of rnnc's workers (a module Web Worker; bundled as rnnc-worker.js). The first
 * message decides the role: `{ supervise: true }` makes this the worker that starts the compute
 * workers and hears them die (supervisor_browser.ts); a WorkerInit (module + shared memory) makes
 * it a compute worker, whose loop (worker_core.ts) blocks it until the runtime sets STOP. A compute
 * worker's failures go back to its supervisor as `{ error, died }` messages.
 */
import { workerLoop, type WorkerInit } from './worker_core.js';
import { supervise, type SuperviseMessage } from './supervisor_browser.js';

/** The parts of a DedicatedWorkerGlobalScope used here (tsconfig has the DOM lib, not WebWorker). */
const scope = globalThis as unknown as {
  onmessage: ((e: { data: WorkerInit | SuperviseMessage }) => void) | null;
  postMessage(message: { error: string; died: boolean }): void;
  close(): void;
  readonly location: { readonly href: string };
};

scope.onmessage = (e) => {
  scope.onmessage = null;
  if ('supervise' in e.data) return supervise(scope as unknown as Parameters<typeof supervise>[0]);
  const init = e.data;
  try {
    workerLoop(init, (message) => scope.postMessage({ error: message, died: false }));
  } catch (err) {
    scope.postMessage({ error: `worker ${init?.id}: ${(err as Error)?.message ?? String(err)}`, died: true });
  }
  scope.close();
};
