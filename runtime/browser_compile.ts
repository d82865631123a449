/**
 * ONNX models in a page: the compiler (dist/browser/rnnc-compiler.js) runs in a
 * Web Worker started only when `InferenceSession.create` is given a model rather than an artifact,
 * so the artifact path downloads the runtime alone. Compiled artifacts are kept in the Cache API
 * under a key of the model's bytes, the compile options and the rnnc version: a second visit loads
 * without compiling. The runtime never imports the compiler; the two speak only through messages.
 */
import { EngineError, InputError, InternalError, ModelError, RnncError, UnsupportedError } from '../contract/errors.js';
import { digestBytes, fnv1a64 } from '../contract/hash.js';
import type { Artifact, Manifest } from '../contract/manifest.js';
import { RNNC_VERSION } from '../contract/version.js';
export type { CompileRequest } from '../contract/compile_request.js';
import type { CompileRequest } from '../contract/compile_request.js';


type CompileReply =
  | { readonly ready: true }
  | { readonly manifest: Manifest; readonly wasm: Uint8Array; readonly wasmThreads: Uint8Array | null; readonly image: Uint8Array }
  | { readonly error: { readonly name: string; readonly message: string } };

/** How a session's artifact was made from an ONNX model in the page. */
export interface BrowserCompile {
  /** The cache key: model bytes, options and rnnc version. */
  readonly key: string;
  /** True when the artifact came from the cache, not from the compiler. */
  readonly fromCache: boolean;
  /** Milliseconds from the model's bytes to the artifact (the cache lookup, or the compile). */
  readonly ms: number;
}

/** The Cache API cache that holds compiled artifacts; entries of other rnnc versions never match. */
export const CACHE_NAME = 'rnnc-artifacts';

/** Default bound on the bytes of a page's cached artifacts (session option `cacheMaxBytes`). */
export const DEFAULT_PAGE_CACHE_BYTES = 256 * 1024 * 1024;

/** True when `model` is an ONNX model to compile: bytes, or a URL whose path ends in `.onnx`. */
export function isOnnxModel(model: unknown): model is Uint8Array | ArrayBuffer | string | URL {
  if (model instanceof Uint8Array || model instanceof ArrayBuffer) return true;
  if (typeof model !== 'string' && !(model instanceof URL)) return false;
  return new URL(String(model), globalThis.location?.href).pathname.toLowerCase().endsWith('.onnx');
}

/** The model's bytes and the name messages give it. */
export async function modelBytes(model: Uint8Array | ArrayBuffer | string | URL, init?: RequestInit): Promise<{ bytes: Uint8Array; source: string }> {
  if (model instanceof Uint8Array) return { bytes: model, source: 'model bytes' };
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model), source: 'model bytes' };
  const url = new URL(String(model), globalThis.location?.href);
  const res = await fetchOk(url, init, 'the ONNX model');
  return { bytes: new Uint8Array(await res.arrayBuffer()), source: url.href };
}

/** fetch(url), a network failure or an HTTP error a ModelError naming the URL and `what` it is. */
export async function fetchOk(url: URL, init: RequestInit | undefined, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ModelError(`${url.href}: cannot fetch ${what} (${(e as Error).message})`);
  }
  if (!res.ok) throw new ModelError(`${url.href}: cannot fetch ${what} (HTTP ${res.status} ${res.statusText})`);
  return res;
}

/** The cache key of a compile: the same model, options and rnnc version give the same artifact. */
export function compileKey(req: CompileRequest): string {
  const { batch, threads, cores, relaxedSimd, shapes, bind } = req;
  const sorted = (r: Record<string, number[]> | undefined) => r && Object.keys(r).sort().map((k) => [k, r[k]]);
  return fnv1a64(JSON.stringify({
    rnnc: RNNC_VERSION, model: digestBytes(req.bytes), length: req.bytes.byteLength, batch, threads, cores, relaxedSimd, shapes: sorted(shapes), bind: sorted(bind),
  }));
}

/**
 * Gives `start` the model's artifact, from the cache when it holds one, else from the compiler
 * worker at `compilerUrl` (then cached). A cached artifact that `start` rejects as damaged (the
 * runtime checks every file against the manifest) is dropped and compiled anew.
 */
export async function withCompiled<T>(req: CompileRequest, compilerUrl: string | URL, useCache: boolean, maxBytes: number,
  start: (artifact: Artifact, compiled: BrowserCompile) => Promise<T>): Promise<T> {
  const key = compileKey(req);
  const cache = useCache ? await openCache() : null;
  let t0 = performance.now();
  // A cache that cannot be read is a miss: it costs a compile, never the session.
  const cached = cache ? await readEntry(cache, key).catch(() => null) : null;
  if (cached) {
    try {
      const session = await start({ ...cached, source: `${req.source} (cached)` }, { key, fromCache: true, ms: performance.now() - t0 });
      // Its last use orders the eviction; the session does not wait for the mark.
      void touchEntry(cache!, key, artifactBytes(cached)).catch(() => {});
      return session;
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      console.warn(`rnnc: the cached artifact of ${req.source} is damaged (${e.message}); compiling it again`);
      await dropEntry(cache!, key).catch(() => {});
    }
  }
  t0 = performance.now();
  const artifact = await compileInWorker(req, compilerUrl);
  const ms = performance.now() - t0;
  if (cache) await storeEntry(cache, key, artifact, maxBytes);
  return start({ ...artifact, source: req.source }, { key, fromCache: false, ms });
}

/** Runs the compiler in a module Web Worker for one model; the worker ends with the answer. */
function compileInWorker(req: CompileRequest, compilerUrl: string | URL): Promise<Artifact> {
  return new Promise((resolve, reject) => {
    const w = new Worker(compilerUrl, { type: 'module', name: 'rnnc-compiler' });
    w.onmessage = (e: MessageEvent<CompileReply>) => {
      const r = e.data;
      // A copy goes to the worker (the caller's bytes stay theirs), once it can listen.
      if ('ready' in r) return w.postMessage({ ...req, bytes: req.bytes.slice() });
      w.terminate();
      if ('error' in r) reject(rethrown(r.error));
      else resolve({ manifest: r.manifest, wasm: r.wasm, wasmThreads: r.wasmThreads, image: r.image });
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      w.terminate();
      reject(new EngineError(`the compiler worker (${String(compilerUrl)}) failed on ${req.source}: ${e.message || 'the script did not load'}`));
    };
  });
}

/** The compiler's error as the same rnnc class in the page. */
function rethrown(err: { name: string; message: string }): Error {
  switch (err.name) {
    case 'ModelError': return new ModelError(err.message);
    case 'UnsupportedError': return new UnsupportedError(err.message);
    case 'InputError': return new InputError(err.message);
    case 'EngineError': return new EngineError(err.message);
    case 'InternalError': return new InternalError(err.message.replace(/^internal error \(a bug in rnnc, please report it\): /, ''));
    default: return new RnncError(`the compiler worker failed: ${err.name}: ${err.message}`);
  }
}

async function openCache(): Promise<Cache | null> {
  // The Cache API exists only in secure contexts (https, localhost); elsewhere every visit compiles.
  if (typeof caches === 'undefined') return null;
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    return null;
  }
}

/** The entry's files live under a URL of their own (never fetched), one per file; the manifest is the entry's last. */
const entryUrl = (key: string, file: string) => new URL(`/rnnc-artifact-cache/${key}/${file}`, globalThis.location?.href).href;
const DATA = ['wasm', 'wasmThreads', 'image'] as const;
const MANIFEST = 'manifest.json';

/** The entry of `key`; null if it is not whole (a manifest left without its files is dropped). */
async function readEntry(cache: Cache, key: string): Promise<Artifact | null> {
  const [m, wasm, wasmThreads, image] = await Promise.all([MANIFEST, ...DATA].map((f) => cache.match(entryUrl(key, f))));
  if (!m) return null; // not stored, or still being written
  let manifest: Manifest;
  try {
    manifest = await m.json() as Manifest;
  } catch {
    manifest = {} as Manifest; // the runtime's manifest check names what is wrong
  }
  // Files go after the manifest when an entry is dropped, so this one is being dropped, or was.
  if (!wasm || !image || (manifest.files?.wasmThreads && !wasmThreads)) return dropEntry(cache, key).then(() => null);
  const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());
  return { manifest, wasm: await bytes(wasm), wasmThreads: wasmThreads ? await bytes(wasmThreads) : null, image: await bytes(image) };
}

/**
 * The headers that order the eviction: on the manifest, the entry's last use (ms) and its bytes; on
 * the other files, when they were written (files without a manifest are an entry being written).
 */
const USED = 'x-rnnc-used', BYTES = 'x-rnnc-bytes', WRITTEN = 'x-rnnc-written';
/** Files without a manifest this much older are what a closed tab left mid-store. */
const STALE_MS = 10 * 60 * 1000;
const manifestResponse = (json: string, bytes: number) => new Response(json, { headers: { [USED]: String(Date.now()), [BYTES]: String(bytes) } });
const artifactBytes = (a: Artifact) => new TextEncoder().encode(JSON.stringify(a.manifest)).length +
  [a.wasm, a.wasmThreads, a.image].reduce<number>((n, b) => n + ((b as Uint8Array | null)?.byteLength ?? 0), 0);

/**
 * Makes room (the least recently used entries go past `maxBytes`), then stores the artifact, unless
 * it alone is past the bound; the manifest last. A failed store drops what it wrote and warns.
 */
async function storeEntry(cache: Cache, key: string, a: Artifact, maxBytes: number): Promise<void> {
  const bytes = artifactBytes(a);
  try {
    await trimCache(cache, maxBytes - bytes);
    if (bytes > maxBytes) return;
    await Promise.all(DATA.map((f) => a[f] && cache.put(entryUrl(key, f), new Response(a[f] as Uint8Array<ArrayBuffer>, { headers: { [WRITTEN]: String(Date.now()) } }))));
    await cache.put(entryUrl(key, MANIFEST), manifestResponse(JSON.stringify(a.manifest), bytes));
  } catch (e) {
    // A full or refused cache costs the next visit a compile, not this session.
    console.warn(`rnnc: cannot cache the compiled artifact (${(e as Error).message})`);
    await dropEntry(cache, key).catch(() => {});
  }
}

/** Marks an entry used now (an earlier build's entry gets its headers). */
async function touchEntry(cache: Cache, key: string, bytes: number): Promise<void> {
  const m = await cache.match(entryUrl(key, MANIFEST));
  if (!m) return;
  await cache.put(entryUrl(key, MANIFEST), manifestResponse(await m.text(), bytes));
  // Dropped meanwhile (another tab's eviction): the manifest must not come back alone.
  if (!await cache.match(entryUrl(key, 'wasm'))) await dropEntry(cache, key);
}

/**
 * Drops the least recently used entries past `maxBytes` (all of them below 0); entries an earlier
 * build wrote (no headers), and files without a manifest written more than STALE_MS ago.
 */
async function trimCache(cache: Cache, maxBytes: number): Promise<void> {
  const byKey = new Map<string, Request[]>();
  for (const r of await cache.keys()) {
    const key = r.url.split('/').at(-2)!;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const entries: { key: string; used: number; bytes: number }[] = [];
  for (const [key, files] of byKey) {
    const m = files.find((r) => r.url.endsWith('/' + MANIFEST));
    const h = (await cache.match(m ?? files[0]))?.headers;
    const num = (name: string) => Number(h?.get(name) || NaN);
    if (!m ? !(Date.now() - num(WRITTEN) < STALE_MS) : !(num(USED) > 0 && num(BYTES) >= 0)) await dropEntry(cache, key);
    else if (m) entries.push({ key, used: num(USED), bytes: num(BYTES) });
  }
  let total = 0;
  for (const e of entries.sort((a, b) => b.used - a.used)) {
    if ((total += e.bytes) > maxBytes) await dropEntry(cache, e.key);
  }
}

/** The manifest first: a reader then never takes the files left for a whole entry. */
async function dropEntry(cache: Cache, key: string): Promise<void> {
  await cache.delete(entryUrl(key, MANIFEST));
  await Promise.all(DATA.map((f) => cache.delete(entryUrl(key, f))));
}
