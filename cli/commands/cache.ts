/** `rnnc cache ls|clear`: what the artifact cache (api/cache.ts) holds, and emptying it. */
import { ArtifactCache, cacheDirectory } from '../../api/cache.js';
import { statSync } from 'node:fs';
import { InputError } from '../../contract/errors.js';
import { formatBytes } from './common.js';

export interface CacheFlags {
  dir?: string;
}

export async function cacheCommand(action: 'ls' | 'clear', f: CacheFlags): Promise<void> {
  const dir = cacheDirectory(f.dir);
  if (!dir) {
    console.log(`the artifact cache is off (${process.env.RNNC_CACHE_DIR === 'off' ? 'RNNC_CACHE_DIR=off' : 'NODE_ENV=test'}); name one with --dir or RNNC_CACHE_DIR`);
    return;
  }
  // A directory that does not exist yet is an empty cache; a file is not one.
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) throw new InputError(`the cache directory ${dir} is a file, not a directory`);
  const cache = new ArtifactCache(dir);
  if (action === 'clear') {
    const n = await cache.clear();
    console.log(`removed ${n} ${n === 1 ? 'entry' : 'entries'} from ${dir}`);
    return;
  }
  const entries = await cache.list();
  for (const e of entries) console.log(`${e.key}  ${formatBytes(e.bytes).padStart(10)}  ${e.used.toISOString()}  ${e.model ?? '?'}`);
  const total = entries.reduce((n, e) => n + e.bytes, 0);
  console.log(`${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, ${formatBytes(total)} in ${dir}`);
}
