/**
 * The plan is the single resolved contract: the key names exactly one module (a sweep over the
 * planner's knobs), the module's features come from the plans (a tuned relaxed-SIMD plan emits
 * relaxed_madd and the manifest says so), the worker recommendation is by the target's cores, and
 * the worker partition is data the module reads.
 */
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, type CellDescriptor } from '../compiler/cells/descriptor.js';
import { compileModel } from '../compiler/index.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import type { PlanOptions } from '../compiler/plan/cell.js';
import { partitionBounds, partitionRowBytes, partitionTable } from '../compiler/plan/partition.js';
import { recommendWorkers } from '../compiler/plan/workers.js';
import { toWat } from '../compiler/module/wat.js';
import { MAX_WORKERS } from '../contract/control.js';
import { recommendedWorkers } from '../contract/manifest.js';
import { RNNC_VERSION } from '../contract/version.js';
import { GraphBuilder } from './graph_builder.js';
import { mulberry32, pick } from './random.js';
import { REPO_ROOT } from './paths.js';
import fs from 'node:fs';
import path from 'node:path';

const sha = (b: Uint8Array | null) => (b ? createHash('sha256').update(b).digest('hex') : '-');

/** The planner's knobs and the values the sweep draws from. */
const KNOBS: Record<string, readonly unknown[]> = {
  unitsPerBlock: [4, 8, 16], rowsPerBlock: [1, 2, 3], kUnroll: [1, 2, 4], kTree: [true, false], kFence: [0, 2, 4],
  gemmRows: [2, 4, 6], gemmWidth: [4, 8, 12], gemmKUnroll: [1, 2], alternateBlocks: [true, false],
  inputProjection: ['auto', 'hoisted', 'fused'], relaxedSimd: [false, true],
  kBlock: [0, 16], gemmKBlock: [0, 16], kStreams: [1, 2, 4],
};

const CELLS: CellDescriptor[] = [
  describeCell({ cell: 'lstm', inputSize: 3, hiddenSize: 9, maxBatch: 3 }),
  describeCell({ cell: 'gru', inputSize: 5, hiddenSize: 7 }),
];

test('two plans that emit different modules never share a key (every knob, one at a time and at random)', () => {
  const rng = mulberry32(31);
  const variants: PlanOptions[] = [{}];
  for (const [knob, values] of Object.entries(KNOBS)) for (const v of values) variants.push({ [knob]: v });
  for (let i = 0; i < 16; i++) {
    variants.push(Object.fromEntries(Object.entries(KNOBS).filter(() => rng() < 0.4).map(([k, vs]) => [k, pick(rng, vs)])));
  }
  for (const d of CELLS) {
    const bytes = cellModel(d);
    const byKey = new Map<string, string>(), byModuleKey = new Map<string, string>();
    let compiled = 0;
    for (const v of variants) {
      let r;
      try {
        r = compileModel(bytes, { ...v, threads: false });
      } catch {
        continue; // a knob the planner refuses here (a fence with a tree, rows above the batch)
      }
      compiled++;
      const module = sha(r.artifact.wasm as Uint8Array) + sha(r.artifact.wasmThreads as Uint8Array | null) + sha(r.artifact.image);
      const plan = r.plans[0];
      const cellBytes = sha(r.artifact.wasm as Uint8Array);
      const was = byKey.get(plan.key);
      assert.ok(was === undefined || was === cellBytes, `${d.cell}: plan key ${plan.key} names two different modules (${JSON.stringify(v)})`);
      byKey.set(plan.key, cellBytes);
      const m = byModuleKey.get(r.artifact.manifest.key);
      assert.ok(m === undefined || m === module, `${d.cell}: manifest key ${r.artifact.manifest.key} names two different artifacts (${JSON.stringify(v)})`);
      byModuleKey.set(r.artifact.manifest.key, module);
    }
    assert.ok(compiled > 25 && byKey.size > 15, `${d.cell}: the sweep compiled ${compiled} variants into ${byKey.size} plans`);
  }
});

test('the GEMM tile is in the key and the name (two tiles used to share both)', () => {
  const bytes = cellModel(CELLS[0]);
  const a = compileModel(bytes, { gemmRows: 2, gemmWidth: 4 });
  const b = compileModel(bytes, { gemmRows: 6, gemmWidth: 8, gemmKUnroll: 2 });
  assert.is.not(sha(a.artifact.wasm as Uint8Array), sha(b.artifact.wasm as Uint8Array), 'the two tiles emit different modules');
  assert.is.not(a.plan.key, b.plan.key);
  assert.is.not(a.artifact.manifest.key, b.artifact.manifest.key);
  assert.is.not(a.plan.kernelName, b.plan.kernelName);
  assert.ok(a.plan.kernelName.endsWith('_g2x4') && b.plan.kernelName.endsWith('_g6x8k2'), `${a.plan.kernelName}, ${b.plan.kernelName}`);
});

/** An LSTM followed by a MatMul head: a model with a recurrent kernel and a GEMM kernel. */
function lstmWithHead(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 1, 4]);
  const [y] = g.rnn('LSTM', x, 8, 4, { name: 'lstm' });
  const h = g.node('Squeeze', [y, g.constInts([1])]);
  g.node('MatMul', [h, g.init('w', [8, 5])], [], { name: 'head', outputs: ['out'] });
  g.output('out', ['T', 1, 5]);
  return g.encode();
}

test('the SIMD flavour is the compile\'s: a tuned plan never fuses a plain compile, and may keep its node plain in a fused one', async () => {
  const bytes = lstmWithHead();
  const count = async (wasm: Uint8Array) => ((await toWat(wasm, 'm')).match(/f32x4\.relaxed_madd/g) ?? []).length;
  // Tuned fused (rnnc tune on an engine with relaxed SIMD), compiled plain (rnnc compile --tuning, or --also-fused's plain half).
  const plain = compileModel(bytes, { tuned: () => ({ plan: { relaxedSimd: true }, workers: 1 }) });
  assert.not.ok(plain.plan.kernelName.includes('relaxed'), plain.plan.kernelName);
  assert.not.ok(plain.artifact.manifest.features.relaxedSimd, 'a plain compile loads on every engine with wasm SIMD');
  assert.is(await count(plain.artifact.wasm as Uint8Array), 0);
  // Fused throughout, and fused but the recurrent node, which the tuner measured faster plain.
  const all = compileModel(bytes, { relaxedSimd: true });
  const mixed = compileModel(bytes, { relaxedSimd: true, tuned: () => ({ plan: { relaxedSimd: false }, workers: 1 }) });
  assert.ok(all.plan.kernelName.includes('__wasmrelaxedsimd_'), all.plan.kernelName);
  assert.ok(mixed.plan.kernelName.includes('__wasmsimd_'), mixed.plan.kernelName);
  const inMixed = await count(mixed.artifact.wasm as Uint8Array);
  assert.ok(inMixed > 0 && inMixed < await count(all.artifact.wasm as Uint8Array), `the head keeps relaxed_madd, the tuned node does not (${inMixed})`);
  assert.ok(mixed.artifact.manifest.features.relaxedSimd, 'the manifest records the head\'s need for relaxed SIMD');
});

test('the worker recommendation is by the target\'s cores, not the compiling machine\'s', () => {
  const big = compileModel(cellModel(describeCell({ cell: 'lstm', inputSize: 256, hiddenSize: 256 })));
  const tiny = compileModel(cellModel(describeCell({ cell: 'lstm', inputSize: 4, hiddenSize: 8 })));
  const by = big.artifact.manifest.workers.byCores;
  assert.is(by[0], 1, 'one core: one worker');
  assert.ok(by.length > 1 && by[by.length - 1] > 1, `LSTM 256/256 takes more workers on more cores: ${by}`);
  by.forEach((w, c) => assert.ok(w >= 1 && w <= c + 1, `byCores[${c}] = ${w}`));
  assert.is(recommendedWorkers(big.artifact.manifest, 1), 1);
  assert.is(recommendedWorkers(big.artifact.manifest, 1000), by[by.length - 1], 'more cores than listed: the last entry');
  assert.equal(tiny.artifact.manifest.workers.byCores, [1], 'a tiny cell stays on one worker whatever the cores');
  assert.is(recommendedWorkers({ workers: recommendWorkers([]) }, 8), 1);
});

test('the worker partition is a table in the image: balanced rows of block boundaries for every worker count', () => {
  for (const [blocks, P] of [[32, 2], [5, 3], [3, 8], [64, 64], [1, 1]] as const) {
    const b = partitionBounds(blocks, P);
    assert.is(b.length, P + 1);
    assert.is(b[0], 0);
    assert.is(b[P], blocks);
    for (let w = 0; w < P; w++) assert.ok(b[w + 1] - b[w] >= Math.floor(blocks / P) && b[w + 1] - b[w] <= Math.ceil(blocks / P), `${blocks} blocks over ${P}: ${b}`);
  }
  const t = partitionTable(12, 32);
  for (let P = 1; P <= MAX_WORKERS; P++) {
    assert.equal(Array.from(t.subarray(partitionRowBytes(P) / 4, partitionRowBytes(P) / 4 + P + 1)), partitionBounds(12, P).map((j) => j * 32), `row ${P}`);
  }
  // The compiled image holds it where the plan says (the threads module reads it there).
  const r = compileModel(cellModel(describeCell({ cell: 'gru', inputSize: 8, hiddenSize: 40 })), { threads: true });
  const p = r.plans[0];
  const image = new Int32Array(r.artifact.image.buffer, r.artifact.image.byteOffset, r.artifact.image.byteLength / 4);
  const at = (p.scratch.partition - r.artifact.manifest.imageBegin) / 4;
  const nb = p.layout.hiddenPadded / p.layout.unitsPerBlock;
  assert.equal(Array.from(image.subarray(at, at + t.length)), Array.from(partitionTable(nb, p.layout.unitsPerBlock * 4)));
});

test('RNNC_VERSION is package.json\'s version', () => {
  assert.is(RNNC_VERSION, JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
});

test.run();
