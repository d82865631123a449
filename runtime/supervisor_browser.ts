/**
 * The worker that starts a page's compute workers (as nested workers) and hears them die. A
 * worker's `error` event reaches only the thread that started it, through that thread's event
 * loop; a page's main thread computing its share of a call spins inside the module and runs no
 * event loop until the call ends, so a worker that died holding items of a shared job would keep it
 * spinning until timeoutMs. This worker's loop stays free: when a worker it started dies, it sets
 * the control block's abort cell at once (the caller and every waiting worker trap within a spin,
 * compiler/emit/share.ts), then reports to the page. The same script (rnnc-worker.js) runs both
 * roles; the first message says which.
 */
import { abortBarrier, controlView } from '../contract/control.js';
import type { SupervisorReport, SupervisorRequest } from './supervisor_protocol.js';
import type { WorkerInit } from './worker_core.js';

/** From the page: make this worker the supervisor. */
export interface SuperviseMessage { readonly supervise: true }

/** The parts of a DedicatedWorkerGlobalScope the supervisor uses. */
interface Scope {
  onmessage: ((e: MessageEvent<SupervisorRequest>) => void) | null;
  postMessage(message: SupervisorReport): void;
  readonly location: { readonly href: string };
}

/** Runs the supervisor on this worker's event loop. */
export function supervise(scope: Scope): void {
  const children = new Map<number, { worker: Worker; init: WorkerInit; gone: boolean }>();

  const died = (key: number, message: string) => {
    const child = children.get(key);
    if (!child || child.gone) return;
    child.gone = true;
    children.delete(key);
    // Before the report: a caller spinning in the module learns of it from the abort cell.
    abortBarrier(controlView(child.init.memory, child.init.control));
    child.worker.terminate();
    scope.postMessage({ key, message, died: true });
  };

  const start = (key: number, init: WorkerInit) => {
    const url = scope.location.href;
    const worker = new Worker(url, { type: 'module', name: `rnnc-worker-${init.id}` });
    children.set(key, { worker, init, gone: false });
    worker.onmessage = (e: MessageEvent<{ error?: string; died?: boolean }>) => {
      if (!e.data?.error) return;
      if (e.data.died) died(key, e.data.error);
      else scope.postMessage({ key, message: e.data.error, died: false });
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      died(key, `worker ${init.id} (${url}) failed: ${e.message || 'the script did not load'}`);
    };
    worker.onmessageerror = () => died(key, `worker ${init.id}: the module or the shared memory could not be sent to it`);
    worker.postMessage(init);
  };

  const stop = (key: number, expected: boolean) => {
    const child = children.get(key);
    if (!child) return scope.postMessage({ key, message: '', died: false, stopped: true });
    if (!expected) return died(key, `worker ${child.init.id} stopped unexpectedly (it was terminated)`);
    child.gone = true;
    children.delete(key);
    child.worker.terminate();
    scope.postMessage({ key, message: '', died: false, stopped: true });
  };

  scope.onmessage = (e) => {
    const m = e.data;
    if ('start' in m) start(m.start, m.init);
    else if (m.afterMs) setTimeout(() => stop(m.stop, m.expected), m.afterMs);
    else stop(m.stop, m.expected);
  };
}
