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
 * Per worker, on a line of its own (ARRIVAL_STRIDE i32s, 128 bytes: no two workers' cells share a
 * line or an adjacent-line prefetch pair): the number of barriers it has reached, then how many
 * workers sleep waiting for it to reach the next one.
 */
export const ARRIVALS = 32;
export const ARRIVAL_STRIDE = 32;
/** Within a worker's line: its count of barriers reached, and the workers asleep waiting for it. */
export const ARRIVED = 0;
export const SLEEPERS = 1;
/** The most workers a module runs on (the engine's limit). */
export const MAX_WORKERS = 64;
/** Bytes of the whole block (16-byte aligned). */
export const CONTROL_BYTES = 4 * (ARRIVALS + MAX_WORKERS * ARRIVAL_STRIDE);

/** Makes every worker in a barrier trap instead of waiting: sets the abort cell, wakes the sleepers. */
export function abortBarrier(ctl: Int32Array): void {
  Atomics.store(ctl, BARRIER_ABORT, 1);
  for (let w = 0; w < MAX_WORKERS; w++) Atomics.notify(ctl, ARRIVALS + w * ARRIVAL_STRIDE + ARRIVED);
}

/** The whole control block of a module whose block starts at byte `offset`. */
export function controlView(memory: WebAssembly.Memory, offset: number): Int32Array {
  return new Int32Array(memory.buffer, offset, CONTROL_BYTES / 4);
}
