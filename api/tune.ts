/**
 * The auto-tuner: measures plan variants of one cell on the running engine and keeps the best per
 * descriptor key and engine fingerprint in a tuning file that `rnnc compile` reads. The search is
 * pruned the way DeepCPU pruned its own: register blocks whose accumulators cannot fit the 16 xmm
 * registers V8 has on x64 are never built, the recurrent block is chosen first (it dominates per
 * step), then the input-projection tile, the block order, the projection per step (only where a call
 * has at most one GEMM tile of rows), plain SIMD where sessions fuse (relaxed SIMD), then the worker count.
 *
 * Every variant is timed in alternation with the default plan (a block of one, a block of the
 * other, repeated), and ranked by the ratio of the two medians: load that comes and goes on a shared
 * machine then slows both alike, where timing variants one after another ranked that load.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { type CellDescriptor, descriptorKey } from '../compiler/cells/descriptor.js';
import { cellSpec } from '../compiler/cells/index.js';
import { decideCell, type PlanOptions } from '../compiler/plan/cell.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel } from '../compiler/index.js';
import { ArtifactSession } from '../runtime/session.js';
import { Tensor } from '../runtime/tensor.js';
import { detectFeatures, engineRelaxedSimd } from '../runtime/features.js';
import type { Spawn } from '../runtime/pool.js';
import { InputError, ModelError } from '../contract/errors.js';
import { MAX_WORKERS } from '../contract/control.js';

export interface TuningEntry {
  readonly key: string;
  readonly engine: string;
  readonly plan: PlanOptions;
  readonly workers: number;
  /**
   * Median ms per inference at `seq`/`batch`: the best variant (with its workers), the best plan on
   * one worker, and the untuned default plan on one worker (each variant was timed against it).
   */
  readonly ms: number;
  readonly planMs?: number;
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

/**
 * The tuning file at `path`, checked: JSON of `rnnc tune`'s form, each entry's plan an object and
 * its workers a count. A missing file is empty when `missingIsEmpty` (`rnnc tune` starts one), else
 * an InputError (`rnnc compile --tuning` would otherwise compile untuned without a word).
 */
export async function readTuning(path: string, missingIsEmpty = false): Promise<TuningFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && missingIsEmpty) return { format: 'rnnc-tuning', version: 1, entries: [] };
    throw new InputError(`--tuning ${path}: cannot read the tuning file (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code === 'ENOTDIR' ? 'a file is in the way of its directory' : code ?? (e as Error).message})`);
  }
  let f: TuningFile;
  try {
    f = JSON.parse(text) as TuningFile;
  } catch (e) {
    throw new ModelError(`${path}: not an rnnc tuning file (not JSON: ${(e as Error).message})`);
  }
  if (f?.format !== 'rnnc-tuning') throw new ModelError(`${path}: not an rnnc tuning file (no "format": "rnnc-tuning")`);
  if (!Array.isArray(f.entries)) throw new ModelError(`${path}: "entries" must be a list of tuned plans`);
  f.entries.forEach((e, i) => {
    const bad = !e || typeof e !== 'object' ? 'not an object' : typeof e.key !== 'string' ? '"key" is not a string'
      : typeof e.engine !== 'string' ? '"engine" is not a string' : !e.plan || typeof e.plan !== 'object' || Array.isArray(e.plan) ? '"plan" is not an object'
        : !(Number.isInteger(e.workers) && e.workers >= 1 && e.workers <= MAX_WORKERS) ? `"workers" is not a count in 1..${MAX_WORKERS}` : null;
    if (bad) throw new ModelError(`${path}: entry ${i}: ${bad}`);
  });
  return f;
}

export async function writeTuning(path: string, f: TuningFile): Promise<void> {
  await writeFile(path, JSON.stringify(f, null, 2) + '\n');
}

/** The tuned plan of a descriptor on this engine, if the file has one. */
export function tunedEntry(f: TuningFile, d: CellDescriptor, engine = engineFingerprint()): TuningEntry | undefined {
  const key = descriptorKey(d);
  const e = f.entries.find((x) => x.key === key && x.engine === engine);
  // A plan tuned before k-loop fences or alternating block order existed was measured without them;
  // the tuner now names both (and its streams) in every plan it stores but the default ({}: whatever
  // the planner chooses). A plan without streams gets the planner's: they measured faster wherever it
  // gives them, and entries stored while only R beyond twice L2 was streamed were measured with them.
  if (!e || Object.keys(e.plan).length === 0) return e;
  return { ...e, plan: { ...e.plan, kFence: e.plan.kFence ?? 0, alternateBlocks: e.plan.alternateBlocks ?? false } };
}

export interface TuneOptions {
  readonly seq: number;
  readonly batch: number;
  /** Largest worker count to try (1: no multi-worker variants). */
  readonly maxWorkers: number;
  readonly spawn?: Spawn;
  /** Warm-up time per variant before timing (V8 tiers wasm up from Liftoff to TurboFan); default 150 ms. */
  readonly warmupMs?: number;
  /** Rounds per variant, each a block of the variant and a block of the default plan; default 9. */
  readonly rounds?: number;
  /** Called after each measured variant. */
  readonly onProgress?: (done: number, total: number, label: string, ms: number) => void;
}

const ACC_LIMIT = 12;

/**
 * Stage 1, the recurrent register block and k schedule: units x rows within the 16 xmm registers
 * V8 has on x64, k unrolled 1, 2, 4 (summed as a tree or not), fenced in halves or wholes.
 */
function recurrentVariants(d: CellDescriptor, batch: number): PlanOptions[] {
  const widest = Math.max(...cellSpec(d.cell).phases(d).map((p) => p.gates.length));
  const rows = [1, 2, 3, 4].filter((r) => r <= d.maxBatch && r <= batch);
  const out: PlanOptions[] = [];
  for (const unitsPerBlock of [4, 8, 16]) {
    if (unitsPerBlock > Math.max(4, 2 * Math.ceil(d.hiddenSize / 4) * 4)) continue;
    for (const rowsPerBlock of rows) {
      const acc = (widest * unitsPerBlock * rowsPerBlock) / 4;
      if (acc > ACC_LIMIT) continue; // would spill
      for (const kUnroll of [1, 2, 4]) {
        out.push({ unitsPerBlock, rowsPerBlock, kUnroll, kFence: 0, ...(kUnroll > 1 ? { kTree: true } : {}) });
        if (kUnroll > 1) out.push({ unitsPerBlock, rowsPerBlock, kUnroll, kTree: false, kFence: 0 });
        // Fenced groups of half or all of the accumulators (plan/cell.ts), where a fence falls inside an iteration.
        for (const kFence of new Set([Math.ceil(acc / 2), acc])) if (acc >= 6 && kFence < acc * kUnroll) out.push({ unitsPerBlock, rowsPerBlock, kUnroll, kFence });
      }
    }
  }
  return out;
}

/** Stage 2, the input projection's GEMM tile. */
function tileVariants(): PlanOptions[] {
  const out: PlanOptions[] = [];
  for (const gemmRows of [2, 3, 4, 6]) for (const gemmWidth of [4, 8, 12]) for (const gemmKUnroll of [1, 2]) {
    if ((gemmRows * gemmWidth) / 4 <= ACC_LIMIT) out.push({ gemmRows, gemmWidth, gemmKUnroll });
  }
  return out;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Times plan variants of one cell against its default plan in alternating blocks (a block of the
 * variant, a block of the default, repeated): load that comes and goes slows both alike.
 */
class Yardstick {
  private readonly baseTimes: number[] = [];
  private done = 0;
  private constructor(private readonly model: Uint8Array, private readonly feeds: Record<string, Tensor>, private readonly o: TuneOptions,
    private readonly total: number, private readonly base: ArtifactSession, private readonly reps: number) {}

  static async start(model: Uint8Array, feeds: Record<string, Tensor>, o: TuneOptions, total: number): Promise<Yardstick> {
    const base = await Yardstick.open(model, feeds, o, {}, 1);
    const y = new Yardstick(model, feeds, o, total, base.s, Math.max(1, Math.round(10 / base.perRunMs))); // blocks of about 10 ms
    for (let i = 0; i < (o.rounds ?? 9); i++) y.baseTimes.push(await y.block(base.s));
    return y;
  }

  /** A session of the variant, warmed up past V8's tier-up. */
  private static async open(model: Uint8Array, feeds: Record<string, Tensor>, o: TuneOptions, plan: PlanOptions, w: number) {
    // As a session compiles on this engine: fused multiply-adds where it has them, unless the plan says.
    const { artifact } = compileModel(model, { ...plan, relaxedSimd: engineRelaxedSimd(plan.relaxedSimd), threads: w > 1 });
    const s = await ArtifactSession.fromArtifact(artifact, { workers: w, spawn: o.spawn });
    const deadline = performance.now() + (o.warmupMs ?? 150);
    let runs = 0;
    const t0 = performance.now();
    for (; runs < 5 || performance.now() < deadline; runs++) await s.run(feeds); // TurboFan tier-up
    return { s, perRunMs: (performance.now() - t0) / runs };
  }

  private async block(s: ArtifactSession): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < this.reps; i++) await s.run(this.feeds);
    return (performance.now() - t0) / this.reps;
  }

  /** The variant's median over the default's, measured in alternating blocks. */
  async measure(plan: PlanOptions, w: number, label: string): Promise<number> {
    const { s } = await Yardstick.open(this.model, this.feeds, this.o, plan, w);
    try {
      const mine: number[] = [], theirs: number[] = [];
      for (let i = 0; i < (this.o.rounds ?? 9); i++) {
        mine.push(await this.block(s));
        theirs.push(await this.block(this.base));
      }
      this.baseTimes.push(...theirs);
      const ratio = median(mine) / median(theirs);
      this.o.onProgress?.(++this.done, this.total, label, ratio * this.baseMs);
      return ratio;
    } finally {
      await s.release();
    }
  }

  /** The default plan's median ms per inference over every block timed so far. */
  get baseMs(): number {
    return median(this.baseTimes);
  }

  release(): Promise<void> {
    return this.base.release();
  }
}

/**
 * Feeds for the one-node model of `d` (cellModel's input names): X of `seq` steps and `batch` rows,
 * every sequence of the full length, zero initial states.
 */
function cellFeeds(d: CellDescriptor, seq: number, batch: number): Record<string, Tensor> {
  const D = d.direction === 'bidirectional' ? 2 : 1, H = d.hiddenSize;
  const state = d.layout === 0 ? [D, batch, H] : [batch, D, H];
  const feeds: Record<string, Tensor> = {
    X: new Tensor('float32', Float32Array.from({ length: seq * batch * d.inputSize }, (_, i) => Math.sin(i)), d.layout === 0 ? [seq, batch, d.inputSize] : [batch, seq, d.inputSize]),
  };
  if (d.hasSequenceLens) feeds.sequence_lens = new Tensor('int32', new Int32Array(batch).fill(seq), [batch]);
  if (d.hasInitialH) feeds.initial_h = new Tensor('float32', new Float32Array(D * batch * H), state);
  if (d.hasInitialC) feeds.initial_c = new Tensor('float32', new Float32Array(D * batch * H), state);
  return feeds;
}

/** Measures variants of `d`; returns the tuning entry of the best. */
export async function tuneCell(d: CellDescriptor, o: TuneOptions): Promise<TuningEntry> {
  // A one-node model of the cell with fixed pseudo-random weights (timing does not depend on values).
  const model = cellModel(d, { outputs: ['Y_h'] });
  const feeds = cellFeeds(d, o.seq, o.batch);
  const stage1 = recurrentVariants(d, o.batch), stage2 = tileVariants();
  const workers = Array.from({ length: Math.max(1, o.maxWorkers) }, (_, i) => i + 1);
  const relaxed = detectFeatures().relaxedSimd;
  // Projecting the input per step reads every W panel once per row where the GEMM reads it once per
  // tile of gemmRows rows: past one tile of rows per call it only adds loads, so it is not timed.
  const rowsPerCall = o.seq * o.batch;
  const tryOtherProjection = rowsPerCall < 2 || rowsPerCall <= decideCell(d, {}).gemmRows;
  const total = 1 + stage1.length + stage2.length + 1 + (tryOtherProjection ? 1 : 0) + (workers.length - 1) + (relaxed ? 1 : 0);
  const y = await Yardstick.start(model, feeds, o, total);
  const fmt = (p: PlanOptions) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');
  try {
    // The default plan is timed like every variant, in a session of its own: a long-lived session
    // and a fresh one of the same module were seen to differ by up to 7% (same code and data in
    // another Memory; the cause is not pinned down), so the base session is only the yardstick,
    // never a contestant.
    let best: PlanOptions = {}, bestRatio = await y.measure({}, 1, 'default plan'), bestWorkers = 1;
    const defaultRatio = bestRatio;
    const tryPlan = async (q: PlanOptions) => {
      const r = await y.measure(q, 1, fmt(q));
      if (r < bestRatio) { best = q; bestRatio = r; }
      return r;
    };
    for (const p of stage1) await tryPlan(p);
    const recurrent = best;
    for (const p of stage2) await tryPlan({ ...recurrent, ...p });
    // The block order the planner would not choose for this plan (it goes by R's size against L2).
    // A stored plan names it either way (tunedEntry reads a plan without it as forward only).
    const planned = decideCell(d, best).alternateBlocks;
    const before = best;
    await tryPlan({ ...best, alternateBlocks: !planned });
    if (best === before && Object.keys(best).length > 0) best = { ...best, alternateBlocks: planned };
    // The input projection 'auto' would not use at these calls' rows (it fuses single-row calls).
    if (tryOtherProjection) await tryPlan({ ...best, inputProjection: rowsPerCall < 2 ? 'hoisted' : 'fused' });
    // A session fuses where the engine can (every plan above did); the other flavour is tried too,
    // and a stored plan names the winner. A compile keeps its own flavour (plain unless the engine
    // or --relaxed-simd fuses): an entry naming plain keeps its node plain in a fused compile only.
    if (relaxed) {
      const before = best;
      await tryPlan({ ...best, relaxedSimd: false });
      if (best === before && Object.keys(best).length > 0) best = { ...best, relaxedSimd: true };
    }
    // The streams the planner gave the winner (a stored plan without them reads as one stream).
    if (Object.keys(best).length > 0 && best.kStreams === undefined) best = { ...best, kStreams: decideCell(d, best).kStreams };
    const planRatio = bestRatio;
    for (const w of workers.slice(1)) {
      const r = await y.measure(best, w, `${fmt(best)} workers=${w}`);
      if (r < bestRatio * 0.95) { bestRatio = r; bestWorkers = w; }
    }
    const baseMs = y.baseMs;
    return { key: descriptorKey(d), engine: engineFingerprint(), plan: best, workers: bestWorkers, ms: bestRatio * baseMs, planMs: planRatio * baseMs, defaultMs: defaultRatio * baseMs, seq: o.seq, batch: o.batch, date: new Date().toISOString() };
  } finally {
    await y.release();
  }
}
