/**
 * The artifact cache of Node: one directory per compiled model, named by a key that hashes
 * everything the compile depends on, so `InferenceSession.create` of a model compiled before (in
 * any process) loads its artifact instead of compiling. An entry is written whole under a temporary
 * name and renamed into place, so processes filling the cache at once never see half an entry; a
 * damaged entry reads as a miss (and is rebuilt); the least recently used entries go past a size.
 * Beside the artifacts, an entry `model-<key>` holds a model's facts (api/model.ts): what a session
 * must know of it before compiling, so a session of a cached model needs no compiler.
 */
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import path from 'node:path';
import { recommendedWorkers, type Artifact } from '../contract/manifest.js';
import { readArtifact } from '../runtime/node.js';
import { checkFileDigests, compileAhead } from '../runtime/verify.js';
import { cacheKey, FACTS_PREFIX, sha256 } from './cache_key.js';
import { InputError } from '../contract/errors.js';

export { cacheKey, FACTS_PREFIX, factsKey, ownedModel } from './cache_key.js';

/** Where the cache lives: a directory, or false (off). See `cacheDirectory`. */
export type CacheSetting = string | boolean | undefined;

/** Default bound on the cache's size; the least recently used entries go past it. */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

/** Temporary entries older than this are left by a process that died while writing: removed. */
const STALE_TEMP_MS = 10 * 60 * 1000;
const TEMP_PREFIX = '.tmp-';
/**
 * The names the cache writes: an entry's key (32 hex digits; `model-` before a model's facts) and a
 * writer's temporary directory (TEMP_PREFIX, the key, its process and a random tail). Nothing else in
 * the directory is the cache's: listing, trimming and clearing leave it alone (a mistyped or shared
 * directory loses no one's files).
 */
const KEY_NAME = /^(model-)?[0-9a-f]{32}$/;
const TEMP_NAME = /^\.tmp-(model-)?[0-9a-f]{32}-\d+-[0-9a-z]+$/;
const isKey = (name: string) => KEY_NAME.test(name);
const isTemp = (name: string) => TEMP_NAME.test(name);
const FACTS_FILE = 'model.json';

/**
 * The cache directory for `setting`: false, off; a string, that directory; otherwise RNNC_CACHE_DIR
 * ("off" turns it off), else off under NODE_ENV=test unless `setting` is true (test runs never
 * write the user's cache), else the platform's cache directory ($XDG_CACHE_HOME/rnnc or ~/.cache/rnnc; on macOS
 * ~/Library/Caches/rnnc; on Windows %LOCALAPPDATA%\rnnc\cache).
 */
export function cacheDirectory(setting: CacheSetting, env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  if (setting === false) return null;
  if (typeof setting === 'string') return path.resolve(setting);
  const named = env.RNNC_CACHE_DIR;
  if (named !== undefined && named !== '') return named === 'off' ? null : path.resolve(named);
  if (env.NODE_ENV === 'test' && setting !== true) return null;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'rnnc');
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Caches', 'rnnc');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'rnnc', 'cache');
  return path.join(homedir(), '.cache', 'rnnc');
}

/** One entry as `rnnc cache ls` shows it. */
export interface CacheEntry {
  readonly key: string;
  readonly bytes: number;
  /** Last use (a hit refreshes it). */
  readonly used: Date;
  /** The model's name in its manifest, when readable. */
  readonly model?: string;
}

/** The cache in one directory. Every method but `put`'s writing tolerates a missing directory. */
export class ArtifactCache {
  constructor(readonly dir: string, readonly maxBytes = DEFAULT_CACHE_BYTES) {}

  /** The directory of the entry `key`: a key as cacheKey and factsKey make them, nothing else (no '', '..' or path). */
  private entryPath(key: string): string {
    if (!isKey(key)) throw new InputError(`cache key '${key}': expected 32 hexadecimal digits (or ${FACTS_PREFIX} and 32), as cacheKey and factsKey make them`);
    return path.join(this.dir, key);
  }

  /**
   * The artifact under `key` with every file's digest checked, or null: absent, or damaged (then
   * removed, so the caller's compile rebuilds it).
   */
  async get(key: string): Promise<Artifact | null> {
    const entry = this.entryPath(key);
    let artifact: Artifact;
    try {
      artifact = await readArtifact(entry, false);
      // The module an engine on this machine's cores would run compiles while the files are
      // hashed; vouched, so the engine made from this artifact next hashes nothing again.
      const threads = recommendedWorkers(artifact.manifest, availableParallelism()) > 1 && artifact.wasmThreads;
      compileAhead(artifact, [threads ? 'wasmThreads' : 'wasm']);
      checkFileDigests(artifact, true);
    } catch {
      await this.evict(key);
      return null;
    }
    touch(entry);
    return artifact;
  }

  /** Stores `artifact` under `key`, whole (see `store`), then trims the cache to its size. */
  async put(key: string, artifact: Artifact): Promise<void> {
    const { writeArtifact } = await import('../compiler/module/write.js');
    await this.store(key, async (temp) => { await writeArtifact(temp, artifact); });
  }

  /**
   * The facts stored under `key` (a `factsKey`), checked by `check`, or null: absent, or damaged
   * (then removed). A hit refreshes the entry's last use, as an artifact's does.
   */
  async getFacts<T>(key: string, check: (value: unknown) => T | null): Promise<T | null> {
    const entry = this.entryPath(key);
    let facts: T | null = null;
    try {
      // The digest catches a damaged file that still parses (a flipped bit in an input's name), as an artifact's file digests do.
      const stored = JSON.parse(await readFile(path.join(entry, FACTS_FILE), 'utf8')) as { sha256?: unknown; value?: unknown };
      if (stored.sha256 === sha256(JSON.stringify(stored.value))) facts = check(stored.value);
    } catch {
      // Absent or not JSON: a miss, as a damaged artifact is.
    }
    if (!facts) {
      await this.evict(key);
      return null;
    }
    touch(entry);
    return facts;
  }

  /** Stores the facts of a model (plain JSON) under `key`, whole, as `put` stores an artifact. */
  async putFacts(key: string, facts: unknown): Promise<void> {
    await this.store(key, async (temp) => {
      await mkdir(temp);
      const value = JSON.stringify(facts);
      await writeFile(path.join(temp, FACTS_FILE), `{"sha256":"${sha256(value)}","value":${value}}`);
    });
  }

  /**
   * Writes an entry whole into a temporary directory, then renames it into place. When another
   * process stored the same key first, its entry (the same content) stays. Then trims the cache
   * (`trim`: a listing of the directory and the sizes of entries not seen before).
   */
  private async store(key: string, write: (temp: string) => Promise<void>): Promise<void> {
    const target = this.entryPath(key);
    await mkdir(this.dir, { recursive: true });
    const temp = path.join(this.dir, `${TEMP_PREFIX}${key}-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      await write(temp);
      await rename(temp, target).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST' && e.code !== 'EPERM') throw e;
      });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    await this.trim();
  }

  /** Removes the entry under `key` (no error if absent). */
  async evict(key: string): Promise<void> {
    await rm(this.entryPath(key), { recursive: true, force: true });
    measuredIn(this.dir).delete(key);
  }

  /** The entries, most recently used first, with the model each holds. */
  async list(): Promise<CacheEntry[]> {
    const entries = await this.sizes();
    return Promise.all(entries.map(async (e) => ({ ...e, model: await modelName(path.join(this.dir, e.key)) })));
  }

  /** The entries' sizes and last uses, most recently used first. */
  private async sizes(): Promise<CacheEntry[]> {
    await Promise.all(touches);
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter(isKey);
    const entries: CacheEntry[] = [];
    await inBatches(names, async (key) => {
      const size = await entrySize(this.entryPath(key));
      if (size) entries.push({ key, ...size });
    });
    return entries.sort((a, b) => b.used.getTime() - a.used.getTime());
  }

  /** Removes every entry (and writers' temporary directories; nothing else); returns how many entries. */
  async clear(): Promise<number> {
    measured.delete(path.resolve(this.dir));
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names.filter((n) => isKey(n) || isTemp(n))) {
      if (isKey(name)) removed++;
      await rm(path.join(this.dir, name), { recursive: true, force: true });
    }
    return removed;
  }

  /**
   * Removes the least recently used entries past `maxBytes`, and temporary ones a dead writer left.
   * The sizes come from one listing of the directory and the entries this process has not measured
   * yet (an entry never changes once in place): walking every entry, one file system call after
   * another, took 1.2 s at 2300 entries, twice per compile. The entries' last uses are read only when
   * the cache is past its bound.
   */
  async trim(): Promise<void> {
    const now = Date.now();
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter(isTemp).map(async (name) => {
      const s = await stat(path.join(this.dir, name)).catch(() => null);
      if (s && now - s.mtimeMs > STALE_TEMP_MS) await rm(path.join(this.dir, name), { recursive: true, force: true });
    }));
    const keys = names.filter(isKey);
    const known = measuredIn(this.dir), present = new Set(keys);
    for (const key of known.keys()) if (!present.has(key)) known.delete(key);
    await inBatches(keys.filter((key) => !known.has(key)), async (key) => {
      const size = await entrySize(this.entryPath(key));
      if (size) known.set(key, size.bytes);
    });
    let total = 0;
    for (const bytes of known.values()) total += bytes;
    if (total <= this.maxBytes) return;
    for (const e of (await this.sizes()).reverse()) {
      if (total <= this.maxBytes) break;
      await this.evict(e.key);
      total -= e.bytes;
    }
  }
}

/** Entries whose sizes a walk of the cache reads at once. */
const WALK_AT_ONCE = 64;

/** `f` of every item, WALK_AT_ONCE at a time. */
async function inBatches<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += WALK_AT_ONCE) await Promise.all(items.slice(i, i + WALK_AT_ONCE).map(f));
}

/** Per cache directory (resolved), the bytes of the entries this process has measured. */
const measured = new Map<string, Map<string, number>>();
const measuredIn = (dir: string): Map<string, number> => {
  const at = path.resolve(dir);
  let m = measured.get(at);
  if (!m) measured.set(at, (m = new Map()));
  return m;
};

/** Touches this process started and has not seen land: a hit does not wait for its own; `sizes` waits for all. */
const touches = new Set<Promise<void>>();

/**
 * Marks an entry used now: its last use orders the eviction. A hit returns without waiting for the
 * touch (a file system call that can take milliseconds on a busy disk); a failed touch only makes
 * the entry look older.
 */
function touch(entry: string): void {
  const now = new Date();
  const done: Promise<void> = utimes(entry, now, now).catch(() => undefined).finally(() => touches.delete(done));
  touches.add(done);
}

/** Bytes and last use of an entry directory, or null when it is not one. */
async function entrySize(dir: string): Promise<{ bytes: number; used: Date } | null> {
  const s = await stat(dir).catch(() => null);
  if (!s?.isDirectory()) return null;
  const names = await readdir(dir).catch(() => [] as string[]);
  const sizes = await Promise.all(names.map(async (name) => (await stat(path.join(dir, name)).catch(() => null))?.size ?? 0));
  return { bytes: sizes.reduce((a, b) => a + b, 0), used: s.mtime };
}

/** The model named in an entry's manifest, if it reads. */
async function modelName(dir: string): Promise<string | undefined> {
  const facts = path.basename(dir).startsWith(FACTS_PREFIX);
  try {
    const m = JSON.parse(await readFile(path.join(dir, facts ? FACTS_FILE : 'manifest.json'), 'utf8')) as { model?: unknown; value?: { source?: unknown } };
    const name = facts ? m.value?.source : m.model;
    return typeof name === 'string' ? (facts ? `${name} (inputs)` : name) : undefined;
  } catch {
    return undefined;
  }
}

/** Artifacts this process read from a cache, with where: an engine that refuses one evicts it. */
const served = new WeakMap<Artifact, { cache: ArtifactCache; key: string }>();

/** The artifact of `options`' compile of `bytes` if `cache` holds it, else null. */
export async function cachedLookup(cache: ArtifactCache, bytes: Uint8Array, options: Readonly<Record<string, unknown>>): Promise<Artifact | null> {
  return lookup(cache, await cacheKey(bytes, options));
}

async function lookup(cache: ArtifactCache, key: string): Promise<Artifact | null> {
  const hit = await cache.get(key);
  if (hit) served.set(hit, { cache, key });
  return hit;
}

/**
 * The artifact `build` makes of `bytes` with `options`, from `cache` when it holds it (null: no
 * cache). A store that fails (a read-only or full disk) leaves the session uncached, with a warning.
 */
export async function cachedArtifact(cache: ArtifactCache | null, bytes: Uint8Array, options: Readonly<Record<string, unknown>>,
  build: () => Promise<Artifact>): Promise<Artifact> {
  if (!cache) return build();
  // One hash of the model's bytes (megabytes) for the lookup and the store.
  const key = await cacheKey(bytes, options);
  const hit = await lookup(cache, key);
  if (hit) return hit;
  const artifact = await build();
  await cache.put(key, artifact).catch((e: Error) => console.warn(`rnnc: cache ${cache.dir}: cannot store ${key} (${e.message}); running uncached`));
  return artifact;
}

/**
 * Drops `artifact`'s entry if it came from a cache (its files passed their digests, yet the engine
 * refused it: say, a manifest edited in place); true when it did, so the caller compiles again.
 */
export async function evictServed(artifact: Artifact): Promise<boolean> {
  const from = served.get(artifact);
  if (!from) return false;
  served.delete(artifact);
  await from.cache.evict(from.key);
  return true;
}
