/**
 * rnnc against onnxruntime-web in a real page: headless Chromium (as test/chromium.ts launches it),
 * a cross-origin isolated page served by `rnnc serve`'s server, rnnc's browser bundle under /rnnc/
 * and onnxruntime-web's wasm build under /ort/ (two instances of it, one per thread count: it fixes
 * its threads once per instance). Rows: the demo model's one-token step, an LSTM 80/256 streaming
 * step (the `lstm_stream` shape) and a seq-64 call of the same LSTM; contestants rnnc with default
 * options on the artifact `rnnc compile` wrote and on the `.onnx` file (compiled in the page for its
 * engine, as an onnxruntime-web user would pass it), rnnc on 1 and on 2 workers (the artifact),
 * onnxruntime-web on 1 and 2 threads. Each contestant warms up
 * (TurboFan tier-up, and rnnc's default settling its worker count), then rounds alternate between
 * contestants in a seeded random order, 10 ms apart; a round's time is its mean per call, a row's
 * the median of its rounds. The first call's outputs (from the zero state) are compared between rnnc and
 * onnxruntime-web; a difference above 1e-3 fails the run.
 *
 *   npm run bench:browser            (node dist/bench/browser.js; RNNC_CHROMIUM picks another Chromium)
 *                                    writes bench/results/runs/<date>/browser.md; -- --update writes
 *                                    bench/results/browser.md, -- --no-write nothing
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { startServer } from '../cli/commands/serve.js';
import { makeCase } from './cases.js';
import { caseData, onnxModel } from './models.js';
import { installPage, type RowSpec } from './browser_page.js';

/** Chromium as the browser suites run it (test/chromium.ts; the benchmarks do not import the tests). */
const CHROMIUM = process.env.RNNC_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--no-first-run',
  '--disable-component-update', '--disable-sync', '--disable-quic'];

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAX_DIFF = 1e-3;
export const CONTESTANTS = ['rnnc default', 'rnnc .onnx', 'rnnc 1 worker', 'rnnc 2 workers', 'ort-web 1 thread', 'ort-web 2 threads'] as const;

/**
 * Calls per round, warm-up calls and rounds by row: short calls get more of each. Every warm-up
 * outlasts the default session's first worker-count rounds (runtime/calibrate.ts: settled after
 * call 288); its later checks (from calls 352, 512, 800) fall in the timed rounds, as in a page's
 * use, and their calls on the caller alone count in the default's medians.
 */
const TIMING: Record<string, { warm: number; calls: number; rounds: number }> = {
  step: { warm: 300, calls: 40, rounds: 21 },
  seq: { warm: 300, calls: 8, rounds: 15 },
};

/** The page: both runtimes as globals; the rows' code arrives through page.evaluate (browser_page.ts). */
const PAGE = `<!doctype html><meta charset="utf-8"><title>rnnc bench</title><script type="module">
import * as rnnc from '/rnnc/rnnc.js';
const ort1 = await import('/ort/ort.wasm.min.mjs?instance=1');
const ort2 = await import('/ort/ort.wasm.min.mjs?instance=2');
for (const [ort, n] of [[ort1, 1], [ort2, 2]]) { ort.env.logLevel = 'error'; ort.env.wasm.numThreads = n; ort.env.wasm.wasmPaths = '/ort/'; }
window.runtimes = { rnnc, ort: { 1: ort1, 2: ort2 } };
</script>`;

async function site(): Promise<{ dir: string; rows: RowSpec[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rnnc-bench-browser-'));
  await writeFile(path.join(dir, 'index.html'), PAGE);
  const ortDist = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  await mkdir(path.join(dir, 'ort'));
  for (const f of ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) await copyFile(path.join(ortDist, f), path.join(dir, 'ort', f));
  const charlm = new Uint8Array(await readFile(path.join(ROOT, 'demo', 'charlm.onnx')));
  // The lstm_stream shape: input 80, hidden 256, states in and out so onnxruntime can stream too.
  const c = makeCase('step', 'lstm', 80, 256, 1, 1, false);
  const lstm = onnxModel(c, caseData(c).weights, { state: true });
  for (const [name, bytes] of [['charlm', charlm], ['lstm80', lstm]] as const) {
    // Both modules, as `rnnc compile` writes them.
    const { artifact } = compileModel(bytes, { source: name, threads: true });
    await writeArtifact(path.join(dir, name), artifact);
    await writeFile(path.join(dir, `${name}.onnx`), bytes);
  }
  const rows: RowSpec[] = [
    { label: 'demo char LSTM one-token step', model: 'charlm', kind: 'token', seq: 1, input: 0, hidden: 0 },
    { label: 'LSTM 80/256 streaming step', model: 'lstm80', kind: 'step', seq: 1, input: 80, hidden: 256 },
    { label: 'LSTM 80/256 seq 64 call', model: 'lstm80', kind: 'seq', seq: 64, input: 80, hidden: 256 },
  ];
  return { dir, rows };
}

export interface RowResult { label: string; ms: Record<string, number>; notes: Record<string, string | null>; workers: Record<string, number>; kernels: Record<string, string>; diff: number }

async function measureRow(page: Page, row: RowSpec): Promise<RowResult> {
  const t = TIMING[row.kind === 'seq' ? 'seq' : 'step'];
  const setup = await page.evaluate(installPage, { row, contestants: [...CONTESTANTS], warm: t.warm });
  if (!(setup.diff <= MAX_DIFF)) throw new Error(`${row.label}: rnnc and onnxruntime-web differ by ${setup.diff} (> ${MAX_DIFF})`);
  const rounds: Record<string, number[]> = Object.fromEntries(CONTESTANTS.map((k) => [k, []]));
  for (let r = 0; r < t.rounds; r++) {
    const order = shuffled(CONTESTANTS, r + 1);
    const ms = await page.evaluate(async ({ order, calls }) => {
      const bench = (window as unknown as { bench: { call: Record<string, () => Promise<unknown>> } }).bench;
      const out: Record<string, number> = {};
      for (const id of order) {
        // A pause first: the previous contestant's threads may poll on for a while after its calls.
        await new Promise((resolve) => setTimeout(resolve, 10));
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) await bench.call[id]();
        out[id] = (performance.now() - t0) / calls;
      }
      return out;
    }, { order, calls: t.calls });
    for (const k of CONTESTANTS) rounds[k].push(ms[k]);
  }
  const after = await page.evaluate(() => (window as unknown as { bench: { describe(): { notes: Record<string, string | null>; workers: Record<string, number>; kernels: Record<string, string> } } }).bench.describe());
  await page.evaluate(() => (window as unknown as { bench: { release(): Promise<void> } }).bench.release());
  return { label: row.label, ms: Object.fromEntries(CONTESTANTS.map((k) => [k, median(rounds[k])])), notes: after.notes, workers: after.workers, kernels: after.kernels, diff: setup.diff };
}

/**
 * The contestants in a seeded random order: a rotation would keep every contestant behind the same
 * one, and one behind onnxruntime-web on 2 threads ran 10-20% slower than its twin (its threads
 * poll on after a run).
 */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let x = seed * 2654435761 >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The markdown table: medians, then rnnc default against onnxruntime-web's best thread count and against rnnc on 1 worker. */
export function table(rows: readonly RowResult[]): string {
  const head = `| row | ${CONTESTANTS.join(' | ')} | default vs ort-web best | default vs rnnc 1 worker | default ran on | .onnx vs ort-web best |`;
  const rule = `|---|${CONTESTANTS.map(() => '---:').join('|')}|---:|---:|---:|---:|`;
  const lines = rows.map((r) => {
    const best = Math.min(r.ms['ort-web 1 thread'], r.ms['ort-web 2 threads']);
    const d = r.ms['rnnc default'];
    return `| ${r.label} | ${CONTESTANTS.map((k) => r.ms[k].toFixed(3)).join(' | ')} | ${(best / d).toFixed(2)}x | ${(r.ms['rnnc 1 worker'] / d).toFixed(2)}x | ${r.workers['rnnc default']} worker(s) | ${(best / r.ms['rnnc .onnx']).toFixed(2)}x |`;
  });
  return [head, rule, ...lines].join('\n');
}

/** The report bench/results[/runs/<date>]/browser.md: the run's lines and its table. */
export function browserMarkdown(lines: readonly string[]): string {
  return ['<!-- written by `npm run bench:browser` (bench/browser.ts); edits are overwritten -->', '', '```', ...lines.filter((l) => !l.startsWith('|') && l !== ''), '```', '', ...lines.filter((l) => l.startsWith('|')), ''].join('\n');
}

export async function runBrowserBench(log: (line: string) => void = console.log): Promise<RowResult[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`bench:browser needs Chromium at ${CHROMIUM} (set RNNC_CHROMIUM to use another): apt-get install -y chromium`);
  const { dir, rows } = await site();
  const server = await startServer({ root: dir, port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => (window as unknown as { runtimes?: unknown }).runtimes !== undefined, null, { timeout: 30_000 }).catch(() => {
      throw new Error(`the bench page did not load: ${errors.join('; ') || 'no error reported'}`);
    });
    const env = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    if (!env.isolated) throw new Error('the bench page is not cross-origin isolated: rnnc and onnxruntime-web would run without threads');
    log(`Chromium ${browser.version()}, isolated page, navigator.hardwareConcurrency ${env.cores}; ${os.cpus()[0]?.model ?? ''}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    log('medians of rounds (mean ms per call), after warm-up; contestants alternate in a seeded random order, 10 ms apart');
    const results: RowResult[] = [];
    for (const row of rows) {
      const r = await measureRow(page, row);
      results.push(r);
      log(`  ${r.label}: ${CONTESTANTS.map((k) => `${k} ${r.ms[k].toFixed(3)}`).join(', ')}; max |rnnc - ort-web| ${r.diff.toExponential(1)}`);
      log(`    rnnc default: ${r.workers['rnnc default']} worker(s), note: ${r.notes['rnnc default']}`);
      log(`    rnnc .onnx: ${r.workers['rnnc .onnx']} worker(s), kernels ${r.kernels['rnnc .onnx']}, note: ${r.notes['rnnc .onnx']}`);
    }
    log('');
    log(table(results));
    return results;
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the rows, printing as it goes, and writes their browser.md into `dir` (null: nowhere); returns its path. */
export async function browserBench(dir: string | null): Promise<string | null> {
  const lines: string[] = [];
  await runBrowserBench((l) => { console.log(l); lines.push(l); });
  if (dir === null) return null;
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'browser.md');
  await writeFile(file, browserMarkdown(lines));
  return file;
}

/** browser.md into bench/results with --update, nowhere with --no-write, else a new bench/results/runs/<date>/. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { update: { type: 'boolean', default: false }, 'no-write': { type: 'boolean', default: false } } });
  const results = path.join(ROOT, 'bench', 'results');
  const file = await browserBench(values['no-write'] ? null : values.update ? results : path.join(results, 'runs', new Date().toISOString().replace(/[:.]/g, '-')));
  if (file) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
