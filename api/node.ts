/**
 * The Node entry of rnnc (the package main): `InferenceSession.create(pathOrBytes)` loads an
 * artifact directory made by `rnnc compile`, or compiles an ONNX model (path or bytes) in-process.
 * It composes the two halves: the runtime (loading, workers) and, only when a model needs compiling,
 * the compiler (imported lazily, so a runtime-only user never loads binaryen).
 */
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { InputError, ModelError, RnncError } from '../contract/errors.js';
import type { Artifact } from '../contract/manifest.js';
import { createNodeEngine, readArtifact, type NodeRunOptions } from '../runtime/node.js';
import type { Engine } from '../runtime/engine.js';
import { ArtifactSession, type FeedsType } from '../runtime/session.js';
import { feedTensor } from '../runtime/tensor.js';
import { ArtifactCache, cachedArtifact, cachedLookup, cacheDirectory, evictServed } from './cache.js';

export * from '../runtime/index.js';
export { readArtifact, spawnNodeWorker } from '../runtime/node.js';
export { ArtifactCache, cacheDirectory, DEFAULT_CACHE_BYTES } from './cache.js';

/** Options of `InferenceSession.create`. */
export interface SessionOptions extends NodeRunOptions {
  /** Largest batch to compile for when an ONNX model leaves batch symbolic (default 1). */
  readonly batch?: number;
  /** Plan overrides (register block, unrolling, relaxed SIMD) when compiling an ONNX model. */
  readonly plan?: Record<string, unknown>;
  /**
   * Sizes of graph inputs the model leaves open (neither an RNN's sequence nor batch axis), e.g.
   * `{ input: [1, 576] }`. Left out, an ONNX model with such inputs is compiled at its first run for
   * the sizes fed (and again, cached, for other sizes later).
   */
  readonly shapes?: Readonly<Record<string, readonly number[]>>;
  /** Graph inputs bound to constants when compiling (`{ sr: 16000 }`): an If on them keeps one branch. */
  readonly bind?: Readonly<Record<string, number | readonly number[]>>;
  /**
   * Where compiled ONNX models are kept for the next session (api/cache.ts): a directory, or false
   * (off). Default: RNNC_CACHE_DIR, else the platform's cache directory (off under NODE_ENV=test).
   */
  readonly cache?: boolean | string;
  /** The cache's size bound in bytes (default 512 MiB); the least recently used entries go past it. */
  readonly cacheMaxBytes?: number;
}

/** An rnnc session in Node. */
export class InferenceSession extends ArtifactSession {
  /**
   * Creates a session from an artifact directory, an ONNX file path, ONNX model bytes, or a loaded
   * Artifact. ONNX models are compiled in-process (needs the compiler's dependencies).
   */
  static async create(model: string | Uint8Array | ArrayBuffer | Artifact, options: SessionOptions = {}): Promise<InferenceSession> {
    const loaded = await loadArtifact(model, options);
    if ('open' in loaded) return new InferenceSession(null, loaded);
    return new InferenceSession(await engineOf(loaded, options, async () => (await loadArtifact(model, options)) as Artifact));
  }

  private readonly engines = new Map<string, Engine>();

  private constructor(engine: Engine | null, private readonly deferred?: Deferred) {
    super(engine, deferred ? { inputs: deferred.inputs, outputs: deferred.outputs } : undefined);
  }

  /**
   * A model compiled at its first run: the engine for the open inputs' sizes and the control inputs'
   * values in these feeds (compiled once for each, a few kept).
   */
  protected override async engineFor(feeds: FeedsType): Promise<Engine | null> {
    const d = this.deferred;
    if (!d) return super.engineFor(feeds);
    const fed = (name: string) => {
      const t = typeof feeds === 'object' && feeds !== null && Object.hasOwn(feeds, name) ? feeds[name] : undefined;
      if (!t) throw new InputError(`missing input '${name}'; this model's inputs are ${d.inputs.map((i) => `'${i}'`).join(', ')}`);
      return feedTensor(t, name);
    };
    const shapes: Record<string, number[]> = {};
    for (const name of d.open) shapes[name] = [...fed(name).dims];
    const bind: Record<string, number[]> = {};
    for (const name of d.control) {
      const t = fed(name);
      if (t.type !== 'int64' && t.type !== 'int32') throw new InputError(`input '${name}' must be int64 or int32, got ${t.type}`);
      if (t.data.length > 16) throw new InputError(`input '${name}' must have at most 16 elements (it decides which branch of an If runs), got ${t.data.length}`);
      bind[name] = Array.from(t.data as ArrayLike<number | bigint>, Number);
    }
    const key = JSON.stringify([shapes, bind]);
    let engine = this.engines.get(key);
    if (!engine) {
      engine = await engineOf(await d.compile(shapes, bind), d.options, () => d.compile(shapes, bind));
      this.engines.set(key, engine);
      // A few sizes stay compiled; the oldest is dropped past that.
      if (this.engines.size > MAX_SIZES) {
        const [oldKey, old] = this.engines.entries().next().value as [string, Engine];
        this.engines.delete(oldKey);
        old.release();
      }
    }
    return engine;
  }

  protected override releaseEngines(): void {
    if (!this.deferred) return super.releaseEngines();
    for (const e of this.engines.values()) e.release();
    this.engines.clear();
  }
}

/** How many input sizes a session compiled at its first run keeps compiled. */
const MAX_SIZES = 4;

/** An ONNX model with open input sizes or control inputs: compiled per call sizes and values. */
interface Deferred {
  readonly open: readonly string[];
  readonly control: readonly string[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly options: SessionOptions;
  compile(shapes: Record<string, number[]>, bind: Record<string, number[]>): Promise<Artifact>;
}

/** The engine of an artifact; one read from the cache that the engine refuses is evicted and rebuilt. */
async function engineOf(a: Artifact, options: SessionOptions, rebuild: () => Promise<Artifact>): Promise<Engine> {
  try {
    return await createNodeEngine(a, options);
  } catch (e) {
    if (!(e instanceof ModelError) || !(await evictServed(a))) throw e;
    return createNodeEngine(await rebuild(), options);
  }
}

async function loadArtifact(model: string | Uint8Array | ArrayBuffer | Artifact, options: SessionOptions): Promise<Artifact | Deferred> {
  if (typeof model === 'string') {
    let isDir: boolean;
    try {
      isDir = (await stat(model)).isDirectory();
    } catch {
      throw new ModelError(`${model}: no such file or directory`);
    }
    if (isDir) return readArtifact(model);
    return compileBytes(new Uint8Array(await readFile(model)), model, options);
  }
  if (model instanceof Uint8Array) return compileBytes(model, 'model bytes', options);
  if (model instanceof ArrayBuffer) return compileBytes(new Uint8Array(model), 'model bytes', options);
  if (model && typeof model === 'object' && 'manifest' in model) return model;
  throw new RnncError('InferenceSession.create expects a path, ONNX model bytes or an rnnc Artifact');
}

async function compileBytes(bytes: Uint8Array, source: string, options: SessionOptions): Promise<Artifact | Deferred> {
  const threads = options.workers === undefined ? undefined : options.workers > 1;
  const dir = cacheDirectory(options.cache);
  const cache = dir ? new ArtifactCache(dir, options.cacheMaxBytes) : null;
  // The multi-worker module is built only if this machine's cores would run it (or workers ask for it).
  const settings = (shapes: SessionOptions['shapes'], bind: SessionOptions['bind']) => ({
    source, batch: options.batch, threads, cores: availableParallelism(), shapes, bind, ...(options.plan ?? {}),
  });
  const compile = (shapes: SessionOptions['shapes'], bind: SessionOptions['bind']) => {
    const o = settings(shapes, bind);
    return cachedArtifact(cache, bytes, o, async () => (await import('../compiler/index.js')).compileModel(bytes, o).artifact);
  };
  // A model compiled when a session was created is found before any of the compiler loads.
  const early = cache && await cachedLookup(cache, bytes, settings(options.shapes, options.bind));
  if (early) return early;
  const { openInputs } = await import('../compiler/frontend/index.js');
  const graph = openInputs(bytes, { source, batch: options.batch, shapes: options.shapes, bind: options.bind });
  if (graph.open.length === 0 && graph.control.length === 0) return compile(options.shapes, options.bind);
  // Sizes and control values come from the first run's feeds, like onnxruntime's: one compile each.
  return { ...graph, options, compile: async (shapes, bind) => compile({ ...options.shapes, ...shapes }, { ...options.bind, ...bind }) };
}
