/**
 * The cell planner: resolves a cell descriptor into its decisions (how the cell is blocked, unrolled
 * and scheduled); place.ts lays them out in memory. Every decision is made here, once; emitters only
 * read the plan. A plan may change speed, never results.
 */
import { type CellDescriptor, descriptorKey } from '../cells/descriptor.js';
import { cellSpec } from '../cells/index.js';
import { UnsupportedError } from '../../contract/errors.js';
import { RESERVED } from '../../contract/abi.js';
import { fnv1a64 } from '../../contract/hash.js';
import { DEFAULT_MACHINE, type MachineModel } from './machine.js';
import { deepFreeze } from './freeze.js';
import { placeCell } from './place.js';
import { FUSE_ALWAYS, type CellPlan, type KSchedule, type Plan, type PlanOptions } from './types.js';

export { FUSE_ALWAYS, type CellPlan, type KSchedule, type Plan, type PlanOptions } from './types.js';
export { placeCell } from './place.js';

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

function oneOf(v: number | undefined, allowed: readonly number[], what: string): number | undefined {
  if (v !== undefined && !allowed.includes(v)) {
    throw new UnsupportedError(`plan option ${what}=${v} is not supported; expected one of ${allowed.join(', ')}`);
  }
  return v;
}

/** Where a node's plan sits in a module: its first byte and the prefix of its function names. */
export interface Placement {
  /** First byte of this node's weights and scratch (default: just past the reserved low memory). */
  readonly memoryBase?: number;
  /** Prefix of this node's wasm function names, unique within the module (default: the kernel name). */
  readonly symbol?: string;
  /** X arrives as [batch, seq, I] whatever the node's layout (a batch-first Transpose folded in). */
  readonly inputBatchMajor?: boolean;
}

/** Resolves a descriptor into a plan placed at `place.memoryBase` (a one-node module's layout by default). */
export function makePlan(d: CellDescriptor, opts: PlanOptions = {}, place: Placement = {}): Plan {
  return placeCell(decideCell(d, opts, { inputBatchMajor: place.inputBatchMajor }), place.memoryBase ?? RESERVED, place.symbol);
}

/** What the planner decides with, beside the options. */
export interface DecideContext {
  /** X arrives batch-major although the node's layout is 0 (a batch-first Transpose folded in). */
  readonly inputBatchMajor?: boolean;
  readonly machine?: MachineModel;
}

/** Resolves a descriptor into its decisions. Options override the model-based defaults. */
export function decideCell(d: CellDescriptor, opts: PlanOptions = {}, ctx: DecideContext = {}): CellPlan {
  const reasons: string[] = [];
  const cell = cellSpec(d.cell);
  const G = cell.gates.length, H = d.hiddenSize;
  const phases = cell.phases(d);
  const widest = Math.max(...phases.map((p) => p.gates.length));
  const { unitsPerBlock: U, rowsPerBlock } = registerBlock(d, opts, widest, reasons);
  const blocks = kBlocks(opts, H, d.inputSize, reasons);
  const machine = ctx.machine ?? DEFAULT_MACHINE;
  const rBytes = G * roundUp(H, U) * H * 4;
  // Measured at batch 1 only; with more rows a block's panel loads are shared and unmeasured here.
  const streamed: Streamed = d.maxBatch !== 1 ? 'no' : rBytes > 2 * machine.l2Bytes ? 'far' : rBytes > machine.l2Bytes / 2 ? 'near' : 'no';
  const schedule = { ...recurrentKSchedule(opts, (widest * U * rowsPerBlock) / 4, rowsPerBlock, streamed, H, reasons), kBlock: blocks.kBlock };
  const k = { ...schedule, kStreams: kStreams(opts, schedule, H, streamed, rBytes, reasons) };
  const gemm = { ...inputTile(opts, G * U, reasons), gemmKBlock: blocks.gemmKBlock };
  const relaxedSimd = !!opts.relaxedSimd;
  const alternateBlocks = blockOrder(opts, rBytes, machine, reasons);
  // The per-step input projection (single-row calls): all G gates of a block at once, one row,
  // scheduled by its accumulators as the recurrent step's defaults are.
  const inputPass = { ...defaultKSchedule((G * U) / 4, true), kBlock: blocks.gemmKBlock };
  const { projection, fuseInputBelow } = inputProjection(opts, reasons);
  const Hp = roundUp(H, U);
  const claimBlocks = claimChunk(widest * U * H, Hp / U, reasons);
  const tile = gemm.gemmRows === 4 && gemm.gemmWidth === 8 && gemm.gemmKUnroll === 1 ? '' : `_g${gemm.gemmRows}x${gemm.gemmWidth}${gemm.gemmKUnroll > 1 ? `k${gemm.gemmKUnroll}` : ''}`;
  const sums = (k.kBlock === RECURRENT_K_BLOCK ? '' : `_b${k.kBlock}`) + (gemm.gemmKBlock === INPUT_K_BLOCK ? '' : `_gb${gemm.gemmKBlock}`);
  const how = `${relaxedSimd ? 'wasmrelaxedsimd' : 'wasmsimd'}_k${k.kUnroll}${k.kTree ? 't' : ''}${k.kFence ? `f${k.kFence}` : ''}${k.kStreams > 1 ? `s${k.kStreams}` : ''}${alternateBlocks ? '_alt' : ''}${projection === 'auto' ? '' : projection === 'fused' ? '_xf' : '_xh'}${tile}${sums}`;
  const element = { type: 'f32', bytes: 4 } as const;
  const kernelName = `${d.cell}_${element.type}_u${U}r${rowsPerBlock}__${how}`;
  const decisions = {
    descriptor: d, element, inputBatchMajor: d.layout === 1 || !!ctx.inputBatchMajor, phases,
    unitsPerBlock: U, rowsPerBlock, ...k, ...gemm, relaxedSimd, alternateBlocks, fuseInputBelow, inputPass, claimBlocks,
    hiddenPadded: Hp, xwStride: roundUp(G * Hp, gemm.gemmWidth),
  };
  return deepFreeze({ ...decisions, descriptorKey: descriptorKey(d), key: fnv1a64(JSON.stringify(decisions)), kernelName, reasons });
}

/**
 * Register block. At batch 1 every weight is loaded once a step, and what else an iteration of the
 * k-loop loads (h, splatted) is shared by all of a block's accumulators: alone, a k-loop with 4
 * accumulators ran at 80% of the mul+add peak, 8 (fenced, below) at 88-90% (R 192-256 KiB; whole
 * LSTM cells 2-3% faster, in-process A/B). So LSTM takes 8 units (8 accumulators) at batch 1, GRU 8
 * (6); with more batch rows the rows share the loads instead, and LSTM keeps 4 units for two rows.
 */
function registerBlock(d: CellDescriptor, opts: PlanOptions, widest: number, reasons: string[]): { unitsPerBlock: number; rowsPerBlock: number } {
  const batchRows = opts.rowsPerBlock ?? (d.maxBatch >= 2 ? 2 : 1);
  let U = oneOf(opts.unitsPerBlock, [4, 8, 16], 'unitsPerBlock') ?? (widest >= 4 ? (batchRows > 1 ? 4 : 8) : widest >= 2 ? 8 : 16);
  if (opts.unitsPerBlock === undefined) {
    while (U > 4 && U / 2 >= roundUp(d.hiddenSize, 4)) U /= 2; // no wider than the hidden size needs
    reasons.push(`unitsPerBlock=${U}: ${(widest * U) / 4} accumulators per batch row (${widest} gates x ${U} units)`);
  }
  const rowsPerBlock = oneOf(opts.rowsPerBlock, [1, 2, 3, 4], 'rowsPerBlock') ??
    (d.maxBatch >= 2 && (widest * U) / 4 <= 4 ? 2 : 1);
  if (opts.rowsPerBlock === undefined) reasons.push(`rowsPerBlock=${rowsPerBlock}: batch up to ${d.maxBatch}, weights reused across rows`);
  return { unitsPerBlock: U, rowsPerBlock };
}

/**
 * The recurrent k-loop. One batch row with more than 6 accumulators: fenced groups (kFence) let k
 * unroll by 2 without spilling; otherwise unroll k by 2 only while the accumulators leave room for
 * two steps' splats and panel loads (measured: with 6 or 8 unfenced accumulators unroll 2 spills in
 * TurboFan, GRU 256: 1.9 ms vs 1.0 ms). GRU's 6 accumulators gained nothing from fences (k2f6 vs k1:
 * 1.63 vs 1.63 ms at 256/256, 0.97 vs 0.94 at 4/256), so they stay at k1.
 */
function recurrentKSchedule(opts: PlanOptions, accumulators: number, rowsPerBlock: number, streamed: Streamed, H: number, reasons: string[]): Omit<KSchedule, 'kBlock'> {
  let byDefault = defaultKSchedule(accumulators, rowsPerBlock === 1 && opts.kTree !== true);
  let streamUnroll = false;
  // The unroll is changed for streams only where they can apply: not with one stream or the fences
  // asked for (a tuned plan's), nor where H does not split.
  const forStreams = (S: number) => streamed !== 'no' && opts.kStreams !== 1 && opts.kFence === undefined && opts.kUnroll === undefined && H % S === 0;
  if (forStreams(2) && opts.kTree !== true && byDefault.kUnroll === 1) {
    // Two streams (kStreams) need an even unroll; GRU's 6 accumulators fenced between the two k
    // steps ran as fast as k1 alone (gru 64/1024: 38.0 vs 36.9 ms), and with the streams faster.
    reasons.push(`kUnroll=2, kFence=${accumulators}: R is read ${streamed === 'far' ? 'from' : 'partly from'} beyond L2 and two streams need an even unroll`);
    byDefault = { kUnroll: 2, kTree: false, kFence: accumulators };
    streamUnroll = true;
  } else if (streamed === 'far' && forStreams(4) && byDefault.kFence > 0) {
    // Four streams need an unroll of 4: LSTM 64/1024 and 256/1024, k4f4s4 vs k2f4s2, 17-22% less
    // time (in-process A/B, medians and p10s), 1024/1024 and 256/512 within 4%.
    reasons.push(`kUnroll=4: ${accumulators} accumulators, fenced; R is read from beyond L2 and four streams need an unroll of 4`);
    byDefault = { ...byDefault, kUnroll: 4 };
    streamUnroll = true;
  }
  const fenced = byDefault.kFence > 0;
  const kUnroll = oneOf(opts.kUnroll, [1, 2, 3, 4, 8], 'kUnroll') ?? byDefault.kUnroll;
  if (opts.kUnroll === undefined && !streamUnroll) {
    reasons.push(`kUnroll=${kUnroll}: ${accumulators} accumulators${fenced ? ', fenced' : accumulators <= 4 ? ' leave room for two k steps' : ' (unroll 2 spills)'}`);
  }
  const kFence = oneOf(opts.kFence, Array.from({ length: 17 }, (_, i) => i), 'kFence') ?? byDefault.kFence;
  if (opts.kFence === undefined && kFence > 0 && kFence < accumulators * kUnroll && kFence !== accumulators) {
    reasons.push(`kFence=${kFence}: a fence after every ${kFence} accumulators keeps each group's panel loads next to its arithmetic (${kFence} loads live, not ${accumulators * kUnroll})`);
  }
  if (kFence > 0 && opts.kTree === true) throw new UnsupportedError('plan option kFence needs kTree off: a tree sums all of an iteration\'s products before any accumulator');
  // Measured (in-process A/B): GRU 4/256 1.12 -> 1.02 ms, its 1-gate phase has only 2 accumulators
  // and its adds, not its loads, bound the loop; LSTM and RNN unchanged.
  const kTree = kUnroll > 1 && kFence === 0 && (opts.kTree ?? true);
  if (opts.kTree === undefined && kTree) reasons.push('kTree: the unrolled products are summed before they reach the accumulators (one add per iteration on each chain)');
  return { kUnroll, kTree, kFence };
}

/**
 * Where a batch-1 step reads R from: within L2 ('no'), about L2's size, partly from L3 ('near'), or
 * all of it from beyond L2 ('far').
 */
type Streamed = 'no' | 'near' | 'far';

/** What kBlock and gemmKBlock accept: k steps summed apart (0: one chain over all of K). */
const K_BLOCKS = [0, 16, 32, 64, 128, 256];
/** The recurrent step's and the input projection's defaults. */
const RECURRENT_K_BLOCK = 128, INPUT_K_BLOCK = 32;

/**
 * Summation order. Each accumulator of a k-loop takes one add per iteration; over all of K that
 * chain rounds K / kUnroll times, and at H = 1024 rnnc's error against float64 after 100 steps was
 * twice onnxruntime-web's (MLAS sums K in blocks apart). Blocks of kBlock steps summed into fresh
 * accumulators, then added in, round about kBlock / kUnroll + K / kBlock times instead.
 */
function kBlocks(opts: PlanOptions, H: number, I: number, reasons: string[]): { kBlock: number; gemmKBlock: number } {
  const kBlock = oneOf(opts.kBlock, K_BLOCKS, 'kBlock') ?? RECURRENT_K_BLOCK;
  const gemmKBlock = oneOf(opts.gemmKBlock, K_BLOCKS, 'gemmKBlock') ?? INPUT_K_BLOCK;
  if (opts.kBlock === undefined && kBlock < H) reasons.push(`kBlock=${kBlock}: the recurrent k-loop sums ${kBlock} steps apart at a time (shorter rounding chains over H = ${H})`);
  if (opts.gemmKBlock === undefined && gemmKBlock < I) reasons.push(`gemmKBlock=${gemmKBlock}: the input projection sums ${gemmKBlock} steps apart at a time (over I = ${I})`);
  return { kBlock, gemmKBlock };
}

/**
 * Streams the recurrent k-loop reads a panel in (emit/kloop.ts). Where every step reads R from L3 or
 * DRAM (`streamedBytes` > 0: beyond twice a core's L2, one batch row) the prefetchers keep more in
 * flight for two streams than for one: a read probe got 25-45% more over 12-16 MiB, and the step,
 * in-process A/B with 1 worker (bench/step_stream.ts, load average 2-5), took 7-31% less time
 * (medians; p10s 2-21%) on LSTM and GRU I = 64..1024, H = 1024, most when other processes load the
 * L3 too, and 1-8% less at H = 512; no shape measured slower. Four streams where the unroll is 4
 * (LSTM, below): 17-22% less again on LSTM 64/1024 and 256/1024; GRU's k4f6s4 gained 0-3% on k2f6s2.
 * Where R is about L2's size ('near': H = 256) two streams took 4-7% less time on LSTM 64/256 and GRU
 * 64/256, 256/256; four gained nothing more.
 */
function kStreams(opts: PlanOptions, k: Omit<KSchedule, 'kBlock'> & { kBlock: number }, H: number, streamed: Streamed, rBytes: number, reasons: string[]): number {
  const splits = (S: number) => {
    const fits = (n: number) => n % S === 0 && (n / S) % (k.kUnroll / S) === 0;
    return k.kUnroll % S === 0 && fits(H) && (k.kBlock === 0 || k.kBlock >= H || (fits(k.kBlock) && fits(H % k.kBlock)));
  };
  const streams = oneOf(opts.kStreams, [1, 2, 4], 'kStreams') ?? ({ no: [], near: [2], far: [4, 2] }[streamed].find(splits) ?? 1);
  if (streams > 1 && !splits(streams)) {
    throw new UnsupportedError(`plan option kStreams=${streams} needs a kUnroll (${k.kUnroll}) that ${streams} streams share evenly and whose share divides H / ${streams} (${H / streams}), kBlock / ${streams} (${k.kBlock / streams}) and H % kBlock / ${streams}`);
  }
  if (opts.kStreams === undefined && streams > 1) {
    reasons.push(`kStreams=${streams}: every step reads R (${(rBytes / 2 ** 20).toFixed(1)} MiB) ${streamed === 'far' ? 'from beyond L2' : 'partly from beyond L2'}; the k-loop reads each panel as ${streams} streams, ${H / streams} k apart`);
  }
  return streams;
}

/** The input projection's GEMM tile; its panels must tile a unit block's columns (workers split by blocks). */
function inputTile(opts: PlanOptions, blockColumns: number, reasons: string[]): { gemmRows: number; gemmWidth: number; gemmKUnroll: number } {
  const gemmRows = oneOf(opts.gemmRows, [1, 2, 3, 4, 5, 6], 'gemmRows') ?? 4;
  let NR = oneOf(opts.gemmWidth, [4, 8, 12], 'gemmWidth') ?? 8;
  if (blockColumns % NR !== 0) {
    // Workers split the input projection by whole unit blocks, so panels must not straddle blocks.
    reasons.push(`gemmWidth=4 instead of ${NR}: panels must tile a unit block's ${blockColumns} columns`);
    NR = 4;
  }
  const gemmKUnroll = oneOf(opts.gemmKUnroll, [1, 2, 4, 8], 'gemmKUnroll') ?? 1; // unroll 2 spilled in TurboFan (4x8 tile)
  return { gemmRows, gemmWidth: NR, gemmKUnroll };
}

/**
 * A step reads all of R; when R is about the size of a core's L2, a forward sweep evicts each panel
 * just before the next step wants it, and a backward one starts where the last step ended. Measured
 * on one worker (in-process A/B, L2 1 MiB): LSTM 4/256 and 64/256 (R 1 MiB) 1-3% faster, GRU 256
 * (768 KiB) unchanged, H=1024 (R 12-16 MiB, streamed from L3) 2-5% slower: the prefetchers lose
 * the stream at each backward panel step.
 */
function blockOrder(opts: PlanOptions, rBytes: number, machine: MachineModel, reasons: string[]): boolean {
  const l2 = machine.l2Bytes;
  const alternateBlocks = opts.alternateBlocks ?? (rBytes > l2 / 2 && rBytes <= 2 * l2);
  if (opts.alternateBlocks === undefined && alternateBlocks) {
    reasons.push(`alternateBlocks: R (${(rBytes / 1024).toFixed(0)} KiB) is about the size of a core's L2 (${l2 / 1024} KiB assumed): every other step walks the unit blocks last to first`);
  }
  return alternateBlocks;
}

/** Multiply-adds a worker's claim of unit blocks should reach (a claim is one compare-exchange). */
const CLAIM_MACS = 8192;

/**
 * Unit blocks a worker claims at once from its own range in the multi-worker module (others take
 * single blocks from the far end, compiler/emit/share.ts): enough work per claim that the
 * compare-exchange is small beside it, and a worker that loses its core holds up at most this much.
 */
function claimChunk(macsPerBlock: number, blocks: number, reasons: string[]): number {
  const chunk = Math.max(1, Math.min(8, Math.ceil(CLAIM_MACS / macsPerBlock), blocks));
  if (chunk > 1) reasons.push(`claimBlocks=${chunk}: ${macsPerBlock} multiply-adds per unit block and row; a worker claims ${chunk} at once`);
  return chunk;
}

/**
 * Where the input projection runs. A call of one row (seq 1 x batch 1: a streaming step) gives the
 * hoisted GEMM nothing to reuse W for, and its 1-row tile loads more than it multiplies; per step,
 * every x[k] splat feeds a whole block's columns. With two rows or more the GEMM reads W once and
 * the per-step pass once a row: measured (in-process A/B, 1 worker), LSTM 256/256 seq 1 0.028 ->
 * 0.026 ms and GRU 0.022 -> 0.020 fused, but seq 2 0.044 -> 0.051 and seq 3 0.066 -> 0.077 (W and R
 * no longer fit L2 together).
 */
function inputProjection(opts: PlanOptions, reasons: string[]): { projection: string; fuseInputBelow: number } {
  const projection = opts.inputProjection ?? 'auto';
  if (!['auto', 'hoisted', 'fused'].includes(projection)) {
    throw new UnsupportedError(`plan option inputProjection=${String(projection)} is not supported; expected one of auto, hoisted, fused`);
  }
  const fuseInputBelow = projection === 'hoisted' ? 0 : projection === 'fused' ? FUSE_ALWAYS : 2;
  if (opts.inputProjection === undefined) reasons.push('input projection: one GEMM over the whole call before the time loop, or per step in calls of a single row (seq 1, batch 1: streaming)');
  return { projection, fuseInputBelow };
}

/**
 * The k-loop schedule the planner picks for `accumulators` (recurrent step and per-step projection):
 * up to 4, k unrolled by 2 and summed as a tree; with one row and more than 6, unrolled by 2 and fenced
 * in halves; otherwise (5-6, or several rows) k1, since unrolling them spills.
 */
function defaultKSchedule(accumulators: number, mayFence: boolean): Omit<KSchedule, 'kBlock'> {
  if (accumulators <= 4) return { kUnroll: 2, kTree: true, kFence: 0 };
  if (mayFence && accumulators > 6) return { kUnroll: 2, kTree: false, kFence: Math.ceil(accumulators / 2) };
  return { kUnroll: 1, kTree: false, kFence: 0 };
}
