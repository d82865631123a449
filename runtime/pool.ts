/**
 * Compute workers over one shared WebAssembly.Memory, started once per session and reused. The
 * runtime starts a call by bumping the control block's GO cell and awaits DONE without blocking
 * (Atomics.waitAsync); a worker that fails, dies or overruns the timeout rejects the call, and the
 * pool is then discarded (the session starts a fresh one on its next call).
 */
import { EngineError } from './errors.js';
import { BARRIER, BARRIER_ABORT, BATCH, DONE, GO, RESUME, SEQ, STOP } from './control.js';
import type { WorkerInit } from './worker_core.js';

/** A started worker, whatever the platform. */
export interface WorkerHandle {
  terminate(): void;
  /** Tests only: ends the worker as a crash would (the pool sees it die). */
  terminateUnexpectedly?(): void;
  /** Keep the process alive while a call is running (Node); a no-op in browsers. */
  setBusy(busy: boolean): void;
}

/** Platform hook: starts one worker running worker_core's loop with `init`. */
export type Spawn = (init: WorkerInit, events: {
  /** A call failed in the worker (it still counts itself done), or, with `died`, the worker is gone. */
  onFailure(message: string, died: boolean): void;
}) => WorkerHandle;

export class WorkerPool {
  private readonly handles: WorkerHandle[] = [];
  private failure: string | null = null;
  private died = false;
  private wake: (() => void) | null = null;
  /** False once a call failed or the pool was terminated. */
  healthy = true;

  constructor(spawn: Spawn, module: WebAssembly.Module, private readonly memory: WebAssembly.Memory,
    private readonly control: number, readonly workers: number, private readonly timeoutMs: number) {
    const ctl = this.ctl();
    for (let i = 0; i < 16; i++) Atomics.store(ctl, i, 0);
    for (let id = 0; id < workers; id++) {
      this.handles.push(spawn({ module, memory, id, workers, control }, {
        onFailure: (message, died) => {
          this.failure ??= message;
          this.died ||= died;
          this.wake?.();
        },
      }));
    }
  }

  private ctl(): Int32Array {
    return new Int32Array(this.memory.buffer, this.control, 16);
  }

  /** Runs one call on every worker; resolves when all are done. */
  async run(seq: number, batch: number, resume: boolean): Promise<void> {
    if (!this.healthy) throw new EngineError('internal error: run on a discarded worker pool');
    const ctl = this.ctl();
    this.failure = null;
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, SEQ, seq);
    Atomics.store(ctl, BATCH, batch);
    Atomics.store(ctl, RESUME, resume ? 1 : 0);
    for (const h of this.handles) h.setBusy(true);
    Atomics.add(ctl, GO, 1);
    Atomics.notify(ctl, GO);
    const deadline = Date.now() + this.timeoutMs;
    try {
      for (;;) {
        const done = Atomics.load(ctl, DONE);
        if (this.died) throw new EngineError(`a worker died during the call: ${this.failure}`);
        if (done >= this.workers) break;
        const left = deadline - Date.now();
        if (left <= 0) throw new EngineError(`a call did not finish within ${this.timeoutMs} ms (timeoutMs option); the workers were stopped`);
        await this.waitChange(ctl, done, Math.min(left, 1000));
      }
      if (this.failure !== null) throw new EngineError(`a worker failed: ${this.failure}`);
    } catch (e) {
      this.terminate();
      throw e;
    } finally {
      for (const h of this.handles) h.setBusy(false);
    }
  }

  /** Resolves when DONE may have moved from `seen`, a failure arrived, or `ms` passed. */
  private waitChange(ctl: Int32Array, seen: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      this.wake = finish;
      const waitAsync = (Atomics as unknown as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;
      if (waitAsync) {
        const r = waitAsync(ctl, DONE, seen, ms);
        if (r.async) (r.value as Promise<string>).then(finish);
        else finish();
      }
      function finish() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Stops every worker (also those stuck in a barrier) and discards the pool. */
  terminate(): void {
    if (!this.healthy && this.handles.length === 0) return;
    this.healthy = false;
    const ctl = this.ctl();
    Atomics.store(ctl, STOP, 1);
    Atomics.store(ctl, BARRIER_ABORT, 1);
    Atomics.notify(ctl, GO);
    Atomics.notify(ctl, BARRIER + 1);
    for (const h of this.handles.splice(0)) h.terminate();
  }
}
