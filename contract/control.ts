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
/** Non-zero: every worker in a barrier traps instead of waiting (compiler/emit/barrier.ts). */
export const BARRIER_ABORT = 8;
/**
 * Non-zero: worker 0 (the calling thread) may not sleep in memory.atomic.wait (a browser page's
 * main thread): its waits for a shared job spin, asking the abort cell and the clock as they go.
 */
export const CALLER_SPINS = 9;
/**
 * Work items of shared jobs finished so far, by every worker (compiler/emit/share.ts): a count that
 * only grows (and wraps); a worker waits for it to reach its own running total. On the second half
 * of the first line, away from the cells the runtime touches between calls.
 */
export const ITEMS_DONE = 16;
/** How many workers sleep waiting for ITEMS_DONE to move. */
export const ITEMS_SLEEPERS = 17;
/**
 * Per worker, on a line of its own (ARRIVAL_STRIDE i32s, 128 bytes: no two workers' cells share a
 * line or an adjacent-line prefetch pair): the number of barriers it has reached, then how many
 * workers sleep waiting for it to reach the next one.
 */
export const ARRIVALS = 32;
export const ARRIVAL_STRIDE = 32;
/** Within a worker's line: its count of barriers reached, and the workers asleep waiting for it. */
export const ARRIVED = 0;
export const SLEEPERS = 1;
/**
 * Within a worker's line, the unclaimed items of its range in the current shared job, an i64 (8-byte
 * aligned): the job's tag (high half), the first unclaimed item (bits 16..31) and one past the last
 * (bits 0..15). The worker claims from the front, the others steal from the back.
 */
export const CLAIM = 2;
/** Within a worker's line: the items of every shared job it has passed, a running total (the next job's tag). */
export const ITEMS_PASSED = 4;
/** Within a worker's line: the items it took from other workers' ranges (a plain count, for tests and benchmarks). */
export const STOLEN = 5;
/** The most workers a module runs on (the engine's limit). */
export const MAX_WORKERS = 64;
/** Bytes of the whole block (16-byte aligned). */
export const CONTROL_BYTES = 4 * (ARRIVALS + MAX_WORKERS * ARRIVAL_STRIDE);

/** Makes every worker in a barrier or waiting for a shared job trap instead: sets the abort cell, wakes the sleepers. */
export function abortBarrier(ctl: Int32Array): void {
  Atomics.store(ctl, BARRIER_ABORT, 1);
  Atomics.notify(ctl, ITEMS_DONE);
  for (let w = 0; w < MAX_WORKERS; w++) Atomics.notify(ctl, ARRIVALS + w * ARRIVAL_STRIDE + ARRIVED);
}

/** Items worker `w` took from the others' ranges since the pool started. */
export function stolenBy(ctl: Int32Array, w: number): number {
  return Atomics.load(ctl, ARRIVALS + w * ARRIVAL_STRIDE + STOLEN);
}

/** The whole control block of a module whose block starts at byte `offset`. */
export function controlView(memory: WebAssembly.Memory, offset: number): Int32Array {
  return new Int32Array(memory.buffer, offset, CONTROL_BYTES / 4);
}
