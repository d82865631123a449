/**
 * One loaded module with its linear memory: binds the feeds and lays the call out (call.ts), copies
 * inputs in, runs the whole program in one wasm call and copies the outputs out.
 */
import { EngineError, InputError, InternalError, ModelError } from '../contract/errors.js';
import { checkFileDigests, fileLabel, instantiate, loadModule, startCompile } from './verify.js';
import { checkManifest } from '../contract/manifest_check.js';
import { recommendedWorkers, type Artifact, type Manifest } from '../contract/manifest.js';
import { Tensor } from './tensor.js';
import { callerCanBlock, detectFeatures } from './features.js';
import { callerImports, runOnCaller, WorkerPool, type CallClock, type CallerShare, type Spawn } from './pool.js';
import { WorkerCalibration } from './calibrate.js';
import { checkRanges, copyIn, packFedWeights } from './call_in.js';
import { bindFeeds, groupDims, inputsWith, layOut, resolve, type CallPlan } from './call.js';
import { MAX_WORKERS } from '../contract/control.js';
import { restoreRanges, saveRanges, zeroBlocks, type ByteRanges, type StateSnapshot } from './state.js';
import { ENTRY, MAX_PAGES, PAGE_BYTES as PAGE, type SingleWorkerEntry, type WorkerEntry } from '../contract/abi.js';

/** How a module is run. */
export interface EngineOptions {
  /**
   * Workers to run on; default: the planner's recommendation for `cores` cores (manifest
   * workers.byCores), kept only if the first calls run faster on them than on the caller alone
   * (calibrate.ts; with the caller computing and adaptWorkers).
   */
  readonly workers?: number;
  /** Cores available (os.availableParallelism() / navigator.hardwareConcurrency). */
  readonly cores?: number;
  /** Starts a compute worker; without it the engine runs on one worker, in the calling thread. */
  readonly spawn?: Spawn;
  /**
   * A call that takes longer than this many milliseconds rejects with an EngineError and stops the
   * workers, on any number of workers (default 60 s; > 0, Infinity: no limit). The module checks
   * the clock every few dozen timesteps, so a call may overrun the limit by that much.
   */
  readonly timeoutMs?: number;
  /**
   * With several workers, the calling thread computes worker 0's share and is busy until the call
   * ends, as a one-worker engine is (default true). Where it may not block (a browser page's main
   * thread) its waits spin. false keeps the caller free: every share goes to a pool thread, one
   * thread more than the workers, which costs speed when there are no more cores than workers.
   */
  readonly callerComputes?: boolean;
  /**
   * With several workers and the caller computing a share: run a call on the calling thread alone
   * when calls on every worker have lately been slower (another busy process or a hypervisor took a
   * core; runtime/adapt.ts), trying all workers again now and then. Default true; false always uses
   * every worker.
   */
  readonly adaptWorkers?: boolean;
}

/** The single-worker module, run by the calling thread, and its clock. */
interface SingleWorker {
  readonly run: SingleWorkerEntry;
  readonly clock: CallClock;
}

/** The pool an engine runs on, in a box the engine and `orphans` share (a failed pool is replaced). */
interface PoolBox {
  pool: WorkerPool | null;
}

/**
 * Stops the workers of an engine that was garbage-collected without release() (a session dropped
 * by its caller): each would otherwise keep a thread, idle but never reclaimed, for the life of the
 * process. The box is all it holds: the pool never references its engine.
 */
const orphans = new FinalizationRegistry<PoolBox>((box) => {
  box.pool?.terminate();
  box.pool = null;
});

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs one compiled module; not re-entrant (sessions queue their calls). */
export class Engine {
  private readonly box: PoolBox = { pool: null };
  private readonly calls = { all: 0, solo: 0 };
  /** Calls that reached the module, finished or not; one rejected before it changed nothing in memory. */
  private started = 0;
  /** The batch of the last call that reached the module: the rows of the recurrent state it left. */
  private stateBatch = 0;
  /**
   * The static bytes a call may change, the recurrent state among them (state.ts): found on first
   * need (mutableRanges), not at create, so a session is ready without scanning its whole image.
   */
  private mutable: ByteRanges | null = null;
  /** A default worker count being checked against 1 worker (calibrate.ts), or null. */
  private readonly calibration: WorkerCalibration | null;

  private constructor(readonly manifest: Manifest, private readonly memory: WebAssembly.Memory,
    private readonly single: SingleWorker | null,
    private readonly threaded: { module: WebAssembly.Module; spawn: Spawn; caller: CallerShare | null; adapt: boolean; cores: number } | null,
    private readonly timeoutMs: number,
    /** Workers this engine runs on. */
    readonly workers: number,
    /** Why it runs on the workers it runs on, unless the calibration says. */
    private readonly fixedNote: string,
    planned: string | null) {
    if (threaded) orphans.register(this, this.box, this);
    this.calibration = threaded?.caller && threaded.adapt && planned !== null ? new WorkerCalibration(workers, planned) : null;
  }

  /**
   * What a call may change in static memory: it starts zeroed, after the buffer table (the
   * recurrent state, placed before the image and not shipped, and the zero-filled scratch inside
   * what steps reserved). Scanned the first time a state is saved or restored or a call is
   * prepared: until then nothing has written static memory (fed weights are packed by prepare),
   * so the zero blocks are still the image's.
   */
  private mutableRanges(): ByteRanges {
    if (this.mutable) return this.mutable;
    const m = this.manifest;
    const tableEnd = Math.ceil((m.tableOffset + m.buffers.length * 4) / 16) * 16;
    this.mutable = zeroBlocks(this.memory.buffer, tableEnd, m.staticEnd);
    return this.mutable;
  }

  /** The recurrent state the last call left (for a stream that hands the module to another), reusing `into`. */
  saveState(into: StateSnapshot | null): StateSnapshot {
    return saveRanges(new Uint8Array(this.memory.buffer), this.mutableRanges(), this.stateBatch, into);
  }

  /** Puts a saved state back: the next call with `resume` continues from it. */
  restoreState(s: StateSnapshot): void {
    restoreRanges(new Uint8Array(this.memory.buffer), this.mutableRanges(), s);
    this.stateBatch = s.batch;
  }

  /**
   * Instantiates an artifact: checks it (the manifest's fields, each file's digest, that the module
   * was compiled with this manifest) and the engine's features, creates memory, places the static image.
   */
  static async create(artifact: Artifact, opts: EngineOptions = {}): Promise<Engine> {
    // The artifact is untrusted input (it may come from anywhere): every field and file is checked
    // before its numbers place anything in memory.
    const m = checkManifest(artifact.manifest, fileLabel(artifact, 'manifest.json'));
    checkOptions(opts);
    const wanted = opts.workers ?? recommendedWorkers(m, opts.cores ?? 1);
    let note: string | null = null;
    if (wanted > 1 && !artifact.wasmThreads) note = 'the artifact has no multi-worker module (compiled without threads)';
    else if (wanted > 1 && !detectFeatures().threads) note = 'this engine has no shared memory (in a browser: serve the page cross-origin isolated, with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
    else if (wanted > 1 && !opts.spawn) note = 'this platform cannot start workers';
    const workers = note ? 1 : wanted;
    const planned = opts.workers === undefined ? plannedFor(m, opts.cores ?? 1, wanted) : null;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const file = workers > 1 ? 'wasmThreads' : 'wasm';
    // The module compiles (off this thread) while the files' digests are checked.
    const compiling = startCompile(artifact, file);
    checkFileDigests(artifact);
    if (artifact.image.byteLength !== m.imageEnd - m.imageBegin) {
      throw new ModelError(`${fileLabel(artifact, 'image')}: holds ${artifact.image.byteLength} bytes; the manifest's image [imageBegin, imageEnd) takes ${m.imageEnd - m.imageBegin}`);
    }
    const module = await loadModule(artifact, file, compiling);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(m.staticEnd / PAGE), maximum: MAX_PAGES, shared: workers > 1 } as WebAssembly.MemoryDescriptor);
    new Uint8Array(memory.buffer, m.imageBegin, artifact.image.byteLength).set(artifact.image);
    // Whichever module the calling thread runs, its clock check reads a clock of its own.
    const clock = { deadline: Infinity, expired: false };
    if (workers > 1) {
      let caller: CallerShare | null = null;
      if (opts.callerComputes ?? true) {
        const instance = await instantiate(module, callerImports(memory, clock), fileLabel(artifact, file));
        caller = { run: instance.exports[ENTRY] as WorkerEntry, clock, spins: !callerCanBlock() };
      }
      const adapt = opts.adaptWorkers ?? true;
      const fixed = planned === null ? `${workers} workers, as asked` : `${workers} workers: ${planned}; not compared with 1 worker (${caller ? 'adaptWorkers' : 'callerComputes'} is false)`;
      return new Engine(m, memory, null, { module, spawn: opts.spawn!, caller, adapt, cores: opts.cores ?? Infinity }, timeoutMs, workers, fixed, planned);
    }
    const instance = await instantiate(module, callerImports(memory, clock), fileLabel(artifact, file));
    const single = { run: instance.exports[ENTRY] as SingleWorkerEntry, clock };
    const why = note ? `running on 1 worker: ${note}` : planned === null ? '1 worker, as asked' : `1 worker: ${planned}`;
    return new Engine(m, memory, single, null, timeoutMs, 1, why, null);
  }

  /**
   * Runs the model on one worker, synchronously (engines created with one worker only). With
   * `resume`, every RNN continues from the state the previous call left (streaming), and inputs that
   * only feed initial states are left out. A call past timeoutMs traps at the module's next clock
   * check and rejects.
   */
  run(feeds: Readonly<Record<string, Tensor>>, resume = false): Record<string, Tensor> {
    if (!this.single) throw new InternalError('synchronous run on a multi-worker engine; use runAsync');
    const call = this.prepare(feeds, resume);
    const clock = this.single.clock;
    clock.deadline = Date.now() + this.timeoutMs;
    clock.expired = false;
    this.starting(call);
    try {
      this.single.run(call.seq, call.batch, resume ? 1 : 0);
    } catch (e) {
      if (clock.expired) throw new EngineError(`a call did not finish within ${this.timeoutMs} ms (timeoutMs option); it was stopped`);
      throw new EngineError(`module ${this.manifest.model} failed while running: ${(e as Error).message}`, { cause: e });
    }
    this.calls.all++;
    return this.collect(call);
  }

  /** Runs the model on this engine's workers. */
  async runAsync(feeds: Readonly<Record<string, Tensor>>, resume = false): Promise<Record<string, Tensor>> {
    if (this.single) return this.run(feeds, resume);
    const call = this.prepare(feeds, resume);
    const t = this.threaded!;
    const cal = this.calibration;
    if (cal?.settled === 'solo') {
      // Settled on the caller alone: the pool was stopped, its threads leave the cores alone.
      this.starting(call);
      runOnCaller(t.caller!, this.timeoutMs, call.seq, call.batch, resume);
      this.calls.solo++;
      return this.collect(call);
    }
    // A pool is discarded when a call fails or one of its workers dies, even between calls.
    if (!this.box.pool?.healthy) {
      await this.box.pool?.closed;
      this.box.pool = new WorkerPool(t.spawn, t.module, this.memory, this.manifest.controlOffset, this.workers, this.timeoutMs, t.caller, t.adapt, t.cores);
    }
    this.starting(call);
    const t0 = performance.now();
    const mode = await this.box.pool.run(call.seq, call.batch, resume, cal?.next() ?? undefined);
    this.calls[mode]++;
    if (cal?.record(mode, performance.now() - t0, call.seq * call.batch) === 'solo') this.box.pool.terminate();
    return this.collect(call);
  }

  /** Workers the calls run on: 1 once the calibration settled on the caller alone. */
  get workersInUse(): number {
    return this.calibration?.settled === 'solo' ? 1 : this.workers;
  }

  /** What this engine runs on and why: asked, planned, measured against 1 worker, or fewer than asked and why. */
  get note(): string {
    return this.calibration?.note() ?? this.fixedNote;
  }

  /** Calls that reached the module, finished or not (a session's stream state changed with each). */
  get callsStarted(): number {
    return this.started;
  }

  /** Calls that finished on every worker (all calls of a one-worker engine) and on the calling thread alone (adaptWorkers). */
  get callCounts(): { readonly all: number; readonly solo: number } {
    return { ...this.calls };
  }

  /** Stops the workers, if any. */
  release(): void {
    orphans.unregister(this);
    this.box.pool?.terminate();
    this.box.pool = null;
  }

  private starting(call: CallPlan): void {
    this.started++;
    this.stateBatch = call.batch;
  }

  /** Binds and checks the feeds, lays the call out, copies inputs in, packs fed weights. */
  private prepare(feeds: Readonly<Record<string, Tensor>>, resume: boolean): CallPlan {
    const m = this.manifest;
    this.mutableRanges();
    const bound = bindFeeds(m, feeds, resume);
    const call = layOut(m, bound);
    if (resume && call.batch !== this.stateBatch) {
      // The state holds the rows of the previous step's batch; rows past them would start from
      // whatever an earlier call left there.
      throw new InputError(`batch is ${call.batch} (inputs ${inputsWith(m, 'batch')}), but this stream's previous step had batch ${this.stateBatch} and its state holds those rows; a stream keeps its batch: call reset() to start over with batch ${call.batch}`);
    }
    this.ensureMemory(call.end);
    new Int32Array(this.memory.buffer, m.tableOffset, call.offsets.length).set(call.offsets);
    for (const [io, t] of bound) copyIn(this.memory, io, t, call.offsets[io.buffer]);
    checkRanges(this.memory, m, call);
    packFedWeights(this.memory, m, call);
    return call;
  }

  private collect(call: CallPlan): Record<string, Tensor> {
    const m = this.manifest;
    const out: Record<string, Tensor> = {};
    for (const o of m.outputs) {
      const flat = o.dims.map((d) => resolve(d, call));
      const n = flat.reduce((p, d) => p * d, 1);
      const dims = o.groups ? groupDims(flat, o.groups) : flat;
      const at = call.offsets[o.buffer] / 4;
      const data = o.dtype === 'int32' ? new Int32Array(this.memory.buffer).slice(at, at + n) : new Float32Array(this.memory.buffer).slice(at, at + n);
      out[o.name] = new Tensor(data, dims);
    }
    return out;
  }

  private ensureMemory(end: number): void {
    const need = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
  }
}

/** Why the planner picked `wanted` workers for `cores` cores, from the manifest's reasons. */
function plannedFor(m: Manifest, cores: number, wanted: number): string {
  const r = m.workers.reasons;
  const estimates = [r[0], wanted > 1 ? r[wanted - 1] : r[1]].filter((x) => x !== undefined).join('; ');
  return `the planner's choice for ${cores} core${cores === 1 ? '' : 's'}${estimates ? ` (${estimates})` : ''}`;
}

/** Checks the options a caller may get wrong (the others are the platform glue's). */
function checkOptions(opts: EngineOptions): void {
  if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 1 && opts.workers <= MAX_WORKERS)) {
    throw new InputError(`option workers must be an integer in 1..${MAX_WORKERS}, got ${String(opts.workers)}`);
  }
  // NaN or a limit <= 0 would make every call overrun at once, and stop the workers each time.
  if (opts.timeoutMs !== undefined && !(typeof opts.timeoutMs === 'number' && opts.timeoutMs > 0)) {
    throw new InputError(`option timeoutMs must be a number of milliseconds > 0 (Infinity: no limit), got ${String(opts.timeoutMs)}`);
  }
}
