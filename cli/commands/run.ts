/** `rnnc run MODEL_OR_ARTIFACT --input name=file.npy ...`: runs a model and prints or writes outputs. */
import { statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InferenceSession, Tensor, InputError } from '../../api/node.js';
import type { Manifest } from '../../contract/manifest.js';
import { readNpy, writeNpy } from '../../compiler/io/npy.js';
import { readTensorFile } from '../../compiler/onnx/tensor.js';
import { halfToFloat } from '../../runtime/tensor_data.js';
import { median, modelOptions, planOptions, withOutputDir, writing, type PlanFlags } from './common.js';

export interface RunFlags extends PlanFlags {
  input: string[];
  random?: boolean;
  seq: number;
  batch?: number;
  seed: number;
  outputDir?: string;
  time?: boolean;
  repeat?: number;
  warmup: number;
  workers?: number;
}

/** `name=path` pairs into tensors (.npy or a serialized TensorProto .pb). */
async function readInputs(specs: readonly string[]): Promise<Record<string, Tensor>> {
  const feeds: Record<string, Tensor> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new InputError(`--input expects name=file.npy, got '${spec}'`);
    const name = spec.slice(0, eq), file = spec.slice(eq + 1);
    if (feeds[name]) throw new InputError(`--input ${name} is given twice; give each input once`);
    const bytes = new Uint8Array(await readFile(file).catch(() => { throw new InputError(`--input ${name}: cannot read '${file}'`); }));
    const t = file.endsWith('.pb') ? readTensorFile(bytes, file) : readNpy(bytes, file);
    feeds[name] = new Tensor(t.dtype, t.data, t.dims);
  }
  return feeds;
}

/** Deterministic pseudo-random values in [-scale, scale). */
function randomData(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 * 2 - 1) * scale;
  }
  return out;
}

/** Random feeds for every input not given: `seq`/`batch` dims take --seq/--batch. */
function randomInputs(m: Manifest, given: Record<string, Tensor>, f: RunFlags): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  const fedWeights = new Set(m.fedWeights.flatMap((w) => [w.W, w.R, w.B, w.P]));
  m.inputs.forEach((inp, idx) => {
    if (given[inp.name]) return;
    const shape = inp.dims.map((d) => (d === 'seq' ? f.seq : d === 'batch' ? f.batch ?? 1 : d));
    const n = shape.reduce((p, d) => p * d, 1);
    const check = m.checks.find((c) => c.buffer === inp.buffer);
    if (inp.dtype === 'int32') {
      // Sequence lengths: the whole sequence; indices: spread over the table.
      const bound = !check ? 1 : check.bound === 'seq' ? f.seq : check.bound;
      const data = Int32Array.from(randomData(n, f.seed + idx, 1), (v) => (check?.bound === 'seq' ? f.seq : Math.floor(((v + 1) / 2) * bound)));
      feeds[inp.name] = new Tensor('int32', data, shape);
    } else {
      feeds[inp.name] = new Tensor('float32', randomData(n, f.seed + idx, fedWeights.has(inp.buffer) ? 0.1 : 1), shape);
    }
  });
  return feeds;
}

/** Whether the session has compiled its model (one with open input sizes compiles at its first run). */
function hasManifest(session: InferenceSession): boolean {
  try {
    return !!session.manifest;
  } catch {
    return false;
  }
}

/**
 * Random feeds from the model's declared inputs (a model that compiles at its first run): float
 * inputs of fixed sizes only; an open size or an integer input (a control value such as Silero's sr)
 * must be given with --input.
 */
function declaredRandomInputs(session: InferenceSession, given: Record<string, Tensor>, f: RunFlags): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  session.inputMetadata.forEach((meta, idx) => {
    if (given[meta.name] || !meta.isTensor) return;
    const dims = meta.shape;
    if (!dims.every((d): d is number => typeof d === 'number') || (meta.type !== 'float32' && meta.type !== 'float16')) {
      throw new InputError(`--random: input '${meta.name}' (${meta.type} [${dims.join(', ')}]) has open sizes or is a control value: give it with --input ${meta.name}=file.npy`);
    }
    feeds[meta.name] = new Tensor('float32', randomData(dims.reduce((p, d) => p * d, 1), f.seed + idx, 1), dims);
  });
  return feeds;
}

function summary(name: string, t: Tensor): string {
  let min = Infinity, max = -Infinity, sum = 0;
  // float16 tensors hold their bits: shown as the numbers they are.
  const values = t.type === 'float16' ? Array.from(t.data as Uint16Array, halfToFloat) : Array.from(t.data as ArrayLike<number | bigint>, Number);
  for (const v of values) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  const head = values.slice(0, 6).map((v) => v.toFixed(5)).join(', ');
  return `${name}: ${t.type} [${t.dims.join(', ')}]  min ${min.toFixed(5)}  max ${max.toFixed(5)}  mean ${(sum / t.size).toFixed(5)}\n  [${head}${t.size > 6 ? ', ...' : ''}]`;
}

export async function runCommand(model: string, f: RunFlags): Promise<void> {
  // Before the model is compiled and run: a file in the way of the output directory fails now (and
  // a directory made for it goes again if the run fails).
  await withOutputDir(f.outputDir, '--output-dir', () => runModel(model, f));
}

/** The CLI flag of each plan option (cli/commands/common.ts planOptions). */
const PLAN_FLAGS: Record<string, string> = {
  unitsPerBlock: '--units', rowsPerBlock: '--rows', kUnroll: '--k-unroll', kTree: '--no-k-tree', kFence: '--k-fence',
  alternateBlocks: '--[no-]alternate-blocks', inputProjection: '--input-projection', relaxedSimd: '--[no-]relaxed-simd',
};

async function runModel(model: string, f: RunFlags): Promise<void> {
  // An artifact is compiled already: flags that choose how to compile would be ignored, silently.
  if (statSync(model, { throwIfNoEntry: false })?.isDirectory()) {
    const flags = Object.entries(planOptions(f)).filter(([, v]) => v !== undefined).map(([k]) => PLAN_FLAGS[k] ?? k);
    if (f.shape?.length) flags.push('--shape');
    if (f.bind?.length) flags.push('--bind');
    if (flags.length) throw new InputError(`${flags.join(', ')}: ${model} is a compiled artifact; these flags choose how an .onnx model is compiled (rnnc compile them into an artifact, or run the .onnx)`);
  }
  const t0 = performance.now();
  const session = await InferenceSession.create(model, { batch: f.batch, workers: f.workers, plan: { ...planOptions(f) }, ...modelOptions(f) });
  const loadMs = performance.now() - t0;
  const given = await readInputs(f.input);
  const unknown = Object.keys(given).filter((n) => !session.inputNames.includes(n));
  if (unknown.length) throw new InputError(`--input ${unknown.map((n) => `'${n}'`).join(', ')}: not an input of this model; its inputs are ${session.inputNames.map((n) => `'${n}'`).join(', ')}`);
  // A model with open input sizes or control inputs compiles at its first run, for what it is fed:
  // its random feeds come from the sizes it declares.
  const compiled = hasManifest(session);
  const feeds = { ...given, ...(f.random ? (compiled ? randomInputs(session.manifest, given, f) : declaredRandomInputs(session, given, f)) : {}) };
  const missing = session.inputNames.filter((n) => !feeds[n]);
  if (missing.length) {
    throw new InputError(`missing input${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}: pass --input name=file.npy, or --random`);
  }
  const t1 = performance.now();
  const outputs = await session.run(feeds);
  const firstMs = performance.now() - t1;
  const m = session.manifest;
  console.log(`${model}: ${m.kernels.join(', ')}, loaded and compiled in ${loadMs.toFixed(1)} ms${compiled ? '' : ` (then compiled for the inputs fed and ran in ${firstMs.toFixed(1)} ms)`}`);
  for (const [name, t] of Object.entries(outputs)) console.log(summary(name, t));
  if (f.outputDir) {
    for (const [name, t] of Object.entries(outputs)) {
      const p = path.join(f.outputDir, `${name.replace(/[^\w.-]/g, '_')}.npy`);
      await writing('--output-dir', () => writeFile(p, writeNpy(t.dims, t.data as Float32Array, t.type === 'bool')));
      console.log(`wrote ${p}`);
    }
  }
  const repeat = f.repeat ?? (f.time ? 50 : 0);
  if (repeat > 0) {
    // Warm-up first: V8 runs new wasm in Liftoff, then tiers up to TurboFan.
    for (let i = 0; i < f.warmup; i++) await session.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const s = performance.now();
      await session.run(feeds);
      times.push(performance.now() - s);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    console.log(`time: median ${median(times).toFixed(3)} ms over ${repeat} runs after ${f.warmup} warm-up runs (p10 ${p(0.1).toFixed(3)}, p90 ${p(0.9).toFixed(3)} ms), ${session.workers} worker${session.workers > 1 ? 's' : ''}, node ${process.versions.node}`);
  }
  await session.release();
}
