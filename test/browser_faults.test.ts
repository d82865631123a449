/**
 * A compute worker that dies mid-call in a real Chromium page, while the page's main thread computes
 * its share (spin-only waits, it runs no event loop until the call ends): the supervisor worker
 * that started it hears it die and sets the abort cell, so the call rejects at once with an
 * EngineError naming the worker, far before timeoutMs (60 s); the session then recovers on a fresh
 * pool, as in Node, with the same outputs as one worker.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { describeCell } from '../compiler/cells/descriptor.js';
import { startServer, type Server } from '../cli/commands/serve.js';
import { ArtifactSession } from '../runtime/session.js';
import type { Tensor } from '../runtime/tensor.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from './chromium.js';
import { maxAbsDiff, modelFor } from './harness.js';
import { mulberry32, randomInputs } from './random.js';

/** The page: the runtime as `window.rnnc`. */
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as rnnc from '/rnnc/rnnc.js';
window.rnnc = rnnc;
</script>`;

/** Timesteps of the call a worker dies in (tens of ms or more on 2 workers). */
const LONG_SEQ = 10_000;
/** A test bound far below timeoutMs: a call still running then waits for the clock, not the death. */
const GIVE_UP_MS = 20_000;

interface Env { site: string; server: Server; browser: Browser; feeds: Record<string, Tensor>; reference: number[] }
let env: Promise<Env> | null = null;

/** The site (an LSTM 4/256 artifact with both modules), its server, Chromium, and the 1-worker outputs of a short call. */
function setup(): Promise<Env> {
  env ??= (async () => {
    requireChromium();
    const d = describeCell({ cell: 'lstm', inputSize: 4, hiddenSize: 256, maxBatch: 1 });
    const { model, feeds } = modelFor(d, randomInputs(mulberry32(18), d, 6, 1));
    const { artifact } = compileModel(model, { threads: true });
    const one = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
    const reference = Array.from((await one.run(feeds)).Y.data as Float32Array);
    await one.release();
    const site = await mkdtemp(path.join(os.tmpdir(), 'rnnc-faults-'));
    await writeFile(path.join(site, 'index.html'), PAGE);
    await writeArtifact(path.join(site, 'lstm'), artifact);
    const server = await startServer({ root: site, port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    return { site, server, browser, feeds, reference };
  })();
  return env;
}

async function open(e: Env): Promise<Page> {
  const page = await e.browser.newPage();
  await page.goto(e.server.url);
  await page.waitForFunction(() => (window as unknown as { rnnc?: unknown }).rnnc !== undefined);
  return page;
}

test.after(async () => {
  const e = await env?.catch(() => null);
  if (!e) return;
  await e.browser.close();
  await e.server.close();
  await rm(e.site, { recursive: true, force: true });
});

test('a worker killed mid-call while the main thread computes: EngineError naming it before timeoutMs; the session recovers', async () => {
  const e = await setup();
  const { feeds, reference } = e;
  const page = await open(e);
  const x = Array.from(feeds.in_X.data as Float32Array);
  const got = await page.evaluate(async ({ x, longSeq, giveUpMs }) => {
    const rnnc = (window as any).rnnc;
    const spawn = rnnc.spawnBrowserWorker('/rnnc/rnnc-worker.js');
    const handles: any[] = [];
    const spy = (init: unknown, events: unknown) => {
      const h = spawn(init, events);
      handles.push(h);
      return h;
    };
    const s = await rnnc.ArtifactSession.fromArtifact(await rnnc.fetchArtifact('/lstm/'), { workers: 2, cores: 2, spawn: spy, timeoutMs: 60_000 });
    const short = { in_X: new rnnc.Tensor('float32', Float32Array.from(x), [x.length / 4, 1, 4]) };
    await s.run(short); // the pool is up
    const long = { in_X: new rnnc.Tensor('float32', new Float32Array(longSeq * 4).fill(0.25), [longSeq, 1, 4]) };
    // Two long calls grow the memory and warm the code; the worker then dies an eighth into the next,
    // timed by the faster of them (a first call that was slow for the host's reasons put a kill at a
    // quarter of its time after the whole next call, into the one after it).
    let fullMs = Infinity, t0 = 0;
    for (let i = 0; i < 2; i++) {
      t0 = performance.now();
      await s.run(long);
      fullMs = Math.min(fullMs, performance.now() - t0);
    }
    const killAt = Math.max(5, fullMs / 8);
    handles[0].terminateUnexpectedly(killAt);
    t0 = performance.now();
    const outcome = await Promise.race([
      s.run(long).then(() => ({ resolved: true }), (e: Error) => ({ name: e.name, engine: e instanceof rnnc.EngineError, message: e.message })),
      new Promise((resolve) => setTimeout(() => resolve({ stillRunning: true }), giveUpMs)),
    ]);
    const ms = performance.now() - t0;
    const again = Array.from((await s.run(short)).Y.data as Float32Array);
    const spawned = handles.length;
    await s.release();
    return { outcome, ms, again, spawned, fullMs, killAt };
  }, { x, longSeq: LONG_SEQ, giveUpMs: GIVE_UP_MS });
  const o = got.outcome as { engine?: boolean; message?: string };
  assert.ok(o.engine, `the call rejects with an EngineError: ${JSON.stringify(o)}`);
  assert.match(o.message ?? '', /worker 1 stopped unexpectedly/);
  assert.match(o.message ?? '', /died during the call/);
  console.log(`  the call rejected ${got.ms.toFixed(0)} ms after it started; the worker was killed ${got.killAt.toFixed(0)} ms in (the whole call takes ${got.fullMs.toFixed(0)} ms; timeoutMs 60000)`);
  assert.is(got.spawned, 2, 'a fresh pool for the next call');
  assert.ok(maxAbsDiff(Float32Array.from(got.again), Float32Array.from(reference)) <= 1e-6, 'the next call on the fresh pool gives the 1-worker outputs');
  await page.close();
});

test('a worker script that does not load: the call rejects with an EngineError naming its URL', async () => {
  const e = await setup();
  const page = await open(e);
  const x = Array.from(e.feeds.in_X.data as Float32Array);
  const got = await page.evaluate(async ({ x, giveUpMs }) => {
    const rnnc = (window as any).rnnc;
    const s = await rnnc.InferenceSession.create('/lstm/', { workers: 2, workerUrl: '/missing/rnnc-worker.js', timeoutMs: 60_000 });
    const short = { in_X: new rnnc.Tensor('float32', Float32Array.from(x), [x.length / 4, 1, 4]) };
    return Promise.race([
      s.run(short).then(() => ({ resolved: true }), (err: Error) => ({ engine: err instanceof rnnc.EngineError, message: err.message })),
      new Promise((resolve) => setTimeout(() => resolve({ stillRunning: true }), giveUpMs)),
    ]);
  }, { x, giveUpMs: GIVE_UP_MS }) as { engine?: boolean; message?: string };
  assert.ok(got.engine, JSON.stringify(got));
  assert.match(got.message ?? '', '/missing/rnnc-worker.js');
  assert.match(got.message ?? '', 'did not load');
  await page.close();
});

test.run();
