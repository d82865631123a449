/**
 * The artifact cache (api/cache.ts): a session created again loads the stored artifact; any change
 * of the key's parts misses; a damaged entry is rebuilt, never an error; processes filling it at
 * once leave one whole entry; past its size the least recently used entries go; `rnnc cache`.
 * Every test uses a temporary directory.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArtifactCache, cacheDirectory, cacheKey, FACTS_PREFIX } from '../api/cache.js';
import { InferenceSession, type Tensor } from '../api/node.js';
import { compileModel } from '../compiler/index.js';
import { cacheFeeds, cacheModel } from './cache_model.js';
import { inTempDir, rnnc } from './subprocess.js';

const model = cacheModel();

async function outputOf(s: InferenceSession): Promise<number[]> {
  return [...((await s.run(cacheFeeds())).Y_h as Tensor).data as Float32Array];
}

/** Creates a session through the cache in `dir`, returns its output and the name in its manifest. */
async function session(dir: string, extra: Record<string, unknown> = {}): Promise<{ out: number[]; model: string }> {
  const s = await InferenceSession.create(model, { cache: dir, workers: 1, ...extra });
  try {
    return { out: await outputOf(s), model: s.manifest.model };
  } finally {
    await s.release();
  }
}

/** The artifact entries (beside them, each model's facts: cache_hit.test.ts). */
const entries = (dir: string) => fs.readdirSync(dir).filter((n) => !n.startsWith(FACTS_PREFIX)).sort();

function editManifest(entry: string, edit: (m: Record<string, unknown>) => Record<string, unknown>): void {
  const file = path.join(entry, 'manifest.json');
  fs.writeFileSync(file, JSON.stringify(edit(JSON.parse(fs.readFileSync(file, 'utf8')))));
}

test('a session created again for the same model loads the artifact stored by the first', () => inTempDir('cache', async (dir) => {
  const first = await session(dir);
  const [key] = entries(dir);
  assert.equal(entries(dir), [key], 'one entry');
  // The model's name binds no module: renaming it in the entry marks the entry as the one loaded.
  editManifest(path.join(dir, key), (m) => ({ ...m, model: 'from the cache' }));
  const again = await session(dir);
  assert.is(again.model, 'from the cache');
  assert.equal(again.out, first.out);
  assert.equal(entries(dir), [key], 'nothing added');
}));

test('the key changes with the model bytes and every compile option, not with key order', async () => {
  const base = { source: 'model bytes', batch: 1, cores: 2 };
  const k = await cacheKey(model, base);
  assert.is(await cacheKey(model, { cores: 2, source: 'model bytes', batch: 1, shapes: undefined }), k, 'order and undefined fields do not matter');
  const other = model.slice();
  other[other.length - 1] ^= 1;
  const changed = [
    await cacheKey(other, base),
    ...await Promise.all([
      { batch: 2 }, { cores: 4 }, { source: 'other.onnx' }, { threads: true }, { threads: false }, { shapes: { X: [1, 2] } },
      { bind: { sr: [16000] } }, { unitsPerBlock: 8 }, { kUnroll: 1 }, { relaxedSimd: true }, { optimize: 'full' },
    ].map((o) => cacheKey(model, { ...base, ...o }))),
  ];
  assert.is(new Set([k, ...changed]).size, changed.length + 1, 'every change gives a key of its own');
});

test('a session with other options misses and adds an entry of its own', () => inTempDir('cache', async (dir) => {
  await session(dir);
  await session(dir, { plan: { kUnroll: 1 } });
  assert.is(entries(dir).length, 2);
}));

/** Ways an entry can be damaged, each with whether the cache's file checks (not only the engine) see it. */
const DAMAGE: [string, (entry: string) => void, boolean][] = [
  ['a weight flipped', (e) => { const f = path.join(e, 'weights.bin'); const b = fs.readFileSync(f); b[b.length >> 1] ^= 0x40; fs.writeFileSync(f, b); }, true],
  ['the module truncated', (e) => { const f = path.join(e, 'model.wasm'); fs.writeFileSync(f, fs.readFileSync(f).subarray(0, 100)); }, true],
  ['the manifest not JSON', (e) => fs.writeFileSync(path.join(e, 'manifest.json'), '{"format":'), true],
  ['a file missing', (e) => fs.rmSync(path.join(e, 'weights.bin')), true],
  // Every file matches its digest, but the module was compiled against another manifest.
  ['a bound field of the manifest edited', (e) => editManifest(e, (m) => ({ ...m, streamable: !m.streamable })), false],
];

for (const [what, damage, filesShowIt] of DAMAGE) {
  test(`an entry with ${what} is rejected and rebuilt, not an error`, () => inTempDir('cache', async (dir) => {
    const first = await session(dir);
    const [key] = entries(dir);
    damage(path.join(dir, key));
    const cache = new ArtifactCache(dir);
    if (!filesShowIt) assert.ok(await cache.get(key), 'the file checks pass: the engine must refuse it');
    const again = await session(dir);
    assert.equal(again.out, first.out);
    assert.equal(entries(dir), [key]);
    assert.ok(await cache.get(key), 'the rebuilt entry reads back whole');
    const rebuilt = await session(dir);
    assert.equal(rebuilt.out, first.out);
  }));
}

test('processes filling the cache at once leave one whole entry, and all of them run', () => inTempDir('cache', async (dir) => {
  const child = fileURLToPath(new URL('./cache_child.js', import.meta.url));
  const run = () => new Promise<string>((resolve, reject) => execFile(process.execPath, [child, dir], { timeout: 120_000 },
    (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()))));
  const outs = await Promise.all([run(), run(), run()]);
  assert.is(new Set(outs).size, 1, 'the same output everywhere');
  const names = entries(dir);
  assert.is(names.length, 1, `one entry, no temporary left: ${names.join(', ')}`);
  const cached = await new ArtifactCache(dir).get(names[0]);
  assert.ok(cached, 'the entry reads back whole');
  assert.equal((await session(dir)).out, JSON.parse(outs[0]));
}));

/** A key as the cache names its entries (32 hex digits), made of one letter. */
const K = (c: string) => c.repeat(32);
/** A writer's temporary directory for a key. */
const TEMP = (c: string) => `.tmp-${K(c)}-123-x7`;

test('past its size bound the least recently used entries go, and temporary ones a dead writer left; nothing else', () => inTempDir('cache', async (dir) => {
  const { artifact } = compileModel(model, { threads: false });
  const cache = new ArtifactCache(dir, Infinity);
  const [a, b, c] = [K('a'), K('b'), K('c')];
  for (const key of [a, b, c]) await cache.put(key, artifact);
  const ago = (s: number) => new Date(Date.now() - s * 1000);
  [a, b, c].forEach((key, i) => fs.utimesSync(path.join(dir, key), ago(30 - 10 * i), ago(30 - 10 * i)));
  assert.ok(await cache.get(a), 'a hit makes "a" the most recently used');
  fs.mkdirSync(path.join(dir, TEMP('d')));
  fs.utimesSync(path.join(dir, TEMP('d')), ago(3600), ago(3600));
  fs.mkdirSync(path.join(dir, TEMP('e')));
  // Not the cache's: a folder and a file of someone who shares the directory, old and large.
  fs.mkdirSync(path.join(dir, 'my_project'));
  fs.writeFileSync(path.join(dir, 'my_project', 'data.bin'), new Uint8Array(1 << 20));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  for (const n of ['my_project', 'notes.txt']) fs.utimesSync(path.join(dir, n), ago(7200), ago(7200));
  const size = (await cache.list())[0].bytes;
  assert.equal((await cache.list()).map((e) => e.key).sort(), [a, b, c], 'ls lists the entries only');
  await new ArtifactCache(dir, 2 * size).trim();
  assert.equal(entries(dir), [TEMP('e'), a, c, 'my_project', 'notes.txt'].sort());
  assert.is(await new ArtifactCache(dir).clear(), 2);
  // Keys are the cache's own names: '' (the directory itself) or a path is an error, before any file is touched.
  for (const bad of ['', '..', 'my_project']) {
    await new ArtifactCache(dir).get(bad).then(() => assert.unreachable(`get('${bad}') resolved`), (e: Error) => assert.match(e.message, /cache key .*expected 32 hexadecimal digits/));
  }
  assert.equal(entries(dir), ['my_project', 'notes.txt'], 'clear removes the entries and temporary directories, nothing else');
}));

test('the size bound holds with entries other processes stored: a store lists the directory and measures what it has not seen', () => inTempDir('cache', async (dir) => {
  const { artifact } = compileModel(model, { threads: false });
  const probe = path.join(dir, 'probe');
  await new ArtifactCache(probe, Infinity).put(K('a'), artifact);
  const size = (await new ArtifactCache(probe).list())[0].bytes;
  dir = path.join(dir, 'cache');
  const cache = new ArtifactCache(dir, 2.5 * size);
  await cache.put(K('a'), artifact);
  // Another process stores two entries (its own walks are not this one's), and a third one died writing.
  for (const key of [K('e'), K('f')]) fs.cpSync(path.join(dir, K('a')), path.join(dir, key), { recursive: true });
  fs.mkdirSync(path.join(dir, TEMP('d')));
  const ago = (s: number) => new Date(Date.now() - s * 1000);
  for (const [key, s] of [[K('e'), 30], [K('f'), 20], [K('a'), 10], [TEMP('d'), 3600]] as const) fs.utimesSync(path.join(dir, key), ago(s), ago(s));
  await cache.put(K('b'), artifact);
  assert.equal(entries(dir), [K('a'), K('b')], 'four entries past a bound of 2.5: the two least recently used went, and the dead writer\'s');
}));

test('a size bound that is not a number of bytes is an InputError naming the option', () => inTempDir('cache', async (dir) => {
  for (const bad of [-1, '512 MB', Number.NaN]) {
    const err = await InferenceSession.create(model, { cache: dir, cacheMaxBytes: bad as number }).then(() => null, (e: Error) => e);
    assert.is(err?.name, 'InputError', `cacheMaxBytes ${String(bad)}`);
    assert.match(err!.message, /session option cacheMaxBytes must be a number of bytes >= 0/);
  }
  assert.equal(fs.readdirSync(dir), [], 'nothing was compiled or stored');
}));

test('the cache directory: an option, else RNNC_CACHE_DIR, else off in tests, else the platform\'s', () => {
  assert.is(cacheDirectory(false, { RNNC_CACHE_DIR: '/z' }), null);
  assert.is(cacheDirectory('/x/y', { RNNC_CACHE_DIR: '/z' }), path.resolve('/x/y'));
  assert.is(cacheDirectory(undefined, { RNNC_CACHE_DIR: '/z', NODE_ENV: 'test' }), path.resolve('/z'));
  assert.is(cacheDirectory(undefined, { RNNC_CACHE_DIR: 'off' }), null);
  assert.is(cacheDirectory(undefined, { NODE_ENV: 'test' }), null);
  if (process.platform === 'linux') {
    assert.is(cacheDirectory(true, { NODE_ENV: 'test', XDG_CACHE_HOME: '/c' }), path.join('/c', 'rnnc'));
    assert.is(cacheDirectory(undefined, {}), path.join(homedir(), '.cache', 'rnnc'));
  }
});

test('rnnc cache ls lists the entries with their model (its artifact, its facts); rnnc cache clear empties it', () => inTempDir('cache', async (dir) => {
  await session(dir);
  const [key] = entries(dir);
  const ls = await rnnc(['cache', 'ls', '--dir', dir]);
  assert.is(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, new RegExp(`^${key} .* model bytes$`, 'm'));
  assert.match(ls.stdout, new RegExp(`^${FACTS_PREFIX}\\w+ .* model bytes \\(inputs\\)$`, 'm'), "the model's facts, named apart");
  assert.match(ls.stdout, /^2 entries, .* in /m);
  const clear = await rnnc(['cache', 'clear', '--dir', dir]);
  assert.is(clear.code, 0, clear.stderr);
  assert.match(clear.stdout, /removed 2 entries/);
  assert.equal(entries(dir), []);
}));

test.run();
