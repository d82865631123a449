/**
 * Porting an onnxruntime-web page: test/port/ort_page.mjs runs in headless Chromium on
 * onnxruntime-web (its wasm build, served beside the page) and, with only its import changed, on
 * rnnc's browser build over the compiled artifact; both give the same names, types and dims, and
 * outputs within 1e-5; on 2 workers (env.wasm.numThreads) with the worker script found through
 * env.wasm.wasmPaths it gives the same outputs again. The page gets the model's URL from its query (the .onnx file for
 * onnxruntime-web, the artifact directory for rnnc).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { startServer } from '../cli/commands/serve.js';
import { REPO_ROOT } from './paths.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from './chromium.js';

const MODEL = path.join(REPO_ROOT, 'test', 'models', 'lstm_mix', 'model.onnx');
const ORT = path.join(REPO_ROOT, 'node_modules', 'onnxruntime-web', 'dist');
const FROM = "from 'onnxruntime-web'";

/** The page: an import map sends 'onnxruntime-web' to its wasm build; `script` is the page script. */
const html = (script: string) => `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "onnxruntime-web": "./ort/ort.wasm.min.mjs" } }</script>
<script type="module" src="./${script}"></script>`;

interface Result {
  error?: string;
  inputNames: string[];
  outputNames: string[];
  outputs: Record<string, { type: string; dims: number[]; size: number; data: number[] }>;
  fetched: string[];
}

test('an onnxruntime-web page runs on rnnc in Chromium with only the import changed', async () => {
  requireChromium();
  const site = await mkdtemp(path.join(os.tmpdir(), 'rnnc-port-'));
  const served: string[] = [];
  const server = await startServer({ root: site, port: 0, log: (_m, url, status) => served.push(`${status} ${url}`) });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  try {
    const script = await readFile(path.join(REPO_ROOT, 'test', 'port', 'ort_page.mjs'), 'utf8');
    assert.is(script.split(FROM).length, 2, 'the page imports onnxruntime-web once');
    await writeFile(path.join(site, 'original.mjs'), script);
    await writeFile(path.join(site, 'ported.mjs'), script.replace(FROM, "from './rnnc.js'"));
    await writeFile(path.join(site, 'original.html'), html('original.mjs'));
    await writeFile(path.join(site, 'ported.html'), html('ported.mjs'));
    await mkdir(path.join(site, 'ort'));
    for (const f of ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) await copyFile(path.join(ORT, f), path.join(site, 'ort', f));
    // The worker script only where env.wasm.wasmPaths points (the ported page runs on one worker, without it).
    await copyFile(path.join(REPO_ROOT, 'dist', 'browser', 'rnnc.js'), path.join(site, 'rnnc.js'));
    await mkdir(path.join(site, 'w'));
    await copyFile(path.join(REPO_ROOT, 'dist', 'browser', 'rnnc-worker.js'), path.join(site, 'w', 'rnnc-worker.js'));
    await writeFile(path.join(site, 'paths.mjs'), script.replace(FROM, "from './rnnc.js'").replace('ort.env.wasm.numThreads = 1;', "ort.env.wasm.numThreads = 2;\nort.env.wasm.wasmPaths = './w/';"));
    await writeFile(path.join(site, 'paths.html'), html('paths.mjs'));
    const bytes = new Uint8Array(await readFile(MODEL));
    await copyFile(MODEL, path.join(site, 'model.onnx'));
    await writeArtifact(path.join(site, 'model'), compileModel(bytes, { source: 'lstm_mix', threads: true }).artifact);
    const inPage = async (page: string, model: string): Promise<Result> => {
      const p = await browser.newPage();
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(e.message));
      await p.goto(`${server.url}${page}?model=${model}`);
      await p.waitForFunction(() => (window as unknown as { portResult?: unknown }).portResult !== undefined);
      const r = await p.evaluate(() => (window as unknown as { portResult: Promise<Result> }).portResult);
      await p.close();
      assert.not.ok(r.error ?? errors[0], `${page}: ${r.error ?? errors[0]}`);
      return r;
    };
    const want = await inPage('original.html', './model.onnx');
    const got = await inPage('ported.html', './model');
    const twoWorkers = await inPage('paths.html', './model');
    assert.equal(twoWorkers.outputs, got.outputs, 'on 2 workers, rnnc-worker.js found through env.wasm.wasmPaths');
    assert.ok(served.includes('200 /w/rnnc-worker.js'), `the workers were started from env.wasm.wasmPaths: ${served.join(', ')}`);
    assert.equal([got.inputNames, got.outputNames, got.fetched], [want.inputNames, want.outputNames, want.fetched]);
    for (const name of want.outputNames) {
      const [g, w] = [got.outputs[name], want.outputs[name]];
      assert.equal([g.type, g.dims, g.size], [w.type, w.dims, w.size], name);
      const worst = Math.max(...w.data.map((v, i) => Math.abs(v - g.data[i])));
      assert.ok(worst <= 1e-5, `${name}: max abs difference ${worst}`);
    }
  } finally {
    await browser.close();
    await server.close();
    await rm(site, { recursive: true, force: true });
  }
});

test.run();
