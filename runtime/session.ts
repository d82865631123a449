/**
 * InferenceSession over a compiled artifact, shaped like onnxruntime-web's: `inputNames`,
 * `outputNames`, `await run(feeds)`, `await release()`. Platform-independent; `node.ts` adds loading
 * from files and compiling ONNX models on the fly.
 */
import { Engine, type EngineOptions } from './engine.js';
import { EngineError, UnsupportedError } from '../contract/errors.js';
import type { Artifact, Manifest } from '../contract/manifest.js';
import type { Tensor } from './tensor.js';

/** Inputs of `run`, by graph input name. */
export type FeedsType = Readonly<Record<string, Tensor>>;
/** Outputs of `run`, by graph output name. */
export type ReturnType = Record<string, Tensor>;

export class ArtifactSession {
  /** Names of the graph inputs the caller feeds, in graph order. */
  readonly inputNames: readonly string[];
  /** Names of the graph outputs, in graph order. */
  readonly outputNames: readonly string[];
  private engine: Engine | null;
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;

  /**
   * A session over `engine`; or, for a model whose input sizes its first run decides (the Node
   * entry's in-process compile), none yet: `names` then gives the graph's inputs and outputs and
   * `engineFor` supplies the engine for each call's feeds.
   */
  protected constructor(engine: Engine | null, names?: { readonly inputs: readonly string[]; readonly outputs: readonly string[] }) {
    this.engine = engine;
    this.inputNames = Object.freeze([...(names?.inputs ?? engine!.manifest.inputs.map((i) => i.name))]);
    this.outputNames = Object.freeze([...(names?.outputs ?? engine!.manifest.outputs.map((o) => o.name))]);
  }

  /** The engine a call with these feeds runs on (a subclass may compile one for their sizes). */
  protected async engineFor(_feeds: FeedsType): Promise<Engine | null> {
    return this.engine;
  }

  /** Makes `engine` the current one (the previous one stays with whoever holds it). */
  protected use(engine: Engine): void {
    this.engine = engine;
  }

  /** Loads an artifact made by `rnnc compile` (or `compileModel`). */
  static async fromArtifact(artifact: Artifact, options: EngineOptions = {}): Promise<ArtifactSession> {
    return new ArtifactSession(await Engine.create(artifact, options));
  }

  /** Workers this session runs on. */
  get workers(): number {
    return this.engine?.workers ?? 0;
  }

  /** Why the session runs on fewer workers than planned or asked, or null. */
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
   * Runs the model. Calls from several callers are queued and run one after another; a call that
   * fails rejects with a ModelError/InputError/EngineError and leaves the session usable.
   */
  run(feeds: FeedsType): Promise<ReturnType> {
    return this.enqueue(feeds, null);
  }

  /**
   * A stateful step-by-step view of the session for streaming: each `step(feeds)` runs the given
   * timesteps (X with seq 1, usually) starting from the state the previous step left in memory, with
   * no state copies; the first step (and the first after `reset()`) starts from the model's initial
   * state inputs, or zeros. Every step has the first step's batch. One stream at a time: any other
   * call that runs on the session ends it (a call rejected for its feeds runs nothing and does not).
   */
  stream(): StepStream {
    if (!this.manifest.streamable) {
      throw new UnsupportedError('this model cannot be streamed: a reverse or bidirectional RNN needs the whole sequence');
    }
    return new StepStream(this);
  }

  /** The stream whose state the module's memory holds (null: a plain run's). */
  private stateOwner: StepStream | null = null;
  /** The last call that reached the module failed in it, so the state it holds is half updated. */
  private stateLost = false;

  /** @internal queues a call; `stream` resumes that stream's state once it has started. */
  enqueue(feeds: FeedsType, stream: StepStream | null): Promise<ReturnType> {
    const next = this.queue.then(() => this.runNow(feeds, stream));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(feeds: FeedsType, stream: StepStream | null): Promise<ReturnType> {
    if (this.released) throw new EngineError('this session has been released; create a new one to run again');
    const engine = await this.engineFor(feeds);
    if (!engine) throw new EngineError('this session has been released; create a new one to run again');
    if (engine !== this.engine) {
      // Another compiled size: the state a stream left is in the other engine's memory.
      this.engine = engine;
      this.stateOwner = null;
    }
    const resume = stream !== null && stream.started;
    if (resume && this.stateOwner !== stream) {
      throw new EngineError('another call ran on this session since the last step, so the streamed state is gone; call reset() to start over');
    }
    if (resume && this.stateLost) {
      throw new EngineError('the previous step failed while the model ran, so the streamed state is gone; call reset() to start over');
    }
    const before = engine.callsStarted;
    let ok = false;
    try {
      const out = await engine.runAsync(feeds, resume);
      ok = true;
      if (stream) stream.started = true;
      return out;
    } finally {
      // A call rejected before the model ran (a bad feed) left the state as it was.
      if (engine.callsStarted !== before) {
        this.stateOwner = stream;
        this.stateLost = !ok;
      }
    }
  }

  /** Frees the kernel and its memory once pending runs are done; later runs reject. */
  async release(): Promise<void> {
    await this.queue;
    this.released = true;
    this.releaseEngines();
    this.engine = null;
  }

  /** Frees the engines (a subclass that keeps several frees them all). */
  protected releaseEngines(): void {
    this.engine?.release();
  }
}

/** Streaming steps over one session's RNN state (see ArtifactSession.stream). */
export class StepStream {
  /** @internal whether a step ran since the last reset. */
  started = false;
  constructor(private readonly session: ArtifactSession) {}

  /**
   * Runs the next timestep(s); the state carries over from the previous step, so the first step's
   * batch is the stream's, and a later step takes no initial state input (an InputError names it).
   */
  step(feeds: FeedsType): Promise<ReturnType> {
    return this.session.enqueue(feeds, this);
  }

  /** The next step starts from the initial state again. */
  reset(): void {
    this.started = false;
  }
}
