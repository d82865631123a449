/**
 * Loading a cached entry does each check once (api/cache.ts, runtime/verify.ts): the engine made
 * from what the cache read takes the cache's digest check instead of hashing the files again, for
 * that one load only; anything else handed to an engine is hashed as before. And the cache key's
 * build stamp (api/cache_key.ts) comes from the file the build writes while it is this build's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArtifactCache } from '../api/cache.js';
import { stampOf } from '../api/cache_key.js';
import { compileModel } from '../compiler/index.js';
import { ModelError } from '../contract/errors.js';
import { Engine } from '../runtime/engine.js';
import { readArtifact } from '../runtime/node.js';
import { filesHashed } from '../runtime/verify.js';
import { cacheFeeds, cacheModel } from './cache_model.js';

/** A key as the cache names its entries (32 hex digits). */
const KEY = 'c'.repeat(32);
import { inTempDir } from './subprocess.js';

const artifact = compileModel(cacheModel(), { threads: true }).artifact;

test('the engine made from a cache hit hashes nothing the cache hashed; the next load hashes again', () => inTempDir('cache-load', async (dir) => {
  const cache = new ArtifactCache(dir);
  await cache.put(KEY, artifact);
  const before = filesHashed();
  const hit = (await cache.get(KEY))!;
  assert.is(filesHashed() - before, 3, 'the cache hashes the image and both modules');
  const first = await Engine.create(hit, { workers: 1 });
  assert.is(filesHashed() - before, 3, 'the engine takes the cache\'s check');
  const second = await Engine.create(hit, { workers: 1 });
  assert.is(filesHashed() - before, 6, 'a second engine of the same artifact checks every file again');
  first.release();
  second.release();
}));

test('bytes changed after the cache checked them are refused by every later load', () => inTempDir('cache-load', async (dir) => {
  const cache = new ArtifactCache(dir);
  await cache.put(KEY, artifact);
  const hit = (await cache.get(KEY))!;
  (await Engine.create(hit, { workers: 1 })).release();
  hit.image[hit.image.length >> 1] ^= 0x40;
  await refused(() => Engine.create(hit, { workers: 1 }), 'digest');
}));

test('the cache\'s check does not carry to a manifest that records other digests', () => inTempDir('cache-load', async (dir) => {
  const cache = new ArtifactCache(dir);
  await cache.put(KEY, artifact);
  const hit = (await cache.get(KEY))!;
  const digests = { ...hit.manifest.digests, image: 'f'.repeat(hit.manifest.digests.image.length) };
  await refused(() => Engine.create({ ...hit, manifest: { ...hit.manifest, digests } }, { workers: 1 }), 'digest');
}));

test('an artifact read from a directory is hashed by its engine', () => inTempDir('cache-load', async (dir) => {
  const cache = new ArtifactCache(dir);
  await cache.put(KEY, artifact);
  const read = await readArtifact(path.join(dir, KEY));
  const before = filesHashed();
  (await Engine.create(read, { workers: 1 })).release();
  assert.is(filesHashed() - before, 3);
}));

test('an engine from a hit runs as one from the compiled artifact, whichever module was compiled ahead', () => inTempDir('cache-load', async (dir) => {
  const cache = new ArtifactCache(dir);
  await cache.put(KEY, artifact);
  const direct = await Engine.create(artifact, { workers: 1 });
  const want = Array.from(direct.run(cacheFeeds()).Y_h.data as Float32Array);
  direct.release();
  // The cache compiles ahead the module an engine on this machine's cores would pick; one asked
  // for 1 worker may want the other, and compiles it then.
  const hit = (await cache.get(KEY))!;
  const engine = await Engine.create(hit, { workers: 1 });
  assert.equal(Array.from(engine.run(cacheFeeds()).Y_h.data as Float32Array), want);
  engine.release();
}));

async function refused(create: () => Promise<Engine>, says: string): Promise<void> {
  try {
    (await create()).release();
  } catch (e) {
    assert.instance(e, ModelError);
    assert.match((e as Error).message, says);
    return;
  }
  assert.unreachable('the engine accepted the artifact');
}

test('the build stamp is the written one while it is newer than the compiled compiler, else the walk', () => inTempDir('cache-load', async (root) => {
  fs.mkdirSync(path.join(root, 'compiler'));
  const index = path.join(root, 'compiler', 'index.js');
  fs.writeFileSync(index, 'export {};\n');
  const walked = stampOf(root);
  assert.match(walked, /^1:11:/, 'without a stamp file, the walk (one file of 11 bytes)');
  const stampFile = path.join(root, 'build-stamp.json');
  fs.writeFileSync(stampFile, JSON.stringify({ stamp: 'built' }));
  const t = Date.now() / 1000;
  fs.utimesSync(index, t - 10, t - 10);
  fs.utimesSync(stampFile, t, t);
  assert.is(stampOf(root), 'built');
  // A compile after the build (tsc alone) re-emits the compiler: the written stamp is stale.
  fs.utimesSync(index, t + 10, t + 10);
  assert.match(stampOf(root), /^1:11:/);
  fs.writeFileSync(stampFile, 'not json');
  fs.utimesSync(stampFile, t + 20, t + 20);
  assert.match(stampOf(root), /^1:11:/, 'an unreadable stamp file: the walk');
}));

test.run();
