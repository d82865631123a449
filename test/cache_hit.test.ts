/**
 * `InferenceSession.create` of a cached ONNX model without the compiler: the cache keeps, beside the
 * artifacts, what a session must know of the model (declared inputs and outputs, open sizes, control
 * inputs), so a new process whose compiler is hidden (hide_compiler.ts) creates and runs the session
 * from the cache alone: a model compiled at create, and Silero v5, compiled at its first run per
 * size and sr. A miss (an empty cache, a damaged entry, sizes not compiled yet) still compiles, and
 * so fails in such a process.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FACTS_PREFIX, factsKey } from '../api/cache.js';
import { factsOptions, type CompileSettings } from '../api/model.js';
import { InferenceSession, Tensor } from '../api/node.js';
import { cacheFeeds, cacheModel } from './cache_model.js';
import { hideCompilerFlags } from './hide_compiler.js';
import { sileroPath } from './silero.js';
import { inTempDir, type CliResult } from './subprocess.js';

const CHILD = fileURLToPath(new URL('./cache_hit_child.js', import.meta.url));

type Feeds = Record<string, Tensor>;

/** cache_hit_child.js on `model` and `feeds` through `cache`, the compiler hidden or not. Never rejects. */
function child(dir: string, cache: string, model: string, feeds: Feeds, hideCompiler: boolean): Promise<CliResult> {
  const given = JSON.stringify(Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, [t.type, t.dims, Array.from(t.data as ArrayLike<number | bigint>, Number)]])));
  const pre = hideCompiler ? hideCompilerFlags(dir) : [];
  return new Promise((resolve) => {
    const c = execFile(process.execPath, [...pre, CHILD, cache, model, given], { timeout: 120_000 },
      (_e, stdout, stderr) => resolve({ code: c.exitCode, stdout, stderr }));
  });
}

/** The outputs of `model` on `feeds` compiled in this process, uncached, as the child prints them. */
async function reference(model: string, feeds: Feeds): Promise<string> {
  const s = await InferenceSession.create(model, { cache: false, workers: 1 });
  try {
    const out = await s.run(feeds);
    return JSON.stringify(Object.fromEntries(Object.entries(out).map(([name, t]) => [name, [...(t as Tensor).data as Float32Array]])));
  } finally {
    await s.release();
  }
}

const facts = (cache: string) => fs.readdirSync(cache).filter((n) => n.startsWith(FACTS_PREFIX));
const artifacts = (cache: string) => fs.readdirSync(cache).filter((n) => !n.startsWith(FACTS_PREFIX));

test('a model compiled at create: a new process creates and runs it from the cache without the compiler; a miss compiles', () => inTempDir('cache-hit', async (dir) => {
  const model = path.join(dir, 'm.onnx'), cache = path.join(dir, 'cache');
  fs.writeFileSync(model, cacheModel());
  const want = await reference(model, cacheFeeds());

  const empty = await child(dir, cache, model, cacheFeeds(), true);
  assert.is.not(empty.code, 0, 'an empty cache: the model is read and compiled');
  assert.match(empty.stderr, /the compiler is hidden/);

  const miss = await child(dir, cache, model, cacheFeeds(), false);
  assert.is(miss.code, 0, miss.stderr);
  assert.is(miss.stdout.trim(), want);
  assert.is(facts(cache).length, 1, "the model's facts stored");
  assert.is(artifacts(cache).length, 1, 'its artifact stored');

  const hit = await child(dir, cache, model, cacheFeeds(), true);
  assert.is(hit.code, 0, hit.stderr);
  assert.is(hit.stdout.trim(), want);

  // Damaged facts read as a miss: the model is read again (by the compiler) and they are stored again.
  const damage: [string, (text: string) => string][] = [
    ['cut short', (text) => text.slice(0, 20)],
    ['an input renamed (still JSON)', (text) => text.replace('"name":"X"', '"name":"Z"')],
  ];
  for (const [what, edit] of damage) {
    const file = path.join(cache, facts(cache)[0], 'model.json');
    const text = fs.readFileSync(file, 'utf8');
    assert.is.not(edit(text), text, what);
    fs.writeFileSync(file, edit(text));
    const damaged = await child(dir, cache, model, cacheFeeds(), true);
    assert.is.not(damaged.code, 0, `facts ${what} are not used`);
    assert.match(damaged.stderr, /the compiler is hidden/);
    const rebuilt = await child(dir, cache, model, cacheFeeds(), false);
    assert.is(rebuilt.stdout.trim(), want, rebuilt.stderr);
    assert.is((await child(dir, cache, model, cacheFeeds(), true)).stdout.trim(), want, `facts ${what}: the rebuilt ones serve a hit`);
  }
}));

test('Silero v5 (open frame, sr an If reads): once compiled for a frame and sr, a new process runs them without the compiler', () => inTempDir('cache-hit', async (dir) => {
  const cache = path.join(dir, 'cache'), model = sileroPath('v5');
  const frame = (rate: number, samples: number): Feeds => ({
    input: new Tensor('float32', Float32Array.from({ length: samples }, (_, i) => 0.3 * Math.sin(i * 0.05)), [1, samples]),
    state: new Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]),
    sr: new Tensor('int64', [BigInt(rate)], []),
  });
  const at16k = frame(16000, 576);
  const want = await reference(model, at16k);

  const miss = await child(dir, cache, model, at16k, false);
  assert.is(miss.stdout.trim(), want, miss.stderr);
  const hit = await child(dir, cache, model, at16k, true);
  assert.is(hit.code, 0, hit.stderr);
  assert.is(hit.stdout.trim(), want);

  const at8k = await child(dir, cache, model, frame(8000, 288), true);
  assert.is.not(at8k.code, 0, 'another sr and frame are compiled at their first run');
  assert.match(at8k.stderr, /the compiler is hidden/);
}));

test('the facts key changes with each option the facts depend on, not with the plan or the workers', async () => {
  const model = cacheModel();
  const key = (settings: CompileSettings, source = 'model bytes') => factsKey(model, factsOptions(source, settings));
  const base = await key({});
  const changed = await Promise.all([
    key({}, 'other.onnx'), key({ batch: 2 }), key({ shapes: { X: [3, 1, 4] } }), key({ bind: { sr: 16000 } }), key({ freeDimensionOverrides: { n: 1 } }),
  ]);
  assert.is(new Set([base, ...changed]).size, changed.length + 1, 'every change gives a key of its own');
  assert.is(await key({ plan: { kUnroll: 1 }, workers: 2 }), base);
  assert.ok(base.startsWith(FACTS_PREFIX));
});

test.run();
