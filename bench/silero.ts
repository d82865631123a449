/**
 * Silero VAD per 32 ms frame (512 samples at 16 kHz), as `@ricky0123/vad-web` runs it: rnnc on 1
 * worker (the ONNX file compiled in-process, `sr` bound by the first call) beside onnxruntime-web
 * (wasm SIMD, 1 thread) and native onnxruntime-node (1 thread). Every contestant first runs the same
 * frames from the same zero state, carrying its own state, and every frame's speech probability is
 * checked against onnxruntime-node's; then all are timed frame by frame in alternating rounds
 * (bench/timing.ts: warm-up first, so V8 runs TurboFan code; medians). Also the bytes a page downloads
 * to run the model: rnnc's browser runtime and the compiled artifact, against onnxruntime-web's wasm
 * and glue and the .onnx file (gzip level 9 where a server would compress).
 *
 *   node dist/bench/silero.js [--quick] [--models v5,v6,legacy] [--no-write | --out DIR | --update]
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { InferenceSession, Tensor } from '../api/node.js';
import { compileModel } from '../compiler/index.js';
import { writeArtifact } from '../compiler/module/artifact.js';
import { loadOrtNode, loadOrtWeb, type OrtModule } from './peers/ort.js';
import { FULL_TIMING, QUICK_TIMING, timeRoundRobin, type Timed } from './timing.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS = ['v5', 'v6', 'legacy'] as const;
type Model = (typeof MODELS)[number];
/** 512 new samples per frame at 16 kHz; v5 and v6 take 64 samples of the previous frame before them. */
const FRAME = 512, CONTEXT: Record<Model, number> = { v5: 64, v6: 64, legacy: 0 };
/** The issue's bar for the speech probability against onnxruntime-node. */
const MAX_DIFF = 1e-5;

export function sileroPath(m: Model): string {
  return path.join(path.dirname(createRequire(import.meta.url).resolve('@ricky0123/vad-web/package.json')), 'dist', `silero_vad_${m}.onnx`);
}

/** A second of voiced-like sound (a few harmonics, gliding pitch, syllable envelope), a pause, and so on: deterministic. */
export function testAudio(frames: number): Float32Array {
  const x = new Float32Array(frames * FRAME);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.01;
  for (let i = 0; i < x.length; i++) {
    const t = i / 16000;
    const voiced = Math.floor(t / 1.2) % 2 === 0;
    const f0 = 120 + 30 * Math.sin(2 * Math.PI * 0.7 * t);
    const env = voiced ? Math.max(0, Math.sin(2 * Math.PI * 4 * t)) : 0;
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    x[i] = 0.25 * env * v + noise();
  }
  return x;
}

/** The feeds of frame `f` of `audio` for model `m`, with the state tensors given. */
function frameInput(m: Model, audio: Float32Array, f: number): Float32Array {
  const ctx = CONTEXT[m];
  const out = new Float32Array(ctx + FRAME);
  const start = f * FRAME - ctx;
  for (let i = 0; i < out.length; i++) out[i] = start + i >= 0 ? audio[start + i] : 0;
  return out;
}

interface AnyTensor { readonly data: unknown; readonly dims: readonly number[] }
type MakeTensor = (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: number[]) => AnyTensor;
type RunFn = (feeds: Record<string, AnyTensor>) => Promise<Record<string, AnyTensor>>;

/** One contestant: runs frames in order, carrying the model's state between them. */
class FrameRunner implements Timed {
  private state: Record<string, AnyTensor> = {};
  private f = 0;
  constructor(readonly id: string, private readonly m: Model, private readonly audio: Float32Array, private readonly frames: number,
    private readonly tensor: MakeTensor, private readonly runFn: RunFn, readonly release: () => Promise<void>) {
    this.reset();
  }

  reset(): void {
    this.f = 0;
    this.state = this.m === 'legacy'
      ? { h: this.tensor('float32', new Float32Array(128), [2, 1, 64]), c: this.tensor('float32', new Float32Array(128), [2, 1, 64]) }
      : { state: this.tensor('float32', new Float32Array(256), [2, 1, 128]) };
  }

  /** The next frame's speech probability. */
  async next(): Promise<number> {
    const x = frameInput(this.m, this.audio, this.f);
    const out = await this.runFn({
      input: this.tensor('float32', x, [1, x.length]), sr: this.tensor('int64', BigInt64Array.of(16000n), [1]), ...this.state,
    });
    this.state = this.m === 'legacy' ? { h: out.hn, c: out.cn } : { state: out.stateN };
    this.f = (this.f + 1) % this.frames;
    return (out.output.data as Float32Array)[0];
  }

  async run(): Promise<void> {
    await this.next();
  }
}

async function ortRunner(id: string, ort: OrtModule, m: Model, audio: Float32Array, frames: number, web: boolean): Promise<FrameRunner> {
  const options = web ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }
    : { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  const session = await ort.InferenceSession.create(readFileSync(sileroPath(m)), options);
  const OrtTensor = ort.Tensor as unknown as new (type: string, data: unknown, dims: readonly number[]) => AnyTensor;
  return new FrameRunner(id, m, audio, frames, (t, d, dims) => new OrtTensor(t, d, dims),
    (feeds) => session.run(feeds as never) as unknown as Promise<Record<string, AnyTensor>>, () => session.release());
}

async function rnncRunner(m: Model, audio: Float32Array, frames: number): Promise<FrameRunner> {
  const session = await InferenceSession.create(sileroPath(m), { workers: 1 });
  return new FrameRunner('rnnc-1w', m, audio, frames, (t, d, dims) => new Tensor(t, d, dims),
    (feeds) => session.run(feeds as never), () => session.release());
}

export interface SileroRow {
  readonly model: Model;
  /** Median ms per frame, by contestant id; null where the contestant could not run the model. */
  readonly medianMs: Record<string, number | null>;
  readonly p90Ms: Record<string, number | null>;
  /** Largest |rnnc - onnxruntime-node| speech probability over the checked frames. */
  readonly maxDiff: number | null;
  readonly frames: number;
  readonly error: string | null;
}

async function benchModel(m: Model, quick: boolean, log: (l: string) => void): Promise<SileroRow> {
  const frames = quick ? 60 : 250;
  const audio = testAudio(frames);
  const runners: FrameRunner[] = [];
  const empty = { model: m, medianMs: {}, p90Ms: {}, maxDiff: null, frames };
  try {
    const node = await ortRunner('ort-node-1t', await loadOrtNode(), m, audio, frames, false);
    runners.push(node);
    runners.push(await ortRunner('ort-web-1t', await loadOrtWeb(1), m, audio, frames, true));
    let rnnc: FrameRunner;
    try {
      rnnc = await rnncRunner(m, audio, frames);
      await rnnc.next();
      rnnc.reset();
    } catch (e) {
      const error = `rnnc cannot run silero_vad_${m}: ${e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e)}`;
      log(`  ${error}`);
      return { ...empty, error };
    }
    runners.push(rnnc);
    // Every frame of the recording, every contestant, the same state path: probabilities checked first.
    let maxDiff = 0, webDiff = 0;
    for (let f = 0; f < frames; f++) {
      const want = await node.next();
      const [web, got] = [await runners[1].next(), await rnnc.next()];
      maxDiff = Math.max(maxDiff, Math.abs(got - want));
      webDiff = Math.max(webDiff, Math.abs(web - want));
    }
    if (!(maxDiff <= MAX_DIFF)) throw new Error(`silero_vad_${m}: rnnc's speech probability differs from onnxruntime-node's by ${maxDiff} (> ${MAX_DIFF})`);
    log(`  ${m}: ${frames} frames checked: max |rnnc - ort-node| ${maxDiff.toExponential(2)}, |ort-web - ort-node| ${webDiff.toExponential(2)}`);
    const times = await timeRoundRobin(runners, quick ? QUICK_TIMING : FULL_TIMING);
    const pick = (k: 'median' | 'p90') => Object.fromEntries(runners.map((r) => [r.id, times.get(r.id)![k]]));
    return { ...empty, medianMs: pick('median'), p90Ms: pick('p90'), maxDiff, error: null };
  } finally {
    for (const r of runners) await r.release();
  }
}

export interface DownloadSizes {
  /** rnnc browser runtime (rnnc.js + worker script) and the v5 artifact, gzipped where a server would. */
  readonly rnnc: { runtime: number; artifact: number; total: number };
  /** onnxruntime-web's wasm and its JS glue (gzipped), and the .onnx model. */
  readonly ortWeb: { runtime: number; model: number; total: number };
  /** The .onnx file itself. */
  readonly onnx: number;
}

const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;

/** What a page running Silero v5 downloads, each way. */
export async function downloadSizes(): Promise<DownloadSizes> {
  const onnxPath = sileroPath('v5');
  const onnx = readFileSync(onnxPath);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnc-silero-'));
  try {
    const { artifact } = compileModel(onnx, { source: 'silero_vad_v5.onnx', bind: { sr: 16000 }, shapes: { input: [1, CONTEXT.v5 + FRAME] }, threads: false });
    await writeArtifact(dir, artifact);
    const artifactBytes = readdirSync(dir).reduce((sum, f) => sum + gz(readFileSync(path.join(dir, f))), 0);
    const browser = path.join(ROOT, 'dist', 'browser');
    const runtime = ['rnnc.js', 'rnnc-worker.js'].reduce((sum, f) => sum + (existsSync(path.join(browser, f)) ? gz(readFileSync(path.join(browser, f))) : 0), 0);
    const ortDist = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
    // The single-thread SIMD build a page loads by default, and the ES module glue that loads it.
    const ortRuntime = ['ort-wasm-simd-threaded.wasm', 'ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs']
      .filter((f) => existsSync(path.join(ortDist, f))).reduce((sum, f) => sum + gz(readFileSync(path.join(ortDist, f))), 0);
    return {
      rnnc: { runtime, artifact: artifactBytes, total: runtime + artifactBytes },
      ortWeb: { runtime: ortRuntime, model: onnx.length, total: ortRuntime + onnx.length },
      onnx: onnx.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (v: number | null | undefined) => (v == null ? 'n/a' : v.toFixed(3));

/** The rows as a markdown table, with the targets of the Silero issue judged. */
export function sileroMarkdown(rows: readonly SileroRow[], sizes: DownloadSizes, meta: string): string {
  const lines = [
    `### Silero VAD, per 32 ms frame (1 thread each)`, '', meta, '',
    '| model | rnnc 1 worker | onnxruntime-web 1 thread | onnxruntime-node 1 thread | rnnc vs web | rnnc vs node | max abs diff vs node |',
    '|---|---|---|---|---|---|---|',
  ];
  const ratios: number[] = [];
  let nodeOk = true;
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.model} | ${r.error} | | | | | |`);
      continue;
    }
    const [a, w, n] = [r.medianMs['rnnc-1w'], r.medianMs['ort-web-1t'], r.medianMs['ort-node-1t']];
    const vsWeb = w! / a!, vsNode = n! / a!;
    ratios.push(vsWeb);
    nodeOk &&= vsNode >= 1;
    lines.push(`| ${r.model} | ${ms(a)} ms | ${ms(w)} ms | ${ms(n)} ms | ${vsWeb.toFixed(2)}x | ${vsNode.toFixed(2)}x | ${r.maxDiff!.toExponential(1)} |`);
  }
  const geo = ratios.length ? Math.exp(ratios.reduce((s, x) => s + Math.log(x), 0) / ratios.length) : NaN;
  lines.push('', `Geomean rnnc vs onnxruntime-web 1 thread: ${geo.toFixed(2)}x over ${ratios.length} model(s) (target >= 4x: ${geo >= 4 ? 'holds' : 'does not hold'}); ` +
    `at or below onnxruntime-node's latency: ${ratios.length ? (nodeOk ? 'holds' : 'does not hold') : 'not run'}.`);
  lines.push('', `Download for a page running Silero v5: rnnc runtime ${kb(sizes.rnnc.runtime)} + artifact ${kb(sizes.rnnc.artifact)} = ${kb(sizes.rnnc.total)} ` +
    `(${(sizes.rnnc.total / sizes.onnx).toFixed(2)}x the ${kb(sizes.onnx)} .onnx file; target <= 1.1x: ${sizes.rnnc.total <= 1.1 * sizes.onnx ? 'holds' : 'does not hold'}); ` +
    `onnxruntime-web ${kb(sizes.ortWeb.runtime)} + model ${kb(sizes.ortWeb.model)} = ${kb(sizes.ortWeb.total)} (gzip -9 for JS and wasm, the .onnx as is).`);
  return lines.join('\n') + '\n';
}

/** Runs the Silero rows; returns them as markdown (and writes it unless outDir is null). */
export async function runSilero(o: { quick?: boolean; models?: readonly Model[]; outDir?: string | null; log?: (l: string) => void } = {}): Promise<string> {
  const log = o.log ?? ((l: string) => console.log(l));
  const models = o.models ?? MODELS;
  log(`silero: ${models.join(', ')}; node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const rows: SileroRow[] = [];
  for (const m of models) {
    const r = await benchModel(m, !!o.quick, log);
    if (!r.error) log(`  ${m}: ${Object.entries(r.medianMs).map(([id, v]) => `${id} ${ms(v)} ms`).join(', ')}`);
    rows.push(r);
  }
  const meta = `${new Date().toISOString()}, node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ` +
    `median ms per frame after warm-up, contestants alternating (\`node dist/bench/silero.js${o.quick ? ' --quick' : ''}\`).`;
  const md = sileroMarkdown(rows, await downloadSizes(), meta);
  log(md);
  if (o.outDir) {
    mkdirSync(o.outDir, { recursive: true });
    const file = path.join(o.outDir, `silero-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    writeFileSync(file, md);
    log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  return md;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false }, models: { type: 'string' }, 'no-write': { type: 'boolean', default: false },
      out: { type: 'string' }, update: { type: 'boolean', default: false },
    },
  });
  const models = values.models?.split(',').map((s) => s.trim()) as Model[] | undefined;
  const bad = models?.filter((m) => !MODELS.includes(m));
  if (bad?.length) throw new Error(`--models: unknown ${bad.join(', ')}; expected some of ${MODELS.join(', ')}`);
  // Like bench/run.ts: a new folder under bench/results/runs/, the committed bench/results/ with --update.
  const results = path.join(ROOT, 'bench', 'results');
  const outDir = values.out ?? (values.update ? results : path.join(results, 'runs', new Date().toISOString().replace(/[:.]/g, '-')));
  await runSilero({ quick: values.quick, models, outDir: values['no-write'] ? null : outDir });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(() => process.exit(0), (e: unknown) => {
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  });
}
