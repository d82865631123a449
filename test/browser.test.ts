/**
 * The browser runtime in a real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core): the demo page served by `rnnc serve` loads the compiled character LSTM, runs it
 * on 2 workers over shared memory when cross-origin isolated and on 1 worker (with a note and a
 * console warning) when not, and its streamed outputs equal Node's (max abs difference <= 1e-6).
 * The demo then generates text and a screenshot shows it. Without Chromium every test here fails
 * with a message saying how to install it; CI installs it (.ci/run).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { startServer, type Server } from '../cli/commands/serve.js';
import { InferenceSession, Tensor } from '../api/node.js';
import { REPO_ROOT } from './paths.js';
import { CHROMIUM, CHROMIUM_ARGS, demoStreamInNode, maxStepDiff, requireChromium } from './chromium.js';
import { colourStats, decodePng } from './png.js';

const DEMO = path.join(REPO_ROOT, 'demo');
const BUNDLE = path.join(REPO_ROOT, 'dist', 'browser');

/** What every test shares: the demo site (demo files + compiled artifact), both servers, the browser. */
interface Env {
  site: string;
  isolated: Server;
  plain: Server;
  browser: Browser;
  vocab: { chars: string[] };
  /** Token ids of the fixed input: a prompt step, then one token per step. */
  prompt: number[];
  steps: number[];
  /** Node's outputs for the same steps (flattened probs per step). */
  reference: number[][];
}

let env: Promise<Env> | null = null;

function setup(): Promise<Env> {
  env ??= (async () => {
    requireChromium();
    const site = await mkdtemp(path.join(os.tmpdir(), 'rnnc-demo-'));
    for (const f of ['index.html', 'main.js', 'vocab.json']) await copyFile(path.join(DEMO, f), path.join(site, f));
    // The page also loads the voice-activity view's script (idle until started; browser_vad tests it).
    await mkdir(path.join(site, 'vad'));
    await copyFile(path.join(DEMO, 'vad', 'view.js'), path.join(site, 'vad', 'view.js'));
    const { artifact } = compileModel(new Uint8Array(await readFile(path.join(DEMO, 'charlm.onnx'))), { source: 'demo/charlm.onnx', threads: true }); // both modules, as rnnc compile writes
    await writeArtifact(path.join(site, 'charlm'), artifact);
    const vocab = JSON.parse(await readFile(path.join(DEMO, 'vocab.json'), 'utf8')) as { chars: string[] };
    const ids = (s: string) => [...s].map((c) => vocab.chars.indexOf(c));
    const prompt = ids('the keeper of the light ');
    const steps = ids('was an old man who spoke to the sea as if it were a neighbour.');
    const reference = await demoStreamInNode(path.join(site, 'charlm'), prompt, steps);
    const [isolated, plain] = await Promise.all([
      startServer({ root: site, port: 0 }), startServer({ root: site, port: 0, isolation: false })]);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    return { site, isolated, plain, browser, vocab, prompt, steps, reference };
  })();
  return env;
}

/** Opens the demo and waits for its session; collects console warnings and page errors. */
async function open(e: Env, server: Server, query: string): Promise<{ page: Page; warnings: string[]; errors: string[] }> {
  const page = await e.browser.newPage({ viewport: { width: 1000, height: 900 } });
  const warnings: string[] = [], errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); else if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => (window as unknown as { demo?: unknown }).demo !== undefined);
  await page.evaluate(async () => { await (window as unknown as { demo: { ready: Promise<unknown> } }).demo.ready; });
  return { page, warnings, errors };
}

interface PageState { isolated: boolean; workers: number; note: string | null; error: string }

function state(page: Page): Promise<PageState> {
  return page.evaluate(async () => {
    const { session } = await (window as any).demo.ready;
    return { isolated: crossOriginIsolated, workers: session.workers, note: session.note, error: document.getElementById('error')!.textContent ?? '' };
  });
}

/** Streams the fixed steps in the page; returns each step's probs. */
function streamInPage(page: Page, prompt: number[], steps: number[]): Promise<number[][]> {
  return page.evaluate(async ({ prompt, steps }) => {
    const { rnnc, ready } = (window as any).demo;
    const { session } = await ready;
    const st = session.stream();
    const out = [Array.from((await st.step({ tokens: new rnnc.Tensor('int32', prompt, [prompt.length, 1]) })).probs.data as Float32Array)];
    for (const t of steps) out.push(Array.from((await st.step({ tokens: new rnnc.Tensor('int32', [t], [1, 1]) })).probs.data as Float32Array));
    return out;
  }, { prompt, steps });
}

/** Mean per-step latency over `n` one-token steps after `warm` untimed ones (TurboFan tier-up). */
function stepLatencyInPage(page: Page, n: number, warm: number): Promise<number> {
  return page.evaluate(async ({ n, warm }) => {
    const { rnnc, ready } = (window as any).demo;
    const { session } = await ready;
    const st = session.stream();
    const x = new rnnc.Tensor('int32', [3], [1, 1]);
    for (let i = 0; i < warm; i++) await st.step({ tokens: x });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await st.step({ tokens: x });
    return (performance.now() - t0) / n;
  }, { n, warm });
}

async function stepLatencyInNode(dir: string, workers: number, n: number, warm: number): Promise<number> {
  const s = await InferenceSession.create(dir, { workers });
  const st = s.stream();
  const x = new Tensor('int32', [3], [1, 1]);
  for (let i = 0; i < warm; i++) await st.step({ tokens: x });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await st.step({ tokens: x });
  const ms = (performance.now() - t0) / n;
  await s.release();
  return ms;
}

test.after(async () => {
  if (!env) return;
  const e = await env.catch(() => null);
  if (!e) return;
  await e.browser.close();
  await Promise.all([e.isolated.close(), e.plain.close()]);
  await rm(e.site, { recursive: true, force: true });
});

test('the browser bundle holds only the runtime: no Node built-ins, no binaryen, no wabt, small', async () => {
  const js = await readFile(path.join(BUNDLE, 'rnnc.js'), 'utf8');
  const worker = await readFile(path.join(BUNDLE, 'rnnc-worker.js'), 'utf8');
  for (const [name, text] of [['rnnc.js', js], ['rnnc-worker.js', worker]]) {
    for (const bad of ['"node:', "'node:", 'require(', 'binaryen', 'wabt', 'worker_threads']) {
      assert.not.ok(text.includes(bad), `${name} contains ${bad}`);
    }
  }
  // 48.3 KiB with the worker-count calibration and the supervisor worker, 50.2 with the calibration's
  // later checks and the fused flavour's loading, 53.2 with the page cache's bound and more of
  // onnxruntime's surface; a bound that catches the compiler slipping in (browser_onnx.test.ts
  // bounds the gzipped size at 20 KiB).
  const size = (await stat(path.join(BUNDLE, 'rnnc.js'))).size;
  assert.ok(size < 55 * 1024, `rnnc.js is ${size} bytes; keep it under 55 KiB`);
});

test('threads on: cross-origin isolated, 2 workers, streamed outputs equal Node\'s', async () => {
  const e = await setup();
  const { page, warnings, errors } = await open(e, e.isolated, '?workers=2');
  const s = await state(page);
  assert.ok(s.isolated, 'crossOriginIsolated');
  assert.is(s.workers, 2);
  assert.is(s.note, '2 workers, as asked');
  assert.is(s.error, '');
  assert.equal(warnings, []);
  const diff = maxStepDiff(await streamInPage(page, e.prompt, e.steps), e.reference);
  assert.ok(diff <= 1e-6, `max abs difference to Node ${diff}`);
  assert.equal(errors, []);
  await page.close();
});

test('threads off (no COOP/COEP): 1 worker, a note and a console warning naming the headers, same outputs', async () => {
  const e = await setup();
  const { page, warnings } = await open(e, e.plain, '?workers=2');
  const s = await state(page);
  assert.not.ok(s.isolated, 'crossOriginIsolated');
  assert.is(s.workers, 1);
  for (const h of ['Cross-Origin-Opener-Policy: same-origin', 'Cross-Origin-Embedder-Policy: require-corp']) {
    assert.ok(s.note?.includes(h), `note names ${h}: ${s.note}`);
    assert.ok(warnings.some((w) => w.includes(h)), `a console warning names ${h}: ${JSON.stringify(warnings)}`);
  }
  assert.match(await page.textContent('#threads') ?? '', 'off');
  const diff = maxStepDiff(await streamInPage(page, e.prompt, e.steps), e.reference);
  assert.ok(diff <= 1e-6, `max abs difference to Node ${diff}`);
  await page.close();
});

test('a missing artifact rejects with a ModelError naming the URL and the HTTP status', async () => {
  const e = await setup();
  const { page } = await open(e, e.isolated, '');
  const err = await page.evaluate(async () => {
    const { rnnc } = (window as any).demo;
    try {
      await rnnc.InferenceSession.create('./no-such-model');
      return null;
    } catch (x) {
      return { name: (x as Error).name, isModelError: x instanceof rnnc.ModelError, message: (x as Error).message };
    }
  });
  assert.ok(err?.isModelError, JSON.stringify(err));
  assert.match(err!.message, `${e.isolated.url}no-such-model/manifest.json`);
  assert.match(err!.message, 'HTTP 404');
  await page.close();
});

test('the demo generates text step by step and shows it (screenshot not blank)', async () => {
  const e = await setup();
  const { page, errors } = await open(e, e.isolated, '?workers=2&seed=7');
  await page.fill('#length', '200');
  await page.click('#generate');
  await page.waitForFunction(() => document.getElementById('latency')!.textContent!.includes('over 200 steps'));
  const text = await page.textContent('#output') ?? '';
  assert.is(text.length, 'the keeper '.length + 200);
  assert.match(await page.textContent('#threads') ?? '', 'on');
  assert.is(await page.textContent('#workers'), '2');
  const shot = decodePng(await page.screenshot());
  const blankPage = await e.browser.newPage({ viewport: { width: 1000, height: 900 } });
  await blankPage.goto('about:blank');
  const blank = colourStats(decodePng(await blankPage.screenshot()));
  await blankPage.close();
  const got = colourStats(shot);
  assert.is(blank.colours, 1, 'about:blank is one colour (the check itself works)');
  assert.ok(got.colours > 16 && got.foreground > 0.02, `screenshot looks blank: ${got.colours} colours, ${(got.foreground * 100).toFixed(1)}% foreground`);
  assert.equal(errors, []);
  await page.close();
});

test('per-step latency: Chromium (threads on and off) and Node, same artifact', async () => {
  const e = await setup();
  const n = 500, warm = 200;
  const on = await open(e, e.isolated, '?workers=2');
  const onMs = await stepLatencyInPage(on.page, n, warm);
  await on.page.close();
  const one = await open(e, e.isolated, '?workers=1');
  const oneMs = await stepLatencyInPage(one.page, n, warm);
  await one.page.close();
  const off = await open(e, e.plain, '');
  const offMs = await stepLatencyInPage(off.page, n, warm);
  await off.page.close();
  const dir = path.join(e.site, 'charlm');
  const node1 = await stepLatencyInNode(dir, 1, n, warm);
  const node2 = await stepLatencyInNode(dir, 2, n, warm);
  console.log(`  demo char LSTM (H=128), one-character streaming steps, mean of ${n} after ${warm} warm-up, ${os.cpus().length} cores ${os.cpus()[0]?.model ?? ''}:\n` +
    `  chromium ${e.browser.version()}: isolated 2 workers ${onMs.toFixed(4)} ms, isolated 1 worker ${oneMs.toFixed(4)} ms, not isolated (1 worker) ${offMs.toFixed(4)} ms\n` +
    `  node ${process.versions.node}: 1 worker ${node1.toFixed(4)} ms, 2 workers ${node2.toFixed(4)} ms`);
  for (const ms of [onMs, oneMs, offMs]) assert.ok(ms > 0 && ms < 50, `per-step latency ${ms} ms`);
});

test.run();
