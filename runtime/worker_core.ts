/**
 * The loop every compute worker runs, the same in Node worker_threads and browser Web Workers:
 * instantiate the multi-worker module on the shared memory, then wait on the control block's GO
 * cell, run the call's slice, count itself DONE, repeat until STOP.
 */
import { ENTRY, EXPIRED_IMPORT, IMPORT_MODULE, MEMORY_IMPORT, type WorkerEntry } from '../contract/abi.js';
import { abortBarrier, BATCH, controlView, DONE, GO, SEQ, STOP, RESUME, BARRIER_ABORT } from '../contract/control.js';

/** What the runtime sends each worker once, at start. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly id: number;
  readonly workers: number;
  /** Byte offset of the control block. */
  readonly control: number;
  /** Moves when another session's call starts on a crowded machine (pool.ts): stop polling, sleep. */
  readonly crowd: Int32Array;
}

/** How long an idle worker polls for the next call before sleeping. */
const GO_SPIN_MS = 2;


/** Runs the worker loop; returns when told to stop. `report` carries a failure to the runtime. */
export function workerLoop(init: WorkerInit, report: (message: string) => void): void {
  // The clock check is the calling thread's (it cannot be interrupted); workers hear of a timeout
  // through the barrier's abort cell.
  const instance = new WebAssembly.Instance(init.module, { [IMPORT_MODULE]: { [MEMORY_IMPORT]: init.memory, [EXPIRED_IMPORT]: () => 0 } });
  const run = instance.exports[ENTRY] as WorkerEntry;
  let seen = 0;
  for (;;) {
    // A fresh view each time: the memory may have grown since the last call.
    const ctl = controlView(init.memory, init.control);
    // Back-to-back calls (streaming steps) should not pay a futex wake: spin on GO for a moment first,
    // unless a call of another session starts meanwhile on a machine with no core to spare.
    const spinUntil = performance.now() + GO_SPIN_MS;
    const crowd = Atomics.load(init.crowd, 0);
    while (Atomics.load(ctl, GO) === seen && Atomics.load(init.crowd, 0) === crowd && performance.now() < spinUntil) { /* spin */ }
    Atomics.wait(ctl, GO, seen);
    const go = Atomics.load(ctl, GO);
    if (Atomics.load(ctl, STOP)) return;
    if (go === seen) continue;
    seen = go;
    try {
      run(Atomics.load(ctl, SEQ), Atomics.load(ctl, BATCH), Atomics.load(ctl, RESUME), init.id, init.workers);
    } catch (e) {
      // Already set: another worker failed (or the runtime gave up) and this one only stopped
      // waiting for it; that one's report is the cause.
      const consequence = Atomics.load(ctl, BARRIER_ABORT) !== 0;
      // Wake the others out of the barrier (they trap on the abort cell), then tell the runtime.
      abortBarrier(ctl);
      if (!consequence) report(`worker ${init.id}: ${(e as Error)?.message ?? String(e)}`);
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}
