/**
 * The thread that starts Node's compute workers and hears them die. A worker's 'exit' event reaches
 * only the thread that started it, through that thread's event loop; the calling thread, computing
 * its share of a call, runs no event loop until the call ends, and a worker killed holding items
 * of a shared job would keep it waiting until timeoutMs. This thread's loop stays free: when a
 * worker it started exits unasked, it sets the control block's abort cell at once (every waiting
 * worker and the caller trap within a spin, compiler/emit/share.ts), then reports to the pool.
 */
import { parentPort, Worker } from 'node:worker_threads';
import { abortBarrier, controlView } from '../contract/control.js';
import type { SupervisorReport, SupervisorRequest } from './supervisor_protocol.js';
import type { WorkerInit } from './worker_core.js';

const workers = new Map<number, { worker: Worker; stopping: boolean }>();

function start(key: number, init: WorkerInit): void {
  const w = new Worker(new URL('./worker_node.js', import.meta.url), { workerData: init });
  const entry = { worker: w, stopping: false };
  workers.set(key, entry);
  const report = (r: SupervisorReport) => parentPort!.postMessage(r);
  w.on('message', (m: { error?: string }) => { if (m.error) report({ key, message: m.error, died: false }); });
  w.on('error', (e) => report({ key, message: `worker ${init.id} crashed: ${e.message}`, died: true }));
  w.on('exit', (code) => {
    workers.delete(key);
    if (entry.stopping) return report({ key, message: '', died: false, stopped: true });
    // Before the report: a caller blocked in a wait learns of it from the abort cell.
    abortBarrier(controlView(init.memory, init.control));
    report({ key, message: `worker ${init.id} exited (code ${code})`, died: true });
  });
}

parentPort!.on('message', (m: SupervisorRequest) => {
  if ('start' in m) return start(m.start, m.init);
  const entry = workers.get(m.stop);
  if (!entry) return;
  entry.stopping = m.expected;
  if (m.afterMs) setTimeout(() => void entry.worker.terminate(), m.afterMs);
  else void entry.worker.terminate();
});
