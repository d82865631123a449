/**
 * The control block in shared memory through which the runtime drives its workers, and the
 * barrier's cells, at fixed offsets the compiler reserves (manifest.controlOffset). All i32.
 */

/** Bumped by the runtime to start a call; workers wait on it. */
export const GO = 0;
/** Workers that finished the current call; the runtime waits for it to reach the worker count. */
export const DONE = 1;
/** The call's sequence length and batch. */
export const SEQ = 2;
export const BATCH = 3;
/** Non-zero: workers exit their loop. */
export const STOP = 4;
/** Non-zero: the call continues the previous call's recurrent state (streaming). */
export const RESUME = 5;
/** Barrier cells (see compiler/emit/barrier.ts): arrivals, generation, abort. */
export const BARRIER = 8;
export const BARRIER_ABORT = BARRIER + 2;
/** Bytes of the whole block (16-byte aligned). */
export const CONTROL_BYTES = 64;

/** Makes every worker in the barrier trap instead of waiting: sets the abort cell, wakes the sleepers. */
export function abortBarrier(ctl: Int32Array): void {
  Atomics.store(ctl, BARRIER_ABORT, 1);
  Atomics.notify(ctl, BARRIER + 1); // the barrier's generation cell, where sleepers wait
}
