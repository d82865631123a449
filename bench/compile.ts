/**
 * How long compiling takes, against the targets: `compileModel` on LSTM 256/256 with the compiler
 * loaded, `rnnc compile examples/charlm/model.onnx -o DIR` as a whole process, and
 * (compiling, and with the model in the cache), `InferenceSession.create` of a model already in the artifact cache (in a warm process, and the
 * first create of a new one, for charlm and for Silero v5, which compiles at its first run). Medians of repeated runs after warm-up (11 compiles); a temporary
 * cache directory.
 *
 *   npm run bench:compile            (builds first)
 *   node dist/bench/compile.js [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHARLM = path.join(ROOT, 'examples', 'charlm', 'model.onnx');
const RNNC = path.join(ROOT, 'bin', 'rnnc.js');
const SILERO = path.join(ROOT, 'node_modules', '@ricky0123', 'vad-web', 'dist', 'silero_vad_v5.onnx');

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms`;

async function timed<T>(f: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

/** The first create of a cached model in a new process, as that process measures it. */
const CHILD = `
const t0 = performance.now();
const { InferenceSession } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'api', 'node.js'))});
const t1 = performance.now();
const s = await InferenceSession.create(process.argv[1], { cache: process.argv[2] });
const t2 = performance.now();
await s.release();
console.log(JSON.stringify({ importMs: t1 - t0, createMs: t2 - t1 }));
`;

/** The same for Silero v5, compiled at its first run (per frame size and sr): create, then that run. */
const SILERO_CHILD = `
const { InferenceSession, Tensor } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'api', 'node.js'))});
const t1 = performance.now();
const s = await InferenceSession.create(process.argv[1], { cache: process.argv[2] });
const t2 = performance.now();
await s.run({ input: new Tensor('float32', new Float32Array(576), [1, 576]), state: new Tensor('float32', new Float32Array(256), [2, 1, 128]), sr: new Tensor('int64', [16000n], []) });
const t3 = performance.now();
await s.release();
console.log(JSON.stringify({ createMs: t2 - t1, runMs: t3 - t2 }));
`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
  const runs = Math.max(1, Number(values.runs));
  console.log(`compile benchmark: Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x ${os.availableParallelism()}, ` +
    `load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; medians of ${runs}`);
  const rows: [string, number, number][] = [];

  const [importMs, c] = await timed(() => import('../compiler/index.js'));
  const lstm = c.cellModel(c.describeCell({ cell: 'lstm', inputSize: 256, hiddenSize: 256 }));
  // V8 tiers up rnnc's code and binaryen's wasm (TurboFan compiles it in the background: on a busy
  // machine the first ten compiles still run partly in Liftoff).
  const [firstMs] = await timed(() => c.compileModel(lstm));
  for (let i = 0; i < 10; i++) c.compileModel(lstm);
  const compiles: number[] = [];
  for (let i = 0; i < runs; i++) compiles.push((await timed(() => c.compileModel(lstm)))[0]);
  rows.push(['compileModel LSTM 256/256, compiler loaded', median(compiles), 100]);
  const full: number[] = [];
  const [binaryenMs] = await timed(() => c.loadBinaryen());
  for (let i = 0; i < 3; i++) full.push((await timed(() => c.compileModel(lstm, { optimize: 'full' })))[0]);

  const out = mkdtempSync(path.join(os.tmpdir(), 'rnnc-bench-compile-'));
  try {
    const whole: number[] = [];
    for (let i = 0; i < Math.min(runs, 5); i++) {
      whole.push((await timed(() => execFileSync(process.execPath, [RNNC, 'compile', CHARLM, '-o', path.join(out, 'art'), '--no-cache'], { stdio: 'ignore' })))[0]);
    }
    rows.push(['rnnc compile examples/charlm/model.onnx -o DIR, whole process', median(whole), 1000]);
    // The same through a cache that holds the model (the first run fills it).
    const cliCache = { ...process.env, RNNC_CACHE_DIR: path.join(out, 'cli-cache') };
    const hits: number[] = [];
    for (let i = 0; i <= Math.min(runs, 5); i++) {
      const [t] = await timed(() => execFileSync(process.execPath, [RNNC, 'compile', CHARLM, '-o', path.join(out, 'art')], { stdio: 'ignore', env: cliCache }));
      if (i > 0) hits.push(t);
    }
    rows.push(['  the same, the model in the cache', median(hits), 1000]);

    const cache = path.join(out, 'cache');
    const { InferenceSession } = await import('../api/node.js');
    const [coldMs, first] = await timed(() => InferenceSession.create(CHARLM, { cache }));
    await first.release();
    const creates: number[] = [];
    for (let i = 0; i < runs; i++) {
      const [t, s] = await timed(() => InferenceSession.create(CHARLM, { cache }));
      creates.push(t);
      await s.release();
    }
    rows.push(['InferenceSession.create of a cached model (charlm)', median(creates), 20]);
    const fresh = Array.from({ length: Math.min(runs, 5) }, () =>
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', CHILD, CHARLM, cache], { encoding: 'utf8' })) as { importMs: number; createMs: number });
    rows.push(['  the same, first create of a new process', median(fresh.map((f) => f.createMs)), 20]);
    // Silero: the first process compiles its first run into the cache; the next ones only read it.
    const silero = Array.from({ length: Math.min(runs, 5) + 1 }, () =>
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', SILERO_CHILD, SILERO, cache], { encoding: 'utf8' })) as { createMs: number; runMs: number }).slice(1);
    rows.push(['  Silero v5 (compiled at its first run), first create of a new process', median(silero.map((f) => f.createMs)), 20]);

    for (const [what, got, target] of rows) console.log(`${what.padEnd(72)} ${ms(got).padStart(8)}   target <= ${ms(target)}  ${got <= target ? 'met' : 'missed'}`);
    console.log(`\nalso: importing the compiler ${ms(importMs)}, binaryen (for optimize: 'full' only) ${ms(binaryenMs)}; the first compileModel after it ${ms(firstMs)}; compileModel LSTM 256/256 with optimize: 'full' ` +
      `(binaryen -O3) ${ms(median(full))}; charlm create compiling into an empty cache ${ms(coldMs)}; ` +
      `importing the API in a new process ${ms(median(fresh.map((f) => f.importMs)))}; Silero v5's first run in a new process, cached ${ms(median(silero.map((f) => f.runMs)))}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await main();
