/**
 * `.onnx` in a real headless Chromium: a page hands the browser runtime the demo's ONNX model (by URL
 * and as bytes); the compiler bundle (rnnc-compiler.js) compiles it in a worker, the artifact is kept
 * in the Cache API, and a second create loads it from there. Streamed outputs equal Node's session on
 * the same model. A page that loads an artifact never fetches the compiler; a damaged cache entry is
 * compiled again. Without Chromium every test here fails with a message saying how to install it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { startServer, type Server } from '../cli/commands/serve.js';
import { REPO_ROOT } from './paths.js';
import { CHROMIUM, CHROMIUM_ARGS, demoStreamInNode, maxStepDiff, requireChromium } from './chromium.js';

const MODEL = path.join(REPO_ROOT, 'demo', 'charlm.onnx');
const BUNDLE = path.join(REPO_ROOT, 'dist', 'browser');
/** Token ids fed as one prompt step, then one step per id. */
const PROMPT = [5, 9, 2, 14, 3];
const STEPS = [7, 1, 12, 4];

/** The page: the runtime as `window.rnnc`, and `window.streamed(session)` giving each step's probs. */
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as rnnc from '/rnnc/rnnc.js';
window.streamed = async (session) => {
  const st = session.stream();
  const out = [Array.from((await st.step({ tokens: new rnnc.Tensor('int32', ${JSON.stringify(PROMPT)}, [${PROMPT.length}, 1]) })).probs.data)];
  for (const t of ${JSON.stringify(STEPS)}) out.push(Array.from((await st.step({ tokens: new rnnc.Tensor('int32', [t], [1, 1]) })).probs.data));
  return out;
};
window.rnnc = rnnc;
</script>`;

interface Env { site: string; server: Server; browser: Browser; reference: number[][] }
let env: Promise<Env> | null = null;

function setup(): Promise<Env> {
  env ??= (async () => {
    requireChromium();
    const site = await mkdtemp(path.join(os.tmpdir(), 'rnnc-onnx-'));
    await writeFile(path.join(site, 'index.html'), PAGE);
    await copyFile(MODEL, path.join(site, 'charlm.onnx'));
    const { artifact } = compileModel(new Uint8Array(await readFile(MODEL)), { source: 'demo/charlm.onnx' });
    await writeArtifact(path.join(site, 'charlm'), artifact);
    // Both flavours, as rnnc compile --also-fused writes them (the plain manifest naming the fused one's key).
    const fused = compileModel(new Uint8Array(await readFile(MODEL)), { source: 'demo/charlm.onnx', relaxedSimd: true }).artifact;
    await writeArtifact(path.join(site, 'charlm-both'), { ...artifact, manifest: { ...artifact.manifest, fused: 'fused', fusedKey: fused.manifest.key } });
    await writeArtifact(path.join(site, 'charlm-both', 'fused'), fused);
    const reference = await demoStreamInNode(MODEL, PROMPT, STEPS);
    const server = await startServer({ root: site, port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    return { site, server, browser, reference };
  })();
  return env;
}

/** A fresh page (its own browser context, so its own empty cache), with the URLs it requested. */
async function open(e: Env): Promise<{ page: Page; requests: string[]; warnings: string[] }> {
  const context = await e.browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [], warnings: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.goto(e.server.url);
  await page.waitForFunction(() => (window as any).rnnc !== undefined);
  return { page, requests, warnings };
}

interface Created { fromCache: boolean | null; ms: number; createMs: number; out: number[][]; kernels: string[]; engineRelaxed: boolean }

/** Creates a session in the page from `how` (a URL, or 'bytes' for the model's bytes), streams, releases. */
function createIn(page: Page, how: string, options: Record<string, unknown> = {}): Promise<Created> {
  return page.evaluate(async ({ how, options }) => {
    const w = window as any;
    const model = how === 'bytes' ? await (await fetch('charlm.onnx')).arrayBuffer() : how;
    const t0 = performance.now();
    const session = await w.rnnc.InferenceSession.create(model, { workers: 1, ...options });
    const createMs = performance.now() - t0;
    const out = await w.streamed(session);
    const kernels = session.manifest.kernels;
    await session.release();
    const engineRelaxed = WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
      253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 133, 2, 11]));
    return { fromCache: session.compiled?.fromCache ?? null, ms: session.compiled?.ms ?? 0, createMs, out, kernels, engineRelaxed };
  }, { how, options });
}

test('an .onnx URL compiles in a worker, a second create loads from the cache, bytes too; outputs equal Node', async () => {
  const e = await setup();
  const { page, requests } = await open(e);
  const first = await createIn(page, 'charlm.onnx');
  const second = await createIn(page, './charlm.onnx');
  const bytes = await createIn(page, 'bytes');
  const uncached = await createIn(page, 'bytes', { cache: false });
  assert.is(first.fromCache, false, 'the first create compiles');
  assert.is(second.fromCache, true, 'the second create loads the cached artifact');
  assert.is(bytes.fromCache, true, 'the same bytes share the URL\'s cache entry');
  assert.is(uncached.fromCache, false, 'cache: false compiles');
  for (const [name, r] of Object.entries({ first, second, bytes, uncached })) {
    assert.ok(maxStepDiff(r.out, e.reference) <= 1e-6, `${name}: outputs differ from Node's by ${maxStepDiff(r.out, e.reference)}`);
  }
  // Compiled for the page's engine: fused multiply-adds where it has relaxed SIMD (Chromium >= 114).
  assert.ok(first.engineRelaxed, 'this Chromium has relaxed SIMD');
  assert.ok(first.kernels.length > 0 && first.kernels.every((k) => k.includes('__wasmrelaxedsimd_')), `kernels: ${first.kernels.join(', ')}`);
  const plain = await createIn(page, 'bytes', { cache: false, relaxedSimd: false });
  assert.ok(plain.kernels.every((k) => k.includes('__wasmsimd_')), `relaxedSimd: false: ${plain.kernels.join(', ')}`);
  assert.ok(maxStepDiff(plain.out, e.reference) <= 1e-6, 'relaxedSimd: false gives Node\'s outputs');
  assert.is(requests.filter((u) => u.endsWith('/rnnc/rnnc-compiler.js')).length >= 1, true, 'the compiler bundle was loaded');
  const f = (r: Created) => `create ${r.createMs.toFixed(0)} ms (artifact ${r.ms.toFixed(0)} ms)`;
  console.log(`  charlm.onnx in Chromium: compiled ${f(first)}; cached ${f(second)}; bytes cached ${f(bytes)}; bytes compiled ${f(uncached)}`);
  await page.context().close();
});

test('an artifact directory loads without fetching the compiler; with both flavours the fused one', async () => {
  const e = await setup();
  const { page, requests } = await open(e);
  const r = await createIn(page, 'charlm');
  assert.is(r.fromCache, null, 'an artifact session was not compiled in the page');
  assert.ok(maxStepDiff(r.out, e.reference) <= 1e-6, 'outputs equal Node\'s');
  assert.is(requests.some((u) => u.includes('rnnc-compiler')), false, `requests: ${requests.join(', ')}`);
  assert.ok(r.kernels.every((k) => k.includes('__wasmsimd_')), `a plain artifact: ${r.kernels.join(', ')}`);
  // With both flavours, this Chromium (relaxed SIMD) takes the fused one.
  const both = await createIn(page, 'charlm-both');
  assert.ok(both.kernels.length > 0 && both.kernels.every((k) => k.includes('__wasmrelaxedsimd_')), `both flavours: ${both.kernels.join(', ')}`);
  assert.ok(maxStepDiff(both.out, e.reference) <= 1e-6, 'the fused flavour\'s outputs equal Node\'s');
  assert.ok(requests.some((u) => u.endsWith('/charlm-both/fused/model.wasm')), 'the fused module was fetched');
  assert.not.ok(requests.some((u) => u.endsWith('/charlm-both/model.wasm')), 'the plain module was not');
  await page.context().close();
});

test('a damaged cache entry is rejected by the runtime\'s checks and compiled again', async () => {
  const e = await setup();
  const { page, warnings } = await open(e);
  assert.is((await createIn(page, 'charlm.onnx')).fromCache, false);
  const damaged = await page.evaluate(async () => {
    const cache = await caches.open('rnnc-artifacts');
    const key = (await cache.keys()).find((r) => r.url.endsWith('/image'))!;
    const image = new Uint8Array(await (await cache.match(key))!.arrayBuffer());
    image[image.length >> 1] ^= 0xff;
    await cache.put(key, new Response(image));
    return key.url;
  });
  const again = await createIn(page, 'charlm.onnx');
  assert.is(again.fromCache, false, `${damaged}: a damaged entry is compiled again`);
  assert.ok(maxStepDiff(again.out, e.reference) <= 1e-6, 'outputs of the recompiled artifact equal Node\'s');
  assert.ok(warnings.some((w) => /cached artifact .* is damaged .*digest/.test(w)), `warnings: ${warnings.join(' | ')}`);
  assert.is((await createIn(page, 'charlm.onnx')).fromCache, true, 'the rebuilt entry is cached');
  await page.context().close();
});

test('the page cache is bounded: past cacheMaxBytes the least recently used entries go, an earlier build\'s at once', async () => {
  const e = await setup();
  const { page } = await open(e);
  /** The cache's entries (keys) with their last use and bytes, and the files of each. */
  const entries = () => page.evaluate(async () => {
    const cache = await caches.open('rnnc-artifacts');
    const out: Record<string, { used: number; bytes: number; files: number }> = {};
    for (const r of await cache.keys()) {
      const key = r.url.split('/').at(-2)!;
      out[key] ??= { used: 0, bytes: 0, files: 0 };
      out[key].files++;
      if (r.url.endsWith('/manifest.json')) {
        const h = (await cache.match(r))!.headers;
        out[key] = { ...out[key], used: Number(h.get('x-rnnc-used')), bytes: Number(h.get('x-rnnc-bytes')) };
      }
    }
    return out;
  });
  const keyOf = async (how: string, options: Record<string, unknown>) => page.evaluate(async ({ how, options }) => {
    const s = await (window as any).rnnc.InferenceSession.create(how, { workers: 1, ...options });
    await s.release();
    return { key: s.compiled.key as string, fromCache: s.compiled.fromCache as boolean };
  }, { how, options });
  /** Rewrites an entry's manifest with `headers` (none: as an earlier build stored it). */
  const rewriteManifest = (key: string, headers: Record<string, string>) => page.evaluate(async ({ key, headers }) => {
    const cache = await caches.open('rnnc-artifacts');
    const url = new URL(`/rnnc-artifact-cache/${key}/manifest.json`, location.href).href;
    await cache.put(url, new Response(await (await cache.match(url))!.text(), { headers }));
  }, { key, headers });
  // An entry an earlier build wrote (a manifest without headers), files being written now (no
  // manifest yet, a fresh time) and files a closed tab left mid-store (no manifest, no time).
  await page.evaluate(async () => {
    const cache = await caches.open('rnnc-artifacts');
    const at = (key: string, file: string) => new URL(`/rnnc-artifact-cache/${key}/${file}`, location.href).href;
    await cache.put(at('0123456789abcdef', 'manifest.json'), new Response('{}'));
    await cache.put(at('0123456789abcdef', 'wasm'), new Response(new Uint8Array(64)));
    await cache.put(at('fedcba9876543210', 'wasm'), new Response(new Uint8Array(64), { headers: { 'x-rnnc-written': String(Date.now()) } }));
    await cache.put(at('aaaaaaaaaaaaaaaa', 'image'), new Response(new Uint8Array(64)));
  });
  const WRITING = 'fedcba9876543210';
  const a = await keyOf('charlm.onnx', {});
  let now = await entries();
  assert.is(a.fromCache, false);
  assert.is(now['0123456789abcdef'], undefined, 'an earlier build\'s entry is dropped at the first store');
  assert.is(now.aaaaaaaaaaaaaaaa, undefined, 'files a closed tab left are dropped');
  assert.is(now[WRITING]?.files, 1, 'files being written are left alone');
  const one = now[a.key].bytes;
  assert.ok(one > 100_000 && now[a.key].files === 3, `entry ${a.key}: ${JSON.stringify(now[a.key])}`);
  // A hit on an entry an earlier build stored gives it its headers (its true bytes).
  await rewriteManifest(a.key, {});
  assert.is((await keyOf('charlm.onnx', {})).fromCache, true);
  await page.waitForFunction(async (key) => {
    const m = await (await caches.open('rnnc-artifacts')).match(new URL(`/rnnc-artifact-cache/${key}/manifest.json`, location.href).href);
    return Number(m?.headers.get('x-rnnc-used')) > 0;
  }, a.key);
  now = await entries();
  assert.is(now[a.key].bytes, one, 'the hit wrote the entry\'s bytes');
  // Room for two entries: a second (another batch: another key) stays beside the first.
  const bound = Math.floor(2.5 * one);
  const b = await keyOf('charlm.onnx', { batch: 2, cacheMaxBytes: bound });
  assert.is.not(b.key, a.key);
  assert.equal(Object.keys(await entries()).filter((k) => k !== WRITING).sort(), [a.key, b.key].sort());
  // A hit on the first marks it used: a third entry evicts the second, the least recently used.
  const before = (await entries())[a.key].used;
  await new Promise((r) => setTimeout(r, 5));
  assert.is((await keyOf('charlm.onnx', { cacheMaxBytes: bound })).fromCache, true);
  await page.waitForFunction(async ([key, before]) => {
    const m = await (await caches.open('rnnc-artifacts')).match(new URL(`/rnnc-artifact-cache/${key}/manifest.json`, location.href).href);
    return Number(m?.headers.get('x-rnnc-used')) > before;
  }, [a.key, before] as const);
  const c = await keyOf('charlm.onnx', { batch: 3, cacheMaxBytes: bound });
  now = await entries();
  assert.equal(Object.keys(now).filter((k) => k !== WRITING).sort(), [a.key, c.key].sort(), `entries: ${JSON.stringify(now)}`);
  assert.is((await keyOf('charlm.onnx', { batch: 2, cacheMaxBytes: bound })).fromCache, false, 'the evicted entry compiles again');
  // A bound below one entry keeps nothing; a bad bound is an InputError naming the option.
  await keyOf('charlm.onnx', { batch: 4, cacheMaxBytes: 0 });
  assert.equal(Object.keys(await entries()), [WRITING]);
  const err = await page.evaluate(() => (window as any).rnnc.InferenceSession.create('charlm.onnx', { cacheMaxBytes: '1 MB' }).then(() => 'no error', (x: Error) => `${x.name}: ${x.message}`));
  assert.match(err, /^InputError: session option cacheMaxBytes must be a number of bytes >= 0, got/);
  await page.context().close();
});

test('a cache that fails loses nothing: a refused store leaves no files and a failed read compiles; both sessions run', async () => {
  const e = await setup();
  const { page, warnings } = await open(e);
  // The image's store is refused (as a full cache refuses it): the session runs, no file of the entry stays.
  const refused = await page.evaluate(async () => {
    const put = Cache.prototype.put;
    Cache.prototype.put = function (req: RequestInfo | URL, res: Response) {
      return String(req instanceof Request ? req.url : req).endsWith('/image') ? Promise.reject(new DOMException('quota exceeded', 'QuotaExceededError')) : put.call(this, req, res);
    };
    try {
      const s = await (window as any).rnnc.InferenceSession.create('charlm.onnx', { workers: 1 });
      const out = await (window as any).streamed(s);
      await s.release();
      return { out, files: (await (await caches.open('rnnc-artifacts')).keys()).map((r) => r.url) };
    } finally {
      Cache.prototype.put = put;
    }
  });
  assert.ok(maxStepDiff(refused.out, e.reference) <= 1e-6, 'the session of a refused store runs');
  assert.equal(refused.files, [], 'no file of the refused entry stays');
  assert.ok(warnings.some((w) => /cannot cache the compiled artifact \(quota exceeded\)/.test(w)), `warnings: ${warnings.join(' | ')}`);
  // Stored now; then every read fails: a miss, compiled again.
  assert.is((await createIn(page, 'charlm.onnx')).fromCache, false);
  const failedRead = await page.evaluate(async () => {
    const match = Cache.prototype.match;
    Cache.prototype.match = () => Promise.reject(new DOMException('the cache is gone', 'UnknownError'));
    try {
      const s = await (window as any).rnnc.InferenceSession.create('charlm.onnx', { workers: 1 });
      const out = await (window as any).streamed(s);
      await s.release();
      return { out, fromCache: s.compiled.fromCache };
    } finally {
      Cache.prototype.match = match;
    }
  });
  assert.is(failedRead.fromCache, false, 'a failed read is a miss');
  assert.ok(maxStepDiff(failedRead.out, e.reference) <= 1e-6, 'the session of a failed read runs');
  await page.context().close();
});

test('import ort from rnnc.js: the default export holds the named ones, as onnxruntime-web\'s does', async () => {
  const e = await setup();
  const { page } = await open(e);
  const same = await page.evaluate(async () => {
    const m = await import('/rnnc/rnnc.js' as string);
    const w = (window as any).rnnc;
    return ['InferenceSession', 'Tensor', 'env', 'InputError'].map((k) => [k, m.default[k] !== undefined && m.default[k] === w[k]]);
  });
  assert.equal(same, [['InferenceSession', true], ['Tensor', true], ['env', true], ['InputError', true]]);
  await page.context().close();
});

test('a missing model and bytes that are not ONNX are ModelErrors naming them', async () => {
  const e = await setup();
  const { page } = await open(e);
  const errs = await page.evaluate(async () => {
    const { InferenceSession } = (window as any).rnnc;
    const fail = (p: Promise<unknown>) => p.then(() => 'no error', (err: Error) => `${err.name}: ${err.message}`);
    return [await fail(InferenceSession.create('missing.onnx')), await fail(InferenceSession.create(new Uint8Array([1, 2, 3, 4, 5])))];
  });
  assert.match(errs[0], /^ModelError: http:\/\/.*\/missing\.onnx: cannot fetch the ONNX model \(HTTP 404/);
  assert.match(errs[1], /^ModelError: model bytes/);
  await page.context().close();
});

test('sizes: the runtime stays small; the compiler is a separate download', async () => {
  const gz = async (f: string) => gzipSync(await readFile(path.join(BUNDLE, f)), { level: 9 }).byteLength;
  const runtime = await gz('rnnc.js'), compiler = await gz('rnnc-compiler.js');
  console.log(`  gzipped: rnnc.js ${(runtime / 1024).toFixed(1)} KiB + rnnc-worker.js ${((await gz('rnnc-worker.js')) / 1024).toFixed(1)} KiB; ` +
    `rnnc-compiler.js ${(compiler / 1024).toFixed(0)} KiB (${((await stat(path.join(BUNDLE, 'rnnc-compiler.js'))).size / 1048576).toFixed(1)} MiB raw)`);
  // 19.5 KiB with the artifact checks, onnxruntime's API surface (its default export, provider
  // fallback and four-argument create among it), the ONNX path's loader and its bounded cache; a
  // bound that catches the compiler (or binaryen) slipping in.
  assert.ok(runtime < 20 * 1024, `rnnc.js is ${runtime} bytes gzipped; keep it under 20 KiB`);
  const js = await readFile(path.join(BUNDLE, 'rnnc.js'), 'utf8');
  assert.is(js.includes('binaryen'), false, 'rnnc.js does not bundle the compiler');
});

test.after(async () => {
  if (!env) return;
  const e = await env.catch(() => null);
  if (!e) return;
  await e.browser.close();
  await e.server.close();
  await rm(e.site, { recursive: true, force: true });
});

test.run();
