/**
 * One loaded module with its linear memory: binds feeds to the manifest's inputs, resolves the
 * call's `seq` and `batch`, lays out the run-time buffers, copies inputs in, runs the whole program
 * in one wasm call and copies the outputs out.
 */
import { EngineError, InputError, InternalError, ModelError } from '../contract/errors.js';
import { checkFileDigests, fileLabel, instantiate, loadModule } from './verify.js';
import { checkManifest } from '../contract/manifest_check.js';
import { packWeights } from '../contract/layout.js';
import { recommendedWorkers, type Artifact, type Dim, type Manifest, type ManifestIO } from '../contract/manifest.js';
import { Tensor } from './tensor.js';
import { callerCanBlock, detectFeatures } from './features.js';
import { callerImports, WorkerPool, type CallerShare, type Spawn } from './pool.js';
import { MAX_WORKERS } from '../contract/control.js';
import { ENTRY, IMPORT_MODULE, MAX_PAGES, MEMORY_IMPORT, PAGE_BYTES as PAGE, type SingleWorkerEntry, type WorkerEntry } from '../contract/abi.js';

/** How a module is run. */
export interface EngineOptions {
  /** Workers to run on; default: the planner's recommendation for `cores` cores (manifest workers.byCores). */
  readonly workers?: number;
  /** Cores available (os.availableParallelism() / navigator.hardwareConcurrency). */
  readonly cores?: number;
  /** Starts a compute worker; without it the engine runs on one worker, in the calling thread. */
  readonly spawn?: Spawn;
  /** A call that takes longer than this rejects and stops the workers (default 60 s). */
  readonly timeoutMs?: number;
  /**
   * With several workers, the calling thread computes worker 0's share and blocks until the call
   * ends, as a one-worker engine does (default: where the thread may block, i.e. not a browser's
   * main thread). false keeps the caller free: every share goes to a pool thread, one thread more
   * than the workers, which costs speed when there are no more cores than workers.
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


/** The call's sizes and where each buffer lies. */
interface CallPlan {
  readonly seq: number;
  readonly batch: number;
  readonly offsets: Int32Array;
  readonly end: number;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Runs one compiled module; not re-entrant (sessions queue their calls). */
export class Engine {
  private pool: WorkerPool | null = null;
  private readonly calls = { all: 0, solo: 0 };

  private constructor(readonly manifest: Manifest, private readonly memory: WebAssembly.Memory,
    private readonly runModule: SingleWorkerEntry | null,
    private readonly threaded: { module: WebAssembly.Module; spawn: Spawn; timeoutMs: number; caller: CallerShare | null; adapt: boolean; cores: number } | null,
    /** Workers this engine runs on. */
    readonly workers: number,
    /** Why it runs on fewer workers than asked or planned, if it does. */
    readonly note: string | null) {}

  /**
   * Instantiates an artifact: checks it (the manifest's fields, each file's digest, that the module
   * was compiled with this manifest) and the engine's features, creates memory, places the static image.
   */
  static async create(artifact: Artifact, opts: EngineOptions = {}): Promise<Engine> {
    // The artifact is untrusted input (it may come from anywhere): every field and file is checked
    // before its numbers place anything in memory.
    const m = checkManifest(artifact.manifest, fileLabel(artifact, 'manifest.json'));
    checkFileDigests(artifact);
    if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 1 && opts.workers <= MAX_WORKERS)) {
      throw new InputError(`option workers must be an integer in 1..${MAX_WORKERS}, got ${String(opts.workers)}`);
    }
    if (opts.callerComputes === true && !callerCanBlock()) {
      throw new InputError('option callerComputes: this thread cannot block in Atomics.wait (a browser page\'s main thread); leave it unset or false here');
    }
    const wanted = opts.workers ?? recommendedWorkers(m, opts.cores ?? 1);
    let note: string | null = null;
    if (wanted > 1 && !artifact.wasmThreads) note = 'the artifact has no multi-worker module (compiled without threads)';
    else if (wanted > 1 && !detectFeatures().threads) note = 'this engine has no shared memory (in a browser: serve the page cross-origin isolated, with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
    else if (wanted > 1 && !opts.spawn) note = 'this platform cannot start workers';
    const workers = note ? 1 : wanted;
    if (artifact.image.byteLength !== m.imageEnd - m.imageBegin) {
      throw new ModelError(`${fileLabel(artifact, 'image')}: holds ${artifact.image.byteLength} bytes; the manifest's image [imageBegin, imageEnd) takes ${m.imageEnd - m.imageBegin}`);
    }
    const file = workers > 1 ? 'wasmThreads' : 'wasm';
    const module = await loadModule(artifact, file);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(m.staticEnd / PAGE), maximum: MAX_PAGES, shared: workers > 1 } as WebAssembly.MemoryDescriptor);
    new Uint8Array(memory.buffer, m.imageBegin, artifact.image.byteLength).set(artifact.image);
    if (workers > 1) {
      let caller: CallerShare | null = null;
      if (opts.callerComputes ?? callerCanBlock()) {
        const clock = { deadline: Infinity, expired: false };
        const instance = await instantiate(module, callerImports(memory, clock), fileLabel(artifact, file));
        caller = { run: instance.exports[ENTRY] as WorkerEntry, clock };
      }
      return new Engine(m, memory, null, { module, spawn: opts.spawn!, timeoutMs: opts.timeoutMs ?? 60_000, caller, adapt: opts.adaptWorkers ?? true, cores: opts.cores ?? Infinity }, workers, null);
    }
    const instance = await instantiate(module, { [IMPORT_MODULE]: { [MEMORY_IMPORT]: memory } }, fileLabel(artifact, file));
    return new Engine(m, memory, instance.exports[ENTRY] as SingleWorkerEntry, null, 1, note ? `running on 1 worker: ${note}` : null);
  }

  /**
   * Runs the model on one worker, synchronously (engines created with one worker only). With
   * `resume`, every RNN continues from the state the previous call left (streaming), and inputs that
   * only feed initial states may be left out.
   */
  run(feeds: Readonly<Record<string, Tensor>>, resume = false): Record<string, Tensor> {
    if (!this.runModule) throw new InternalError('synchronous run on a multi-worker engine; use runAsync');
    const call = this.prepare(feeds, resume);
    try {
      this.runModule(call.seq, call.batch, resume ? 1 : 0);
    } catch (e) {
      throw new EngineError(`module ${this.manifest.model} failed while running: ${(e as Error).message}`, { cause: e });
    }
    this.calls.all++;
    return this.collect(call);
  }

  /** Runs the model on this engine's workers. */
  async runAsync(feeds: Readonly<Record<string, Tensor>>, resume = false): Promise<Record<string, Tensor>> {
    if (this.runModule) return this.run(feeds, resume);
    const call = this.prepare(feeds, resume);
    const t = this.threaded!;
    if (!this.pool?.healthy) this.pool = new WorkerPool(t.spawn, t.module, this.memory, this.manifest.controlOffset, this.workers, t.timeoutMs, t.caller, t.adapt, t.cores);
    this.calls[await this.pool.run(call.seq, call.batch, resume)]++;
    return this.collect(call);
  }

  /** Calls that finished on every worker (all calls of a one-worker engine) and on the calling thread alone (adaptWorkers). */
  get callCounts(): { readonly all: number; readonly solo: number } {
    return { ...this.calls };
  }

  /** Stops the workers, if any. */
  release(): void {
    this.pool?.terminate();
    this.pool = null;
  }

  /** Binds and checks the feeds, lays the call out, copies inputs in, packs fed weights. */
  private prepare(feeds: Readonly<Record<string, Tensor>>, resume: boolean): CallPlan {
    const m = this.manifest;
    const bound = this.bindFeeds(feeds, resume);
    const call = this.layOut(bound);
    this.ensureMemory(call.end);
    new Int32Array(this.memory.buffer, m.tableOffset, call.offsets.length).set(call.offsets);
    for (const [io, t] of bound) this.copyIn(io, t, call.offsets[io.buffer]);
    this.checkRanges(call);
    this.packFedWeights(call);
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

  /** Matches feeds to inputs: every input present, no unknown name, an accepted type, the right rank. */
  private bindFeeds(feeds: Readonly<Record<string, Tensor>>, resume: boolean): Map<ManifestIO, Tensor> {
    const m = this.manifest;
    if (typeof feeds !== 'object' || feeds === null) throw new InputError('feeds must be an object mapping input names to Tensors');
    const names = m.inputs.map((i) => `'${i.name}'`).join(', ');
    for (const name of Object.keys(feeds)) {
      if (!m.inputs.some((i) => i.name === name)) throw new InputError(`unknown input '${name}'; this model's inputs are ${names}`);
    }
    const bound = new Map<ManifestIO, Tensor>();
    for (const i of m.inputs) {
      const t = feeds[i.name];
      if (t === undefined && resume && m.stateInputs.includes(i.buffer)) continue;
      if (t === undefined) throw new InputError(`missing input '${i.name}' (${i.dtype} [${i.dims.join(', ')}]); this model's inputs are ${names}`);
      if (!t || !Array.isArray(t.dims) || !ArrayBuffer.isView(t.data)) throw new InputError(`input '${i.name}' must be a Tensor with type, data and dims`);
      if (!i.accepts.includes(t.type)) throw new InputError(`input '${i.name}' must be ${i.accepts.join(' or ')}, got ${t.type}`);
      if (t.dims.length !== i.dims.length) throw new InputError(`input '${i.name}' must have dims [${i.dims.join(', ')}], got [${t.dims.join(', ')}]`);
      if (t.dims.reduce((p, d) => p * d, 1) !== t.data.length) throw new InputError(`input '${i.name}': dims [${t.dims.join(', ')}] do not match its ${t.data.length} elements`);
      bound.set(i, t);
    }
    return bound;
  }

  /** Resolves seq and batch from the feeds, checks every fixed dim, and places every buffer. */
  private layOut(bound: Map<ManifestIO, Tensor>): CallPlan {
    const m = this.manifest;
    const sizes: { seq?: number; batch?: number } = {};
    for (const [io, t] of bound) {
      io.dims.forEach((d, axis) => {
        const got = t.dims[axis];
        if (typeof d === 'number') {
          if (got !== d) throw new InputError(`input '${io.name}' must have dims [${io.dims.join(', ')}], got [${t.dims.join(', ')}] (axis ${axis} must be ${d})`);
          return;
        }
        const seen = sizes[d];
        if (seen !== undefined && seen !== got) {
          throw new InputError(`input '${io.name}' axis ${axis} is ${d} = ${got}, but another input has ${d} = ${seen}`);
        }
        sizes[d] = got;
      });
    }
    const seq = sizes.seq ?? 1, batch = sizes.batch ?? 1;
    if (seq < 1) throw new InputError(`sequence length is 0 (inputs ${this.inputsWith('seq')}); expected at least 1`);
    if (batch < 1 || batch > m.maxBatch) {
      throw new InputError(`batch is ${batch} (inputs ${this.inputsWith('batch')}); this module was compiled for batch 1..${m.maxBatch} (recompile with --batch ${Math.max(batch, 1)})`);
    }
    const offsets = new Int32Array(m.buffers.length);
    let at = align16(m.staticEnd);
    const partial: CallPlan = { seq, batch, offsets, end: 0 };
    m.buffers.forEach((buf, id) => {
      offsets[id] = at;
      const bytes = buf.dims.reduce((p: number, d) => p * resolve(d, partial), 4) + buf.slack;
      at = align16(at + bytes);
      if (at > MAX_PAGES * PAGE) throw new InputError(`the call needs more than ${MAX_PAGES * PAGE} bytes of memory (seq ${seq}, batch ${batch}); use a shorter sequence or a smaller batch`);
    });
    return { seq, batch, offsets, end: at };
  }

  private inputsWith(sym: 'seq' | 'batch'): string {
    return this.manifest.inputs.filter((i) => i.dims.includes(sym)).map((i) => `'${i.name}'`).join(', ');
  }

  private copyIn(io: ManifestIO, t: Tensor, at: number): void {
    if (io.dtype === 'float32') {
      new Float32Array(this.memory.buffer, at, t.data.length).set(t.data as Float32Array);
      return;
    }
    const dst = new Int32Array(this.memory.buffer, at, t.data.length);
    if (t.data instanceof BigInt64Array) {
      for (let i = 0; i < t.data.length; i++) {
        const v = t.data[i];
        if (v < -2147483648n || v > 2147483647n) throw new InputError(`input '${io.name}'[${i}] = ${v} does not fit in int32`);
        dst[i] = Number(v);
      }
    } else dst.set(t.data as Int32Array);
  }

  /** Gather indices within their table, sequence lengths within the call's seq. */
  private checkRanges(call: CallPlan): void {
    const i32 = new Int32Array(this.memory.buffer);
    for (const c of this.manifest.checks) {
      const dims = this.manifest.buffers[c.buffer].dims.map((d) => resolve(d, call));
      const n = dims.reduce((p, d) => p * d, 1);
      const base = call.offsets[c.buffer] / 4;
      const [lo, hi] = c.bound === 'seq' ? [0, call.seq] : [-c.bound, c.bound - 1];
      for (let k = 0; k < n; k++) {
        const v = i32[base + k];
        if (v < lo || v > hi) throw new InputError(`${c.what}[${k}] = ${v}; expected ${lo}..${hi}`);
      }
    }
  }

  /** RNN weights fed as graph inputs (as in ONNX's backend tests) are packed before every call. */
  private packFedWeights(call: CallPlan): void {
    const f32 = new Float32Array(this.memory.buffer);
    const view = (id: number) => {
      if (id < 0) return null;
      const n = this.manifest.buffers[id].dims.reduce((p: number, d) => p * resolve(d, call), 1);
      return f32.slice(call.offsets[id] / 4, call.offsets[id] / 4 + n);
    };
    for (const w of this.manifest.fedWeights) {
      packWeights(w.layout, { W: view(w.W)!, R: view(w.R)!, B: view(w.B), P: view(w.P) }, f32);
    }
  }

  private ensureMemory(end: number): void {
    const need = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
  }
}

/** Merges consecutive factors: axis i is the product of the next groups[i] entries. */
function groupDims(flat: number[], groups: readonly number[]): number[] {
  let at = 0;
  return groups.map((g) => {
    const v = flat.slice(at, at + g).reduce((p, d) => p * d, 1);
    at += g;
    return v;
  });
}

function resolve(d: Dim, call: { seq: number; batch: number }): number {
  return d === 'seq' ? call.seq : d === 'batch' ? call.batch : d;
}
