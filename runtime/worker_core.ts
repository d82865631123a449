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
  /**
   * Tests only: the worker stops for up to `maxMs` at random (seeded) before some calls and at
   * some of the module's clock checks, as a thread that loses its core does.
   */
  readonly stall?: { readonly seed: number; readonly maxMs: number };
}

/** How long an idle worker polls for the next call before sleeping. */
const GO_SPIN_MS = 2;


/** Runs the worker loop; returns when told to stop. `report` carries a failure to the runtime. */
export function workerLoop(init: WorkerInit, report: (message: string) => void): void {
  // The clock check is the calling thread's (it cannot be interrupted); workers hear of a timeout
  // through the barrier's abort cell.
  const stall = init.stall ? staller(init.stall.seed, init.stall.maxMs) : null;
  const expired = stall ? () => (stall(), 0) : () => 0;
  const instance = new WebAssembly.Instance(init.module, { [IMPORT_MODULE]: { [MEMORY_IMPORT]: init.memory, [EXPIRED_IMPORT]: expired } });
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
      stall?.();
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

/** A function that, half the times it is called, sleeps up to `maxMs` (a seeded sequence). */
function staller(seed: number, maxMs: number): () => void {
  let x = seed >>> 0;
  const next = () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return () => {
    if (next() < 0.5) Atomics.wait(cell, 0, 0, next() * maxMs);
  };
}
