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
