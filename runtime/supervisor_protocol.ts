/**
 * What a pool's thread and its supervisor (runtime/supervisor_node.ts in Node, a worker running
 * runtime/supervisor_browser.ts in a page) say to each other: the same messages on both platforms.
 */
import type { WorkerInit } from './worker_core.js';

/** To the supervisor: start worker `start`, or stop worker `stop` (unexpectedly: as a crash, for tests; after `afterMs`). */
export type SupervisorRequest =
  | { readonly start: number; readonly init: WorkerInit }
  | { readonly stop: number; readonly expected: boolean; readonly afterMs?: number };

/** To the pool's thread: worker `key`'s failure, its death, or (`stopped`) its end when asked to stop. */
export interface SupervisorReport {
  readonly key: number;
  readonly message: string;
  readonly died: boolean;
  readonly stopped?: boolean;
}

/**
 * Routes the supervisor's reports on worker `key` (registered in `reports`): a failure goes to
 * `onFailure` unless the worker was being stopped (`stopping()`), and the entry is dropped once the
 * worker is gone. Resolves when it is gone.
 */
export function hearWorker(reports: Map<number, (r: SupervisorReport) => void>, key: number,
  onFailure: (message: string, died: boolean) => void, stopping: () => boolean): Promise<void> {
  return new Promise<void>((gone) => {
    reports.set(key, (r) => {
      if (r.died || r.stopped) {
        reports.delete(key);
        gone();
      }
      if (!stopping() && !r.stopped) onFailure(r.message, r.died);
    });
  });
}
