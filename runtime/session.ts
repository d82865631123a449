/**
 * InferenceSession over a compiled artifact, shaped like onnxruntime-web's: `inputNames`,
 * `outputNames`, `inputMetadata`, `outputMetadata`, `await run(feeds, fetches?, options?)`,
 * `await release()`; and rnnc's streams. Platform-independent; `node.ts` adds loading from files
 * and compiling ONNX models on the fly, `browser.ts` fetching.
 */
import { Engine, type EngineOptions } from './engine.js';
import { EngineError, UnsupportedError } from '../contract/errors.js';
import type { Artifact, Manifest } from '../contract/manifest.js';
import { Tensor } from './tensor.js';
import { narrow } from './tensor_data.js';
import { manifestMetadata, type ValueMetadata } from './metadata.js';
import { resolveFetches, type OrtRunOptions } from './options.js';
import { StepStream } from './stream.js';

export { StepStream } from './stream.js';
export type { ValueMetadata } from './metadata.js';

/** Inputs of `run`, by graph input name. */
export type FeedsType = Readonly<Record<string, Tensor>>;
/** Outputs to return: their names, or an object with them as keys (values null). */
export type FetchesType = readonly string[] | Readonly<Record<string, null>>;
/** Outputs of `run`, by graph output name. */
export type ReturnType = Record<string, Tensor>;
/** onnxruntime's names: a value of a graph input or output (here always a tensor), and a map of them. */
export type OnnxValue = Tensor;
export type OnnxValueMapType = Readonly<Record<string, OnnxValue>>;
/** Options of one `run` (onnxruntime's; accepted, none changes the call). */
export type RunOptions = OrtRunOptions;

/** The graph's inputs and outputs as the model declares them (a session compiled from ONNX knows them). */
export interface Declared {
  readonly inputs: readonly ValueMetadata[];
  readonly outputs: readonly ValueMetadata[];
}

export class ArtifactSession {
  /** Names of the graph inputs the caller feeds, in graph order. */
  readonly inputNames: readonly string[];
  /** Names of the graph outputs, in graph order. */
  readonly outputNames: readonly string[];
  private engine: Engine | null;
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;
  /** Which stream's state each engine's memory holds (null: a plain run's, or none). */
  private readonly holders = new Map<Engine, StepStream | null>();

  /**
   * A session over `engine`; or, for a model whose input sizes its first run decides (the Node
   * entry's in-process compile), none yet: `declared` then gives the graph's inputs and outputs and
   * `engineFor` supplies the engine for each call's feeds. With `declared`, outputs keep the types
   * the model declares (int64 where the module computes int32).
   */
  protected constructor(engine: Engine | null, private readonly declared?: Declared) {
    this.engine = engine;
    this.inputNames = Object.freeze([...(declared?.inputs ?? engine!.manifest.inputs).map((i) => i.name)]);
    this.outputNames = Object.freeze([...(declared?.outputs ?? engine!.manifest.outputs).map((o) => o.name)]);
  }

  /** The engine a call with these feeds runs on (a subclass may compile one for their sizes). */
  protected async engineFor(_feeds: FeedsType): Promise<Engine | null> {
    return this.engine;
  }

  /** Makes `engine` the current one (the one `workers`, `note` and `manifest` describe). */
  protected use(engine: Engine): void {
    this.engine = engine;
  }

  /** Loads an artifact made by `rnnc compile` (or `compileModel`). */
  static async fromArtifact(artifact: Artifact, options: EngineOptions = {}): Promise<ArtifactSession> {
    return new ArtifactSession(await Engine.create(artifact, options));
  }

  /** The graph inputs: name, element type, shape (and, for an artifact, the largest batch it takes). */
  get inputMetadata(): readonly ValueMetadata[] {
    return this.declared?.inputs ?? manifestMetadata(this.manifest).inputs;
  }

  /** The graph outputs: name, element type, shape. */
  get outputMetadata(): readonly ValueMetadata[] {
    return this.declared?.outputs ?? manifestMetadata(this.manifest).outputs;
  }

  /** Workers this session runs on (1 once a default count lost to 1 worker; see `note`). */
  get workers(): number {
    return this.engine?.workersInUse ?? 0;
  }

  /**
   * What the session runs on and why: the workers asked for; the planner's count, and once the first
   * calls have compared it with 1 worker, the faster and by how much; or fewer than asked and why.
   */
  get note(): string | null {
    return this.engine?.note ?? null;
  }

  /**
   * Calls this session has run on every worker, and on the calling thread alone (a multi-worker
   * session with adaptWorkers does that while its workers have lately been slower, e.g. beside
   * another busy process). One-worker sessions count every call as `all`.
   */
  get callCounts(): { readonly all: number; readonly solo: number } {
    return this.engine?.callCounts ?? { all: 0, solo: 0 };
  }

  /** The artifact's manifest: kernel name, plan, layout, required features. */
  get manifest(): Manifest {
    if (this.released) throw new EngineError('this session has been released');
    if (!this.engine) throw new EngineError('this session compiles its model at the first run (for the sizes it is fed): no manifest yet');
    return this.engine.manifest;
  }

  /**
   * Runs the model and returns the outputs `fetches` names (default: all), as onnxruntime does:
   * `run(feeds)`, `run(feeds, ['y'])`, `run(feeds, { y: null })`, `run(feeds, options)`. Calls from
   * several callers are queued and run one after another; a call that fails rejects with a
   * ModelError/InputError/EngineError and leaves the session usable.
   */
  run(feeds: FeedsType, options?: RunOptions): Promise<ReturnType>;
  run(feeds: FeedsType, fetches: FetchesType, options?: RunOptions): Promise<ReturnType>;
  run(feeds: FeedsType, fetches?: FetchesType | RunOptions, options?: RunOptions): Promise<ReturnType> {
    let wanted: readonly string[];
    try {
      wanted = resolveFetches(this.outputNames, fetches, options);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(feeds, null, wanted);
  }

  /**
   * A stateful step-by-step view of the session for streaming: each `step(feeds)` runs the given
   * timesteps (X with seq 1, usually) starting from the state this stream's previous step left; the
   * first step (and the first after `reset()`) starts from the model's initial state inputs, or
   * zeros. Every step has the first step's batch. Any number of streams run on one session (and
   * one copy of the weights): each owns its state, and the module's memory holds the state of the
   * stream that stepped last, so steps of one stream in a row cost no copy.
   */
  stream(): StepStream {
    if (!this.manifestOrDeclared().streamable) {
      throw new UnsupportedError('this model cannot be streamed: a reverse or bidirectional RNN needs the whole sequence');
    }
    return new StepStream((feeds, stream) => this.enqueue(feeds, stream, this.outputNames));
  }

  /** A session compiled at its first run is streamable until its model says otherwise. */
  private manifestOrDeclared(): { streamable: boolean } {
    return this.engine || this.released || !this.declared ? this.manifest : { streamable: true };
  }

  private enqueue(feeds: FeedsType, stream: StepStream | null, wanted: readonly string[]): Promise<ReturnType> {
    const next = this.queue.then(() => this.runNow(feeds, stream, wanted));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(feeds: FeedsType, stream: StepStream | null, wanted: readonly string[]): Promise<ReturnType> {
    const gone = () => new EngineError('this session has been released; create a new one to run again');
    if (this.released) throw gone();
    const resume = stream !== null && stream.engine !== null;
    // A stream that has started stays on the engine that holds its state.
    const engine = resume ? stream.engine! : await this.engineFor(feeds);
    if (!engine) throw gone();
    if (resume && !this.holders.has(engine)) {
      throw new EngineError('this stream ran on a compiled size the session has since dropped (it keeps a few); call reset() to start over');
    }
    if (!resume && engine.manifest.streamable === false && stream) {
      throw new UnsupportedError('this model cannot be streamed: a reverse or bidirectional RNN needs the whole sequence');
    }
    if (resume && stream.lost) {
      throw new EngineError('the previous step failed while the model ran, so the streamed state is gone; call reset() to start over');
    }
    this.engine = engine;
    this.hold(engine, stream);
    const before = engine.callsStarted;
    let ok = false;
    try {
      const out = await engine.runAsync(feeds, resume);
      ok = true;
      if (stream) stream.engine = engine;
      return this.returned(out, wanted);
    } finally {
      // A call rejected before the model ran (a bad feed) left the state as it was.
      if (stream && engine.callsStarted !== before) stream.lost = !ok;
    }
  }

  /** Makes `engine`'s memory hold `stream`'s state (a plain run's: none), keeping the holder's with it. */
  private hold(engine: Engine, stream: StepStream | null): void {
    const holder = this.holders.get(engine) ?? null;
    if (this.holders.has(engine) && holder === stream) return;
    if (holder && holder.engine === engine && !holder.lost) holder.saved = engine.saveState(holder.saved);
    if (stream?.engine === engine) engine.restoreState(stream.saved!);
    this.holders.set(engine, stream);
  }

  /** The outputs asked for, in the types the model declares. */
  private returned(out: ReturnType, wanted: readonly string[]): ReturnType {
    const result: ReturnType = {};
    for (const name of wanted) {
      const t = out[name];
      const type = this.declared?.outputs.find((o) => o.name === name)?.type;
      result[name] = type && type !== t.type ? new Tensor(type, narrow(type, t.data as Float32Array | Int32Array), t.dims) : t;
    }
    return result;
  }

  /** onnxruntime's profiling calls: accepted so code that makes them runs; rnnc does not profile. */
  startProfiling(): void {}
  endProfiling(): void {}

  /** Frees the kernel and its memory once pending runs are done; later runs reject. */
  async release(): Promise<void> {
    await this.queue;
    this.released = true;
    this.releaseEngines();
    this.holders.clear();
    this.engine = null;
  }

  /** Frees the engines (a subclass that keeps several frees them all). */
  protected releaseEngines(): void {
    this.engine?.release();
  }

  /** Frees an engine a subclass drops; a stream whose state it holds must start over. */
  protected retire(engine: Engine): void {
    this.holders.delete(engine);
    if (this.engine === engine) this.engine = null;
    engine.release();
  }

}
