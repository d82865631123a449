/**
 * Compute workers over one shared WebAssembly.Memory, started once per session and reused. The
 * runtime starts a call by bumping the control block's GO cell; a worker that fails, dies or
 * overruns the timeout rejects the call, and the pool is then discarded (the session starts a fresh
 * one on its next call). A worker that dies between calls discards the pool at once: the next call
 * starts on a fresh one instead of failing for a death it had no part in.
 *
 * The calling thread computes worker 0's share itself and the pool holds workers - 1 threads: as
 * many busy threads as workers. With a thread more than that (the caller idle in an event loop
 * while N workers compute), on a machine with N cores the caller's wake-ups preempted a worker
 * mid-call and the others waited at the next barrier: 2 workers on 2 cores were bimodal, LSTM
 * 256/256 seq 100 at 1.25 or 2.4 ms, LSTM 64/64 at 5x its 1-worker time. A browser page's main
 * thread may not sleep in Atomics.wait: there the module's waits spin (the control block's
 * CALLER_SPINS), and once its share is done the caller awaits DONE (Atomics.waitAsync).
 * (callerComputes false: the pool holds every worker and the caller only awaits.)
 */
import { EngineError, InternalError } from '../contract/errors.js';
import { EXPIRED_IMPORT, IMPORT_MODULE, MEMORY_IMPORT, type WorkerEntry } from '../contract/abi.js';
import { abortBarrier, BARRIER_ABORT, BATCH, CALLER_SPINS, controlView, DONE, GO, RESUME, SEQ, STOP } from '../contract/control.js';
import type { WorkerInit } from './worker_core.js';
import { CallModeChooser, type CallMode } from './adapt.js';
import type { ModuleImports } from '../contract/wasm_types.js';

/** A started worker, whatever the platform. */
export interface WorkerHandle {
  /** Stops the worker; what it returns, if anything, settles once the thread is gone. */
  terminate(): void | Promise<void>;
  /** Tests only: ends the worker as a crash would (the pool sees it die), now or `afterMs` from now (even while this thread computes). */
  terminateUnexpectedly?(afterMs?: number): void;
  /** Keep the process alive while a call is running (Node); a no-op in browsers. */
  setBusy(busy: boolean): void;
}

/** Platform hook: starts one worker running worker_core's loop with `init`. */
export type Spawn = (init: WorkerInit, events: {
  /** A call failed in the worker (it still counts itself done), or, with `died`, the worker is gone. */
  onFailure(message: string, died: boolean): void;
}) => WorkerHandle;

/** The calling thread's share of a call: worker 0 of the multi-worker module, instantiated here. */
export interface CallerShare {
  readonly run: WorkerEntry;
  /** The calling thread may not sleep in Atomics.wait (a browser page's main thread): its waits spin. */
  readonly spins: boolean;
  /** Read by the module's imported `expired()` clock check (see `callerImports`). */
  readonly clock: CallClock;
}

export interface CallClock {
  /** Date.now() past which the running call gives up. */
  deadline: number;
  /** Set once the clock check has answered yes for the running call. */
  expired: boolean;
}

/** The imports of a module run by the calling thread (either module): its clock check reads `clock`. */
export function callerImports(memory: WebAssembly.Memory, clock: CallClock): ModuleImports {
  return {
    [IMPORT_MODULE]: {
      [MEMORY_IMPORT]: memory,
      [EXPIRED_IMPORT]: () => {
        if (Date.now() <= clock.deadline) return 0;
        clock.expired = true;
        return 1;
      },
    },
  };
}

/** Runs a whole call on the calling thread, as worker 0 of 1 of the multi-worker module. */
export function runOnCaller(caller: CallerShare, timeoutMs: number, seq: number, batch: number, resume: boolean): void {
  const clock = caller.clock;
  clock.deadline = Date.now() + timeoutMs;
  clock.expired = false;
  try {
    caller.run(seq, batch, resume ? 1 : 0, 0, 1);
  } catch (e) {
    if (clock.expired) throw new EngineError(`a call did not finish within ${timeoutMs} ms (timeoutMs option); it was stopped`);
    throw new EngineError(`a worker failed: worker 0 (the calling thread, running the call alone): ${(e as Error)?.message ?? String(e)}`);
  }
}

/** Lets queued worker events (messages, exits) reach the pool. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** How long the caller, done with its share, blocks for the workers before awaiting them instead. */
const CALLER_SYNC_WAIT_MS = 2;
/** ...of which it first polls this long (its own core is idle meanwhile: no worker needs it). */
const CALLER_SPIN_MS = 0.1;

/**
 * What the pools of this realm share: `epoch` counts calls started while the pools' threads (and a
 * computing caller) outnumber the cores; every pool's workers see it (it is in their init). A worker
 * idling between calls polls for its next one for a moment (worker_core.ts), which costs nothing
 * while it has a core to itself; when another session's call starts on a crowded machine it stops
 * polling and sleeps instead of taking a core from that call (`node dist/bench/parallel.js` times two
 * sessions taking turns at streaming steps both ways).
 */
const crowd = { epoch: null as Int32Array | null, threads: 0 };

/** The shared epoch, made with the first pool (a page that is not cross-origin isolated has no SharedArrayBuffer, and no pools). */
function crowdEpoch(): Int32Array {
  return (crowd.epoch ??= new Int32Array(new SharedArrayBuffer(4)));
}

/** Tests only: calls started on a crowded machine so far, and the threads of every live pool. */
export function crowdState(): { readonly epoch: number; readonly threads: number } {
  return { epoch: crowd.epoch ? Atomics.load(crowd.epoch, 0) : 0, threads: crowd.threads };
}

export class WorkerPool {
  private readonly handles: WorkerHandle[] = [];
  private failure: string | null = null;
  private died = false;
  private wake: (() => void) | null = null;
  /** A call is under way (a worker's death is then that call's failure). */
  private running = false;
  /** The last call ran on every worker (its threads may still be polling). */
  private lastAll = false;
  /** False once a call failed, a worker died or the pool was terminated. */
  healthy = true;
  /**
   * Settles once every thread of a terminated pool is gone. A fresh pool on the same memory resets
   * the control block: a thread of this one still running then would take part in its calls.
   */
  closed: Promise<void> = Promise.resolve();

  /** Threads in the pool: the workers minus the caller, when it computes a share. */
  private readonly threads: number;
  /** Whether a call runs on every worker or on the caller alone (adapt.ts); null: always every worker. */
  private readonly chooser: CallModeChooser | null;

  constructor(spawn: Spawn, module: WebAssembly.Module, private readonly memory: WebAssembly.Memory,
    private readonly control: number, readonly workers: number, private readonly timeoutMs: number,
    private readonly caller: CallerShare | null = null, adapt = true,
    /** Cores this realm may use (os.availableParallelism() / navigator.hardwareConcurrency). */
    private readonly cores = Infinity) {
    this.chooser = caller && adapt ? new CallModeChooser() : null;
    // Every worker starts at barrier 0 (a previous pool's workers may have stopped anywhere).
    const ctl = this.ctl();
    for (let i = 0; i < ctl.length; i++) Atomics.store(ctl, i, 0);
    this.threads = caller ? workers - 1 : workers;
    for (let id = caller ? 1 : 0; id < workers; id++) {
      this.handles.push(spawn({ module, memory, id, workers, control, crowd: crowdEpoch() }, {
        onFailure: (message, died) => {
          this.failure ??= message;
          this.died ||= died;
          if (died && !this.running) this.terminate();
          this.wake?.();
        },
      }));
    }
    crowd.threads += this.handles.length;
  }

  private ctl(): Int32Array {
    return controlView(this.memory, this.control);
  }

  /**
   * Runs one call on every worker, or, when the calling thread computes a share and calls on all
   * workers have lately been slower than on the caller alone, on the caller alone (adapt.ts).
   * `forced`: in that mode, whatever the chooser would say (the session is calibrating, calibrate.ts).
   */
  async run(seq: number, batch: number, resume: boolean, forced?: CallMode): Promise<CallMode> {
    if (!this.healthy) throw new InternalError('run on a discarded worker pool');
    const mode = forced ?? this.chooser?.next() ?? 'all';
    const t0 = performance.now();
    this.running = true;
    try {
      if (mode === 'solo') this.runSolo(seq, batch, resume);
      else await this.runAll(seq, batch, resume);
    } finally {
      this.running = false;
      // A worker that died after counting itself done: the call is complete, the pool is not.
      if (this.died) this.terminate();
    }
    if (!forced) this.chooser?.record(mode, performance.now() - t0, seq * batch);
    return mode;
  }

  private overran(): EngineError {
    return new EngineError(`a call did not finish within ${this.timeoutMs} ms (timeoutMs option); the workers were stopped`);
  }

  /** The whole call on the calling thread: worker 0 of 1 (the pool's threads stay parked). */
  private runSolo(seq: number, batch: number, resume: boolean): void {
    // Right after a call on every worker, this pool's threads still poll for the next one
    // (worker_core.ts, GO_SPIN_MS): tell them to sleep, as a crowded machine's next call does, so they
    // leave the cores to this call. Otherwise a calibration (calibrate.ts) times the caller alone
    // against threads spinning beside it, and on 2 cores that flatters every worker.
    if (this.lastAll) Atomics.add(crowdEpoch(), 0, 1);
    this.lastAll = false;
    try {
      runOnCaller(this.caller!, this.timeoutMs, seq, batch, resume);
    } catch (e) {
      this.terminate();
      throw e;
    }
  }

  private async runAll(seq: number, batch: number, resume: boolean): Promise<void> {
    this.lastAll = true;
    const ctl = this.ctl();
    this.failure = null;
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, SEQ, seq);
    Atomics.store(ctl, BATCH, batch);
    Atomics.store(ctl, RESUME, resume ? 1 : 0);
    Atomics.store(ctl, CALLER_SPINS, this.caller?.spins ? 1 : 0);
    for (const h of this.handles) h.setBusy(true);
    const deadline = Date.now() + this.timeoutMs;
    Atomics.add(ctl, GO, 1);
    Atomics.notify(ctl, GO);
    // After GO: this pool's own idle workers see GO move first and run rather than sleep.
    if (crowd.threads + (this.caller ? 1 : 0) > this.cores) Atomics.add(crowdEpoch(), 0, 1);
    try {
      let callerFailure: string | null = null;
      let callerTrapped = false;
      if (this.caller) {
        const clock = this.caller.clock;
        clock.deadline = deadline;
        clock.expired = false;
        try {
          this.caller.run(seq, batch, resume ? 1 : 0, 0, this.workers);
        } catch (e) {
          callerTrapped = true;
          // Set before the caller trapped: a worker failed first, and the caller only stopped waiting.
          const abortedByWorker = Atomics.load(ctl, BARRIER_ABORT) !== 0 && !clock.expired;
          // The module set the abort cell if it gave up on the clock; a trap of its own must too.
          abortBarrier(ctl);
          if (clock.expired) {
            // Blocked, the caller could not hear of a worker dying: a turn of the event loop tells.
            await settle();
            throw this.died ? new EngineError(`a worker died during the call: ${this.failure}`) : this.overran();
          }
          if (!abortedByWorker) callerFailure = `worker 0 (the calling thread): ${(e as Error)?.message ?? String(e)}`;
          else await settle(); // the worker's report is on its way
        }
        // The workers left the last barrier with the caller: their DONE is microseconds away. Poll
        // for it first (a futex wake-up costs about as much as a small call), then sleep in short waits.
        const spinUntil = performance.now() + CALLER_SPIN_MS;
        while (Atomics.load(ctl, DONE) < this.threads && performance.now() < spinUntil) { /* spin */ }
        const until = this.caller.spins ? 0 : Math.min(deadline, Date.now() + CALLER_SYNC_WAIT_MS);
        for (let done = Atomics.load(ctl, DONE); done < this.threads && Date.now() < until; done = Atomics.load(ctl, DONE)) {
          Atomics.wait(ctl, DONE, done, 0.2);
        }
      }
      for (;;) {
        const done = Atomics.load(ctl, DONE);
        if (this.died) throw new EngineError(`a worker died during the call: ${this.failure}`);
        if (done >= this.threads) break;
        const left = deadline - Date.now();
        if (left <= 0) throw this.overran();
        await this.waitChange(ctl, done, Math.min(left, 1000));
      }
      // A worker that failed set the abort cell before counting itself done; its report may still be
      // queued behind DONE.
      if (Atomics.load(ctl, BARRIER_ABORT) !== 0 && this.failure === null && callerFailure === null) await settle();
      if (callerFailure !== null) throw new EngineError(`a worker failed: ${callerFailure}`);
      if (this.failure !== null) throw new EngineError(`a worker failed: ${this.failure}`);
      if (callerTrapped || Atomics.load(ctl, BARRIER_ABORT) !== 0) throw new EngineError('a worker failed: the call was aborted (no worker reported why)');
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
    abortBarrier(ctl);
    Atomics.notify(ctl, GO);
    crowd.threads -= this.handles.length;
    this.closed = Promise.all(this.handles.splice(0).map((h) => h.terminate())).then(() => undefined);
  }
}
