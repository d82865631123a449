/**
 * The Node entry of rnnc (the package main): `InferenceSession.create(pathOrBytes, options)` loads
 * an artifact directory made by `rnnc compile`, or compiles an ONNX model (path or bytes)
 * in-process. It composes the two halves: the runtime (loading, workers) and, only when a model
 * needs compiling, the compiler (imported lazily, so a runtime-only user never loads it). A model
 * whose facts and artifacts are in the artifact cache starts without the compiler (api/model.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { InputError, ModelError, RnncError } from '../contract/errors.js';
import type { Artifact } from '../contract/manifest.js';
import { createNodeEngine, readArtifact, spawnNodeWorker, type NodeRunOptions } from '../runtime/node.js';
import type { Engine } from '../runtime/engine.js';
import { ArtifactSession, type FeedsType } from '../runtime/session.js';
import { feedTensor } from '../runtime/tensor.js';
import { checkSessionOptions, createArgs, type OrtSessionOptions } from '../runtime/options.js';
import { checkedFacts, factsOptions, inProcessModel, type InProcessModel, type ModelFacts } from './model.js';
import { compilerMissing, importCompiler } from './compiler_import.js';
import { fedBatch } from '../runtime/metadata.js';
import type * as Types from '../runtime/session.js';
import { ArtifactCache, cachedArtifact, cacheDirectory, DEFAULT_CACHE_BYTES, evictServed, factsKey, ownedModel } from './cache.js';

export * from '../runtime/index.js';
import * as runtime from '../runtime/index.js';
export { readArtifact, spawnNodeWorker } from '../runtime/node.js';
export { ArtifactCache, cacheDirectory, DEFAULT_CACHE_BYTES } from './cache.js';

/** Options of `InferenceSession.create`: rnnc's, and onnxruntime-web's (runtime/options.ts). */
export interface SessionOptions extends NodeRunOptions, OrtSessionOptions {
  /**
   * Batch to compile for when an ONNX model leaves batch symbolic (default 1); a larger batch fed
   * later is compiled for then.
   */
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

/** rnnc's own option names, beside onnxruntime's. */
const OWN_OPTIONS = ['workers', 'timeoutMs', 'callerComputes', 'adaptWorkers', 'batch', 'plan', 'shapes', 'bind', 'cache', 'cacheMaxBytes'];

/** How many compiled sizes (input sizes, control values, batches) a session compiled in-process keeps. */
const MAX_SIZES = 4;

/** An rnnc session in Node. */
export class InferenceSession extends ArtifactSession {
  /**
   * Creates a session from an artifact directory, an ONNX file path, ONNX model bytes, or a loaded
   * Artifact. ONNX models are compiled in-process (needs the compiler's dependencies).
   */
  static create(model: string | Uint8Array | ArrayBuffer | Artifact, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  /** onnxruntime's form: the model's bytes at `byteOffset` (to the end, or `byteLength` of them) in `buffer`. */
  static create(buffer: ArrayBufferLike, byteOffset: number, byteLength?: number, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  static async create(given: string | Uint8Array | ArrayBufferLike | Artifact, a?: InferenceSession.SessionOptions | number, b?: number, c?: InferenceSession.SessionOptions): Promise<InferenceSession> {
    const args = createArgs(given, a, b, c);
    const model = args.model as string | Uint8Array | ArrayBuffer | Artifact, options = args.options as InferenceSession.SessionOptions;
    const workers = checkSessionOptions(options, OWN_OPTIONS);
    const run = { ...options, workers };
    const loaded = await load(model, run);
    if ('declared' in loaded) {
      const session = new InferenceSession(null, run, loaded);
      // Without open sizes or control inputs the model compiles now, so create reports its errors.
      if (loaded.open.length === 0 && loaded.control.length === 0) {
        const engine = await session.engineAt({}, {}, options.batch);
        const batch = overriddenBatch(engine, loaded, options.freeDimensionOverrides);
        session.use(batch > engine.manifest.maxBatch ? await session.engineAt({}, {}, batch) : engine);
      }
      return session;
    }
    return new InferenceSession(await createNodeEngine(loaded, run), run);
  }

  /** Engines compiled in-process, by sizes, control values and batch; oldest first. */
  private readonly engines = new Map<string, Engine>();

  /** Compiled models kept on disk for the next session, or null (off). */
  private readonly cache: ArtifactCache | null;

  private constructor(engine: Engine | null, private readonly options: SessionOptions, private readonly model?: InProcessModel) {
    super(engine, model?.declared);
    const dir = model ? cacheDirectory(options.cache) : null;
    this.cache = dir ? new ArtifactCache(dir, options.cacheMaxBytes) : null;
  }

  /**
   * A model compiled in-process: the engine for the open inputs' sizes, the control inputs' values
   * and the batch of these feeds (compiled once for each, a few kept); a batch larger than any
   * compiled yet is compiled for.
   */
  protected override async engineFor(feeds: FeedsType): Promise<Engine | null> {
    const d = this.model;
    if (!d) return super.engineFor(feeds);
    const fed = (name: string) => {
      const t = typeof feeds === 'object' && feeds !== null && Object.hasOwn(feeds, name) ? feeds[name] : undefined;
      if (!t) throw new InputError(`missing input '${name}'; this model's inputs are ${this.inputNames.map((i) => `'${i}'`).join(', ')}`);
      return feedTensor(t, name);
    };
    // fromEntries: an input named like an Object.prototype key stays an own entry.
    const shapes = Object.fromEntries(d.open.map((name) => [name, [...fed(name).dims]]));
    const bind = Object.fromEntries(d.control.map((name) => {
      const t = fed(name);
      if (t.type !== 'int64' && t.type !== 'int32') throw new InputError(`input '${name}' must be int64 or int32, got ${t.type}`);
      if (t.data.length > 16) throw new InputError(`input '${name}' must have at most 16 elements (it decides which branch of an If runs), got ${t.data.length}`);
      return [name, Array.from(t.data as ArrayLike<number | bigint>, Number)];
    }));
    const engine = await this.engineAt(shapes, bind, undefined);
    const batch = fedBatch(engine.manifest, feeds);
    return batch > engine.manifest.maxBatch ? this.engineAt(shapes, bind, batch) : engine;
  }

  /** A cached engine for these sizes and values taking `batch` rows (any, when undefined), else a new one. */
  private async engineAt(shapes: Record<string, number[]>, bind: Record<string, number[]>, batch: number | undefined): Promise<Engine> {
    const sizes = JSON.stringify([shapes, bind]);
    const fits = [...this.engines].filter(([k, e]) => k.startsWith(sizes) && (batch === undefined || e.manifest.maxBatch >= batch));
    if (fits.length > 0) return fits.sort(([, a], [, b]) => a.manifest.maxBatch - b.manifest.maxBatch)[0][1];
    const engine = await this.engineOf(await this.compileFor(shapes, bind, batch), () => this.compileFor(shapes, bind, batch));
    this.engines.set(`${sizes}${engine.manifest.maxBatch}`, engine);
    this.ranOn.add(describeFed(shapes, bind));
    // A few sizes stay compiled; the oldest is dropped past that.
    if (this.engines.size > MAX_SIZES) {
      const [oldKey, old] = this.engines.entries().next().value as [string, Engine];
      this.engines.delete(oldKey);
      this.retire(old);
    }
    return engine;
  }

  /** The sizes and values compiled for on this session, as messages name them. */
  private readonly ranOn = new Set<string>();

  /**
   * Compiles for the fed sizes and control values. A model that is well-formed for other sizes but
   * not for these (Silero v5 fed 1024 samples: its decoder then sees two frames) fails as a
   * ModelError deep in the graph; the caller fed it, so it is an InputError naming what was fed and
   * what compiled before on this session.
   */
  private async compileFor(shapes: Record<string, number[]>, bind: Record<string, number[]>, batch: number | undefined): Promise<Artifact> {
    const model = this.model!;
    // The exact compile options are the cache's key: another size, value, batch or plan is another entry.
    const settings = model.settings(shapes, bind, batch);
    try {
      return await cachedArtifact(this.cache, model.bytes, settings as Readonly<Record<string, unknown>>, async () => {
        // binaryen loads only for a plan that asks for its optimizer (rnnc encodes the modules itself).
        if (settings.optimize === 'full') await (await importCompiler()).loadBinaryen();
        return await model.compile(settings);
      });
    } catch (e) {
      // Without fed sizes or values (the compile at create) the model itself is at fault.
      if (!(e instanceof ModelError) || Object.keys(shapes).length + Object.keys(bind).length === 0) throw e;
      const before = [...this.ranOn];
      throw new InputError(`input ${describeFed(shapes, bind)}: the model cannot run on these sizes and values` +
        `${before.length ? ` (it ran on ${before.join('; ')})` : ''}; compiling for them failed: ${e.message.split('\n')[0]}`);
    }
  }

  /** The engine of an artifact; one read from the cache that the engine refuses is evicted and rebuilt. */
  private async engineOf(a: Artifact, rebuild: () => Promise<Artifact>): Promise<Engine> {
    try {
      return await createNodeEngine(a, this.options);
    } catch (e) {
      if (!(e instanceof ModelError) || !(await evictServed(a))) throw e;
      return createNodeEngine(await rebuild(), this.options);
    }
  }

  protected override releaseEngines(): void {
    if (!this.model) return super.releaseEngines();
    for (const e of this.engines.values()) e.release();
    this.engines.clear();
  }
}

/** `'x' [1, 576] with 'sr' = 16000`: fed sizes and control values as messages name them. */
function describeFed(shapes: Record<string, number[]>, bind: Record<string, number[]>): string {
  return [...Object.entries(shapes).map(([n, dims]) => `'${n}' [${dims.join(', ')}]`), ...Object.entries(bind).map(([n, v]) => `'${n}' = ${v.join(', ')}`)].join(' with ');
}

type NodeSessionOptions = SessionOptions;

/** The types of `InferenceSession` under onnxruntime-web's names (`InferenceSession.SessionOptions`, ...). */
export declare namespace InferenceSession {
  type SessionOptions = NodeSessionOptions;
  type FeedsType = Types.FeedsType;
  type OnnxValueMapType = Types.OnnxValueMapType;
  type FetchesType = Types.FetchesType;
  type ReturnType = Types.ReturnType;
  type RunOptions = Types.RunOptions;
  type ValueMetadata = Types.ValueMetadata;
}

/**
 * The batch freeDimensionOverrides give: the override of the dim an input declares on the axis the
 * compiled module reads as batch (0: none).
 */
function overriddenBatch(engine: Engine, model: InProcessModel, overrides: Readonly<Record<string, number>> = {}): number {
  let batch = 0;
  for (const io of engine.manifest.inputs) {
    const dim = model.declared.inputs.find((i) => i.name === io.name)?.shape[io.dims.indexOf('batch')];
    if (typeof dim === 'string' && Object.hasOwn(overrides, dim)) batch = Math.max(batch, overrides[dim]);
  }
  return batch;
}

async function load(model: string | Uint8Array | ArrayBuffer | Artifact, options: SessionOptions): Promise<Artifact | InProcessModel> {
  if (typeof model === 'string') {
    let isDir: boolean;
    try {
      isDir = (await stat(model)).isDirectory();
    } catch {
      throw new ModelError(`${model}: no such file or directory`);
    }
    if (isDir) return readArtifact(model);
    return compileIn(new Uint8Array(await readFile(model)), model, options);
  }
  // A copy: the session compiles again for new input sizes, from the bytes it was created with.
  // (new Uint8Array, not slice: a Node Buffer's slice is a view of the caller's memory.)
  if (model instanceof Uint8Array) return compileIn(new Uint8Array(model), 'model bytes', options);
  if (model instanceof ArrayBuffer) return compileIn(new Uint8Array(model.slice(0)), 'model bytes', options);
  if (model && typeof model === 'object' && 'manifest' in model) return model;
  throw new RnncError('InferenceSession.create expects a path, ONNX model bytes or an rnnc Artifact');
}

/**
 * The model of `bytes`, to compile in-process. Its facts come from the cache when it holds them
 * (then the compiler loads only if an artifact is missing too), else from the compiler's front end.
 */
async function compileIn(bytes: Uint8Array, source: string, options: SessionOptions): Promise<InProcessModel> {
  const dir = cacheDirectory(options.cache);
  const cache = dir ? new ArtifactCache(dir, options.cacheMaxBytes) : null;
  if (!cache) return inProcessModel(bytes, source, options, await readFacts(bytes, source, options));
  ownedModel(bytes);
  const key = await factsKey(bytes, factsOptions(source, options));
  let facts = await cache.getFacts(key, checkedFacts);
  if (!facts) {
    facts = await readFacts(bytes, source, options);
    // The source names the model in `rnnc cache ls`; a failed store leaves the next create reading the model again.
    await cache.putFacts(key, { source, ...facts }).catch((e: Error) => console.warn(`rnnc: cache ${cache.dir}: cannot store ${key} (${e.message})`));
  }
  return inProcessModel(bytes, source, options, facts);
}

/** The facts the compiler's front end reads of the model (imports the compiler). */
async function readFacts(bytes: Uint8Array, source: string, options: SessionOptions): Promise<ModelFacts> {
  let inProcess: typeof import('./in_process.js');
  try {
    inProcess = await import('./in_process.js');
  } catch (e) {
    throw compilerMissing(e) ?? e;
  }
  return inProcess.modelFacts(bytes, source, options);
}

/** `import ort from 'rnnc'`, as onnxruntime's packages allow: every export of this module in one object. */
export default { ...runtime, InferenceSession, readArtifact, spawnNodeWorker, ArtifactCache, cacheDirectory, DEFAULT_CACHE_BYTES };
