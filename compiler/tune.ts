/**
 * The auto-tuner: measures plan variants of one cell on the running engine and keeps the best per
 * descriptor key and engine fingerprint in a tuning file that `rnnc compile` reads. The search is
 * pruned the way DeepCPU pruned its own: register blocks whose accumulators cannot fit the 16 xmm
 * registers V8 has on x64 are never built, the recurrent block is chosen first (it dominates per
 * step), then the input-projection tile, then the worker count.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { gateCount, type CellDescriptor, descriptorKey } from './descriptor.js';
import type { PlanOptions } from './plan.js';
import type { RnnModel } from './model.js';
import { compileRnnModel } from './artifact.js';
import { ArtifactSession } from '../runtime/session.js';
import { Tensor } from '../runtime/tensor.js';
import { detectFeatures } from '../runtime/features.js';
import type { Spawn } from '../runtime/pool.js';
import { ModelError } from '../runtime/errors.js';

export interface TuningEntry {
  readonly key: string;
  readonly engine: string;
  readonly plan: PlanOptions;
  readonly workers: number;
  /** Median ms per inference of the best variant and of the untuned default, at `seq`/`batch`. */
  readonly ms: number;
  readonly defaultMs: number;
  readonly seq: number;
  readonly batch: number;
  readonly date: string;
}

export interface TuningFile {
  readonly format: 'rnnc-tuning';
  readonly version: 1;
  readonly entries: TuningEntry[];
}

/** Names the engine and machine a measurement holds for. */
export function engineFingerprint(): string {
  return `node${process.versions.node}-v8-${process.versions.v8}-${os.cpus()[0]?.model ?? 'cpu'}-${os.availableParallelism()}c`;
}

export async function readTuning(path: string): Promise<TuningFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { format: 'rnnc-tuning', version: 1, entries: [] };
  }
  const f = JSON.parse(text) as TuningFile;
  if (f.format !== 'rnnc-tuning') throw new ModelError(`${path}: not an rnnc tuning file`);
  return f;
}

export async function writeTuning(path: string, f: TuningFile): Promise<void> {
  await writeFile(path, JSON.stringify(f, null, 2) + '\n');
}

/** The tuned plan of a descriptor on this engine, if the file has one. */
export function tunedEntry(f: TuningFile, d: CellDescriptor, engine = engineFingerprint()): TuningEntry | undefined {
  const key = descriptorKey(d);
  return f.entries.find((e) => e.key === key && e.engine === engine);
}

export interface TuneOptions {
  readonly seq: number;
  readonly batch: number;
  /** Largest worker count to try (1: no multi-worker variants). */
  readonly maxWorkers: number;
  readonly spawn?: Spawn;
  /** Warm-up time per variant before timing (V8 tiers wasm up from Liftoff to TurboFan); default 150 ms. */
  readonly warmupMs?: number;
  /** Timed runs per variant (median taken); default 15. */
  readonly runs?: number;
  /** Called after each measured variant. */
  readonly onProgress?: (done: number, total: number, label: string, ms: number) => void;
}

const ACC_LIMIT = 12;

/** Measures variants of `d`; returns the tuning entry of the best. */
export async function tuneCell(d: CellDescriptor, o: TuneOptions): Promise<TuningEntry> {
  const model = syntheticModel(d);
  const x = new Tensor('float32', Float32Array.from({ length: o.seq * o.batch * d.inputSize }, (_, i) => Math.sin(i)), d.layout === 0 ? [o.seq, o.batch, d.inputSize] : [o.batch, o.seq, d.inputSize]);
  const G = gateCount(d.cell);
  const widest = d.cell === 'gru' && !d.linearBeforeReset ? 2 : G;
  const rows = [1, 2, 3, 4].filter((r) => r <= d.maxBatch && r <= o.batch);
  const stage1: PlanOptions[] = [];
  for (const unitsPerBlock of [4, 8, 16]) {
    if (unitsPerBlock > Math.max(4, 2 * Math.ceil(d.hiddenSize / 4) * 4)) continue;
    for (const rowsPerBlock of rows) {
      if ((widest * unitsPerBlock * rowsPerBlock) / 4 > ACC_LIMIT) continue; // would spill
      for (const kUnroll of [1, 2, 4]) {
        stage1.push({ unitsPerBlock, rowsPerBlock, kUnroll, ...(kUnroll > 1 ? { kTree: true } : {}) });
        if (kUnroll > 1) stage1.push({ unitsPerBlock, rowsPerBlock, kUnroll, kTree: false });
      }
    }
  }
  const stage2: PlanOptions[] = [];
  for (const gemmRows of [2, 3, 4, 6]) for (const gemmWidth of [4, 8, 12]) for (const gemmKUnroll of [1, 2]) {
    if ((gemmRows * gemmWidth) / 4 > ACC_LIMIT) continue;
    stage2.push({ gemmRows, gemmWidth, gemmKUnroll });
  }
  const workers = Array.from({ length: Math.max(1, o.maxWorkers) }, (_, i) => i + 1);
  const relaxed = detectFeatures().relaxedSimd;
  const total = 1 + stage1.length + stage2.length + (workers.length - 1) + (relaxed ? 1 : 0);
  let done = 0;
  const measure = async (plan: PlanOptions, w: number, label: string) => {
    const { artifact } = compileRnnModel(model, { ...plan, threads: w > 1 });
    const s = await ArtifactSession.fromArtifact(artifact, { workers: w, spawn: o.spawn });
    try {
      const feeds = { X: x };
      const deadline = performance.now() + (o.warmupMs ?? 150);
      for (let i = 0; i < 5 || performance.now() < deadline; i++) await s.run(feeds); // TurboFan tier-up
      const ts: number[] = [];
      for (let i = 0; i < (o.runs ?? 15); i++) {
        const t0 = performance.now();
        await s.run(feeds);
        ts.push(performance.now() - t0);
      }
      ts.sort((a, b) => a - b);
      const ms = ts[Math.floor(ts.length / 2)];
      o.onProgress?.(++done, total, label, ms);
      return ms;
    } finally {
      await s.release();
    }
  };
  const fmt = (p: PlanOptions) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
  const defaultMs = await measure({}, 1, 'default plan');
  let best: PlanOptions = {}, bestMs = defaultMs, bestWorkers = 1;
  for (const p of stage1) {
    const ms = await measure(p, 1, fmt(p));
    if (ms < bestMs) { best = p; bestMs = ms; }
  }
  const recurrent = best;
  for (const p of stage2) {
    const q = { ...recurrent, ...p };
    const ms = await measure(q, 1, fmt(q));
    if (ms < bestMs) { best = q; bestMs = ms; }
  }
  if (relaxed) {
    const q = { ...best, relaxedSimd: true };
    const ms = await measure(q, 1, fmt(q));
    if (ms < bestMs) { best = q; bestMs = ms; }
  }
  for (const w of workers.slice(1)) {
    const ms = await measure(best, w, `${fmt(best)} workers=${w}`);
    if (ms < bestMs * 0.95) { bestMs = ms; bestWorkers = w; }
  }
  return { key: descriptorKey(d), engine: engineFingerprint(), plan: best, workers: bestWorkers, ms: bestMs, defaultMs, seq: o.seq, batch: o.batch, date: new Date().toISOString() };
}

/** A one-node model of `d` with fixed pseudo-random weights (timing does not depend on values). */
function syntheticModel(d: CellDescriptor): RnnModel {
  const G = gateCount(d.cell), H = d.hiddenSize, I = d.inputSize, D = d.direction === 'bidirectional' ? 2 : 1;
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * scale);
  return {
    nodeName: 'tune', opset: 14, descriptor: d,
    feeds: [{ name: 'X', role: 'X', dtype: 'float32', dims: d.layout === 0 ? ['seq', 'batch', I] : ['batch', 'seq', I] }],
    constants: {
      W: { dims: [D, G * H, I], data: fill(D * G * H * I, 1 / Math.sqrt(I)) },
      R: { dims: [D, G * H, H], data: fill(D * G * H * H, 1 / Math.sqrt(H)) },
      B: { dims: [D, 2 * G * H], data: fill(D * 2 * G * H, 0.1) },
    },
    outputs: [{ name: 'Y_h', role: 'Y_h' }],
  };
}
