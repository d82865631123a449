/**
 * The artifact cache's keys (api/cache.ts): a key hashes everything a compile, or the reading of a
 * model's facts, depends on, so one key names one entry.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RNNC_VERSION } from '../contract/version.js';
import { detectFeatures } from '../runtime/features.js';

/** Entries holding a model's facts (api/model.ts) rather than an artifact: their names start so. */
export const FACTS_PREFIX = 'model-';

/**
 * The key of a compile: the model's bytes (SHA-256), the compile options (plan overrides, batch,
 * sizes, bound inputs, worker choice, cores), rnnc's version and build, and this engine's features.
 * The model plan is a function of exactly these, so one key names one artifact.
 */
export async function cacheKey(bytes: Uint8Array, options: Readonly<Record<string, unknown>>): Promise<string> {
  const h = createHash('sha256');
  h.update(modelDigest(bytes));
  h.update(canonicalJson({ rnnc: RNNC_VERSION, build: buildStamp(), engine: detectFeatures(), options }));
  return h.digest('hex').slice(0, 32);
}

/** Digests of model bytes that no one else holds (ownedModel): they cannot change after hashing. */
const digests = new WeakMap<Uint8Array, string>();

const modelDigest = (bytes: Uint8Array): string => digests.get(bytes) ?? createHash('sha256').update(bytes).digest('hex');

/**
 * Marks `bytes` as a model only rnnc holds (read from a file, or a copy of the caller's), so its
 * SHA-256 is computed once however many keys (its facts', each compile's) start from it.
 */
export function ownedModel(bytes: Uint8Array): Uint8Array {
  digests.set(bytes, createHash('sha256').update(bytes).digest('hex'));
  return bytes;
}

/**
 * The key of a model's facts under the options they depend on: cacheKey's parts (a new build or
 * engine reads them again), named apart from artifacts.
 */
export async function factsKey(bytes: Uint8Array, options: Readonly<Record<string, unknown>>): Promise<string> {
  return FACTS_PREFIX + await cacheKey(bytes, { facts: options });
}

/** The SHA-256 of `text`, in hex. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted and undefined fields left out, so equal options give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
    : v));
}

let stamp: string | undefined;

/** The file `npm run build` writes the build's stamp to, beside the compiled api/ and compiler/. */
const STAMP_FILE = 'build-stamp.json';
const distRoot = () => path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Names this build of the compiler, so a rebuild with other emitters gets other keys even when the
 * version stayed the same and a stale artifact is never loaded: the stamp the build wrote
 * (writeBuildStamp), or, without one, the walk it would have written. A stamp older than the
 * compiled compiler (a `tsc` run after the build re-emits every file) is not this build's.
 */
function buildStamp(): string {
  stamp ??= stampOf(distRoot());
  return stamp;
}

/** The stamp of the build laid out under `root` (dist/), written or walked. (Exported for tests.) */
export const stampOf = (root: string): string => writtenStamp(root) ?? walkedStamp(root);

/** The stamp of root/build-stamp.json if it is at least as new as the compiled compiler, else null. */
function writtenStamp(root: string): string | null {
  try {
    const file = path.join(root, STAMP_FILE);
    if (statSync(file).mtimeMs < statSync(path.join(root, 'compiler', 'index.js')).mtimeMs) return null;
    const written = (JSON.parse(readFileSync(file, 'utf8')) as { stamp?: unknown }).stamp;
    return typeof written === 'string' && written ? written : null;
  } catch {
    // Absent (run from sources, or built without it) or unreadable: walk.
    return null;
  }
}

/** Writes this build's stamp for buildStamp to read (`npm run build` calls it after compiling). */
export function writeBuildStamp(): void {
  writeFileSync(path.join(distRoot(), STAMP_FILE), JSON.stringify({ stamp: walkedStamp(distRoot()) }) + '\n');
}

/**
 * The newest modification time and the total size of the compiled compiler and contract files.
 * (Synchronous: a few hundred stats take a few milliseconds this way and several times that
 * through the event loop.)
 */
function walkedStamp(root: string): string {
  let newest = 0, bytes = 0, files = 0;
  for (const dir of ['compiler', 'contract']) {
    let found: Dirent[] = [];
    try {
      found = readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true });
    } catch {
      // Not laid out as built (bundled): the version alone names the build.
    }
    for (const e of found) {
      if (!e.isFile() || !e.name.endsWith('.js')) continue;
      const s = statSync(path.join(e.parentPath ?? e.path, e.name));
      newest = Math.max(newest, s.mtimeMs);
      bytes += s.size;
      files++;
    }
  }
  return `${files}:${bytes}:${newest}`;
}
