/**
 * A worker thread for serve_open.test.ts: swaps each served name between a real entry inside the
 * site and a symbolic link to the same name outside, by renames (each one atomic), as fast as it can,
 * until the test raises `stop[0]` or `maxSwaps` is reached.
 */
import { renameSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

export interface SwapperData {
  /** Pairs of paths: the served name, and where its real entry is parked while the link stands. */
  readonly swaps: readonly { readonly served: string; readonly real: string; readonly link: string }[];
  /** Int32Array over a SharedArrayBuffer: the test sets [0] to 1 to stop the worker; [1] counts the swaps. */
  readonly stop: Int32Array;
  readonly maxSwaps: number;
}

const { swaps, stop, maxSwaps } = workerData as SwapperData;
for (let i = 0; i < maxSwaps && Atomics.load(stop, 0) === 0; i++) {
  for (const s of swaps) {
    // served: real -> link -> real; a rename never leaves a half-made entry, only a brief absence.
    renameSync(s.served, s.real);
    renameSync(s.link, s.served);
    renameSync(s.served, s.link);
    renameSync(s.real, s.served);
  }
  Atomics.add(stop, 1, 1);
}
