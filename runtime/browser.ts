/**
 * The browser entry of rnnc (bundled as dist/browser/rnnc.js): `InferenceSession.create(baseUrl)`
 * fetches an artifact directory made by `rnnc compile` (manifest.json, the modules, the weights) and
 * runs it on module Web Workers over one shared WebAssembly.Memory when the page is cross-origin
 * isolated, or on one worker in the calling thread when it is not. Given an ONNX model instead, it
 * has it compiled in a worker first (browser_compile.ts), so only that path downloads the compiler.
 */
import { Engine } from './engine.js';
import { InputError, ModelError } from '../contract/errors.js';
import { detectFeatures, engineRelaxedSimd } from './features.js';
import { isFusedOf, recommendedWorkers, type Artifact, type Manifest } from '../contract/manifest.js';
import { checkManifest } from '../contract/manifest_check.js';
import type { ModuleFile } from '../contract/artifact_digest.js';
import { checkDigest, checkFileDigests, compileFailed } from './verify.js';
import type { Spawn } from './pool.js';
import { ArtifactSession } from './session.js';
import type * as Types from './session.js';
import { checkSessionOptions, createArgs, type OrtSessionOptions } from './options.js';
import { env, log } from './env.js';
import { DEFAULT_PAGE_CACHE_BYTES, fetchOk, isOnnxModel, modelBytes, withCompiled, type BrowserCompile } from './browser_compile.js';
import type { SuperviseMessage } from './supervisor_browser.js';
import { hearWorker, type SupervisorReport, type SupervisorRequest } from './supervisor_protocol.js';

export * from './index.js';
import * as runtime from './index.js';

/** Options of the browser `InferenceSession.create`. */
export interface BrowserSessionOptions extends OrtSessionOptions {
  /**
   * Workers to run on (as intraOpNumThreads; default: env.wasm.numThreads, else the planner's
   * recommendation for navigator.hardwareConcurrency cores).
   */
  readonly workers?: number;
  /** A call that takes longer rejects with an EngineError and the workers are restarted (default 60000). */
  readonly timeoutMs?: number;
  /** URL of rnnc-worker.js (default: in env.wasm.wasmPaths, else next to this module). */
  readonly workerUrl?: string | URL;
  /** Passed to every fetch (credentials, cache mode, abort signal). */
  readonly fetchInit?: RequestInit;
  /** For an ONNX model: URL of rnnc-compiler.js (default: next to this module). */
  readonly compilerUrl?: string | URL;
  /** For an ONNX model: the largest batch to compile for (default the model's). */
  readonly batch?: number;
  /** For an ONNX model: sizes of its open input axes, as `rnnc compile --shape` (e.g. `{ input: [1, 576] }`). */
  readonly shapes?: Record<string, number[]>;
  /** For an ONNX model: values of its control inputs, as `rnnc compile --bind` (e.g. `{ sr: [16000] }`). */
  readonly bind?: Record<string, number[]>;
  /** For an ONNX model: keep the compiled artifact in the Cache API for the next visit (default true). */
  readonly cache?: boolean;
  /** For an ONNX model: the bound on the cached artifacts' bytes (default 256 MiB); the least recently used go past it. */
  readonly cacheMaxBytes?: number;
  /** For an ONNX model: fused multiply-adds (relaxed SIMD; default: where this engine has it). */
  readonly relaxedSimd?: boolean;
}

/** Why a page that is not cross-origin isolated runs on one worker; also logged as a warning. */
export const ISOLATION_NOTE = 'threads are off: this page is not cross-origin isolated, so there is no SharedArrayBuffer; ' +
  'serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp to run on several workers';

/** An rnnc session in a browser page (or a worker). */
export class InferenceSession extends ArtifactSession {
  private constructor(engine: Engine, private readonly isolationNote: string | null, compiled: BrowserCompile | null) {
    super(engine);
    this.compiled = compiled;
  }

  /** For a session made from an ONNX model: its cache key, whether the artifact came from the cache, and how long it took; else null. */
  readonly compiled: BrowserCompile | null;

  /** What the session runs on and why (without threads at all: why, and how to turn them on). */
  override get note(): string | null {
    return this.isolationNote ?? super.note;
  }

  /**
   * Starts a session on an artifact directory at `model` (the URL holding manifest.json, resolved
   * against the page), or on an ONNX model: bytes, or a URL ending in `.onnx`, compiled in a worker
   * that loads rnnc-compiler.js (cached, see browser_compile.ts). Without cross-origin isolation it
   * runs on one worker and says so in `note` and a console warning.
   */
  static create(model: string | URL | Uint8Array | ArrayBuffer, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  /** onnxruntime's form: the ONNX model's bytes at `byteOffset` (to the end, or `byteLength` of them) in `buffer`. */
  static create(buffer: ArrayBufferLike, byteOffset: number, byteLength?: number, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  static async create(given: string | URL | Uint8Array | ArrayBufferLike, a?: InferenceSession.SessionOptions | number, b?: number, c?: InferenceSession.SessionOptions): Promise<InferenceSession> {
    const args = createArgs(given, a, b, c);
    const model = args.model as string | URL | Uint8Array | ArrayBuffer, options = args.options as InferenceSession.SessionOptions;
    const asked = checkSessionOptions(options, OWN_OPTIONS);
    const threads = detectFeatures().threads;
    const cores = globalThis.navigator?.hardwareConcurrency || 1;
    if (isOnnxModel(model)) {
      const { bytes, source } = await modelBytes(model, options.fetchInit);
      // Without shared memory the multi-worker module could never run: not built, not cached.
      const multi = threads ? (asked === undefined ? undefined : asked > 1) : false;
      const req = { bytes, source, batch: options.batch, shapes: options.shapes, bind: options.bind, threads: multi, cores, relaxedSimd: engineRelaxedSimd(options.relaxedSimd) };
      const compilerUrl = options.compilerUrl ?? new URL('./rnnc-compiler.js', import.meta.url);
      return withCompiled(req, compilerUrl, options.cache ?? true, options.cacheMaxBytes ?? DEFAULT_PAGE_CACHE_BYTES, (artifact, compiled) => InferenceSession.start(artifact, options, asked, compiled));
    }
    const manifest = await fetchManifest(model, options.fetchInit);
    const wanted = asked ?? recommendedWorkers(manifest, cores);
    const how = { threads: threads && wanted > 1, fetchInit: options.fetchInit };
    // The fused flavour where the manifest names one and this engine has relaxed SIMD; a damaged or
    // foreign one falls back to the plain flavour, with a warning.
    const fused = manifest.fused && detectFeatures().relaxedSimd
      ? await fetchFused(model, manifest, how).catch((e: Error) => (log('warning', `${e.message}; running the plain flavour`), null)) : null;
    const artifact = fused ?? await fetchArtifact(model, { manifest, ...how });
    return InferenceSession.start(artifact, options, asked, null);
  }

  private static async start(artifact: Artifact, options: BrowserSessionOptions, asked: number | undefined, compiled: BrowserCompile | null): Promise<InferenceSession> {
    const threads = detectFeatures().threads;
    const cores = globalThis.navigator?.hardwareConcurrency || 1;
    // Checked before its worker table is read: a cached manifest is as untrusted as a fetched one.
    const manifest = checkManifest(artifact.manifest, `${artifact.source}/manifest.json`);
    const wanted = asked ?? recommendedWorkers(manifest, cores);
    const workerUrl = options.workerUrl ?? workerScript();
    // A default count (asked undefined) is checked against 1 worker by the engine's first calls.
    const engine = await Engine.create(artifact, { workers: threads ? asked : 1, cores, timeoutMs: options.timeoutMs, spawn: spawnBrowserWorker(workerUrl) });
    const isolationNote = threads ? null : `running on 1 worker${wanted > 1 ? ` instead of ${wanted}` : ''}: ${ISOLATION_NOTE}`;
    if (isolationNote) log('warning', isolationNote);
    else if (engine.workers < wanted) log('warning', engine.note);
    return new InferenceSession(engine, isolationNote, compiled);
  }
}

type BrowserOptions = BrowserSessionOptions;

/** The types of `InferenceSession` under onnxruntime-web's names (`InferenceSession.SessionOptions`, ...). */
export declare namespace InferenceSession {
  type SessionOptions = BrowserOptions;
  type FeedsType = Types.FeedsType;
  type OnnxValueMapType = Types.OnnxValueMapType;
  type FetchesType = Types.FetchesType;
  type ReturnType = Types.ReturnType;
  type RunOptions = Types.RunOptions;
  type ValueMetadata = Types.ValueMetadata;
}

/** rnnc's own option names, beside onnxruntime's. */
const OWN_OPTIONS = ['workers', 'timeoutMs', 'workerUrl', 'fetchInit', 'compilerUrl', 'batch', 'shapes', 'bind', 'cache', 'cacheMaxBytes', 'relaxedSimd'];

/** rnnc-worker.js: under env.wasm.wasmPaths when set (resolved against the page), else next to this module. */
function workerScript(): URL {
  const prefix = env.wasm.wasmPaths;
  if (prefix === undefined) return new URL('./rnnc-worker.js', import.meta.url);
  if (typeof prefix !== 'string' && !(prefix instanceof URL)) {
    throw new InputError(`env.wasm.wasmPaths must be a URL prefix (the directory holding rnnc-worker.js), got ${typeof prefix}`);
  }
  const s = String(prefix);
  return new URL(`${s}${s.endsWith('/') ? '' : '/'}rnnc-worker.js`, globalThis.location?.href);
}

/** The fused flavour of the artifact at `model` (its manifest `plain` names it), checked to be the same model. */
async function fetchFused(model: string | URL, plain: Manifest, how: { threads: boolean; fetchInit?: RequestInit }): Promise<Artifact> {
  const base = new URL(`${plain.fused}/`, artifactBase(model));
  const manifest = await fetchManifest(base, how.fetchInit);
  if (!isFusedOf(manifest, plain)) throw new ModelError(`${base.href}: not the fused flavour of ${artifactBase(model).href} (${plain.fusedKey ? 'another key' : 'name, inputs or outputs differ'})`);
  const artifact = await fetchArtifact(base, { manifest, ...how });
  checkFileDigests(artifact, true);
  return artifact;
}

/** The artifact directory's URL with a trailing slash, resolved against the page. */
function artifactBase(baseUrl: string | URL): URL {
  const s = String(baseUrl);
  return new URL(s.endsWith('/') ? s : `${s}/`, globalThis.location?.href);
}

const get = (url: URL, init: RequestInit | undefined) => fetchOk(url, init, 'the artifact file');

/** Fetches and checks an artifact's manifest.json. */
export async function fetchManifest(baseUrl: string | URL, init?: RequestInit): Promise<Manifest> {
  const url = new URL('manifest.json', artifactBase(baseUrl));
  const res = await get(url, init);
  let json: unknown;
  try {
    json = await res.json();
  } catch (e) {
    throw new ModelError(`${url.href}: cannot read the artifact manifest (${(e as Error).message})`);
  }
  return checkManifest(json, url.href);
}

/**
 * Fetches one of the artifact's modules, checks its digest and compiles it: while it downloads when
 * served as application/wasm (the digest reads a copy of the response), else from its bytes.
 */
async function fetchModule(base: URL, manifest: Manifest, file: ModuleFile, init: RequestInit | undefined): Promise<WebAssembly.Module> {
  const url = new URL(manifest.files[file]!, base);
  const res = await get(url, init);
  const streaming = typeof WebAssembly.compileStreaming === 'function' && res.headers.get('Content-Type')?.split(';')[0].trim() === 'application/wasm';
  const compiling = streaming ? WebAssembly.compileStreaming(res.clone()) : null;
  compiling?.catch(() => undefined); // reported below, after the digest (the likelier cause)
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new ModelError(`${url.href}: cannot fetch the artifact file (${(e as Error).message})`);
  }
  checkDigest(manifest, file, bytes, url.href);
  try {
    return await (compiling ?? WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>));
  } catch (e) {
    compileFailed(manifest, url.href, e);
  }
}

/**
 * Fetches an artifact directory: the manifest, the single-worker module, the weights, and the
 * multi-worker module when `threads` is set (default: when this page has shared memory). Every name
 * in the manifest is a plain file name (checkManifest), so every URL lies in the directory.
 */
export async function fetchArtifact(baseUrl: string | URL, opts: { manifest?: Manifest; threads?: boolean; fetchInit?: RequestInit } = {}): Promise<Artifact> {
  const base = artifactBase(baseUrl);
  const manifest = opts.manifest ? checkManifest(opts.manifest, new URL('manifest.json', base).href) : await fetchManifest(base, opts.fetchInit);
  const threads = (opts.threads ?? detectFeatures().threads) && manifest.files.wasmThreads !== null;
  const [wasm, wasmThreads, image] = await Promise.all([
    fetchModule(base, manifest, 'wasm', opts.fetchInit),
    threads ? fetchModule(base, manifest, 'wasmThreads', opts.fetchInit) : null,
    get(new URL(manifest.files.image, base), opts.fetchInit).then(async (r) => new Uint8Array(await r.arrayBuffer())),
  ]);
  return { manifest, wasm, wasmThreads, image, source: base.href };
}

/** The supervisor worker of each worker script (supervisor_browser.ts), started with the first compute worker. */
const supervisors = new Map<string, { worker: Worker; reports: Map<number, (r: SupervisorReport) => void>; next: number }>();

function supervising(workerUrl: string | URL) {
  const url = String(workerUrl);
  let s = supervisors.get(url);
  if (s) return s;
  const worker = new Worker(workerUrl, { type: 'module', name: 'rnnc-supervisor' });
  const sup = { worker, reports: new Map<number, (r: SupervisorReport) => void>(), next: 0 };
  worker.onmessage = (e: MessageEvent<SupervisorReport>) => sup.reports.get(e.data.key)?.(e.data);
  worker.onerror = (e: ErrorEvent) => {
    // Its workers went with it: every pool hears of a death.
    e.preventDefault();
    if (supervisors.get(url) === sup) supervisors.delete(url);
    const message = `the worker supervisor (${url}) failed: ${e.message || 'the script did not load'}`;
    for (const [key, report] of sup.reports) report({ key, message, died: true });
  };
  worker.postMessage({ supervise: true } satisfies SuperviseMessage);
  supervisors.set(url, sup);
  s = sup;
  return s;
}

/**
 * A Spawn hook starting module Web Workers from `workerUrl` (rnnc-worker.js), through a supervisor
 * worker that hears them die even while the page's main thread computes its share of a call.
 */
export function spawnBrowserWorker(workerUrl: string | URL): Spawn {
  return (init, events) => {
    const s = supervising(workerUrl);
    const key = s.next++;
    let stopped = false;
    const exited = hearWorker(s.reports, key, (m, died) => events.onFailure(m, died), () => stopped);
    // As in Node (runtime/node.ts retireWhenIdle): every pool's memory passed through the supervisor,
    // so it ends a second after its last worker and takes them with it; the next spawn starts another.
    void exited.then(() => {
      if (s.reports.size === 0) setTimeout(() => {
        if (s.reports.size > 0 || supervisors.get(String(workerUrl)) !== s) return;
        supervisors.delete(String(workerUrl));
        s.worker.terminate();
      }, 1000);
    });
    const ask = (m: SupervisorRequest) => s.worker.postMessage(m);
    ask({ start: key, init });
    return {
      terminate: () => {
        stopped = true;
        ask({ stop: key, expected: true });
        return exited;
      },
      terminateUnexpectedly: (afterMs) => ask({ stop: key, expected: false, afterMs }),
      setBusy: () => undefined,
    };
  };
}

/** `import ort from 'rnnc'`, as onnxruntime's packages allow: every export of this module in one object. */
export default { ...runtime, InferenceSession, ISOLATION_NOTE, fetchManifest, fetchArtifact, spawnBrowserWorker };
