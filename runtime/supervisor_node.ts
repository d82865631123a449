/**
 * The thread that starts Node's compute workers and hears them die. A worker's 'exit' event reaches
 * only the thread that started it, through that thread's event loop; the calling thread, computing
 * its share of a call, runs no event loop until the call ends, and a worker killed holding items
 * of a shared job would keep it waiting until timeoutMs. This thread's loop stays free: when a
 * worker it started exits unasked, it sets the control block's abort cell at once (every waiting
 * worker and the caller trap within a spin, compiler/emit/share.ts), then reports to the pool.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort, Worker } from 'node:worker_threads';
import { abortBarrier, controlView } from '../contract/control.js';
import type { SupervisorReport, SupervisorRequest } from './supervisor_protocol.js';
import type { WorkerInit } from './worker_core.js';

const workers = new Map<number, { worker: Worker; stopping: boolean }>();

/**
 * A full collection of this thread's heap. Every pool's WebAssembly.Memory passes through here (in
 * its workers' init: the abort cell above needs it), and is garbage once they exit; but this thread
 * allocates next to nothing, so its heap would never be collected and every released multi-worker
 * session's memory stayed (about 290 MB a session of charlm fed 50000 tokens, for good). gc is
 * exposed for this thread's own use and the flag turned off again at once (unless the process
 * was started with --expose-gc: then this thread has gc already and the flag stays as it was).
 */
const collect: () => void = (() => {
  // A process started with --expose-gc has it here too: its flag is left alone.
  const given = (globalThis as { gc?: () => void }).gc;
  if (typeof given === 'function') return given;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return () => undefined;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
})();
let collecting: ReturnType<typeof setTimeout> | null = null;

function start(key: number, init: WorkerInit): void {
  const w = new Worker(new URL('./worker_node.js', import.meta.url), { workerData: init });
  const entry = { worker: w, stopping: false };
  workers.set(key, entry);
  const report = (r: SupervisorReport) => parentPort!.postMessage(r);
  w.on('message', (m: { error?: string }) => { if (m.error) report({ key, message: m.error, died: false }); });
  w.on('error', (e) => report({ key, message: `worker ${init.id} crashed: ${e.message}`, died: true }));
  w.on('exit', (code) => {
    workers.delete(key);
    // Not in this handler (its closure holds init), and not at once: an exited worker's Memory stays
    // reachable for a few hundred milliseconds more (its thread's handle); a second collection a
    // second later takes it. Workers exiting meanwhile share the two.
    collecting ??= setTimeout(() => {
      collect();
      collecting = setTimeout(() => { collecting = null; collect(); }, 1000);
    }, 100);
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
