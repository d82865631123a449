/**
 * Every schedule gives the reference result: a schedule (PlanOptions) may change speed, never
 * results. For a handful of descriptors (sizes not multiples of 4, batches that leave row-group
 * remainders, bidirectional with sequence_lens) a seeded sweep covers every value the planner accepts
 * for every knob at least twice, in varied combinations; each result must be within 1e-5 of the
 * float64 reference and within 1e-6 of the default plan's. Relaxed SIMD is checked where the engine
 * has it, and must be refused cleanly where it does not.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, type CellDescriptor } from '../compiler/cells/descriptor.js';
import { compileModel } from '../compiler/index.js';
import { makePlan, type PlanOptions } from '../compiler/plan/cell.js';
import { toWat } from '../compiler/module/wat.js';
import { EngineError, UnsupportedError } from '../contract/errors.js';
import { detectFeatures } from '../runtime/features.js';
import { InferenceSession } from '../api/node.js';
import type { Tensor } from '../runtime/tensor.js';
import { maxAbsDiff, modelFor } from './harness.js';
import { REPO_ROOT } from './paths.js';
import { referenceRnn, type ReferenceInputs } from './reference.js';
import { mulberry32, randomInputs, type Rng } from './random.js';
import { throws } from './throws.js';

/** Every value the planner accepts for each knob (the test below checks it rejects all others). */
const KNOBS = {
  unitsPerBlock: [4, 8, 16],
  rowsPerBlock: [1, 2, 3, 4],
  kUnroll: [1, 2, 3, 4, 8],
  gemmRows: [1, 2, 3, 4, 5, 6],
  gemmWidth: [4, 8, 12],
  gemmKUnroll: [1, 2, 4, 8],
} as const satisfies Partial<Record<keyof PlanOptions, readonly number[]>>;
type Knob = keyof typeof KNOBS;
const KNOB_NAMES = Object.keys(KNOBS) as Knob[];
/** Schedules per descriptor: 2x the largest value list, so every value appears at least twice. */
const PER_DESCRIPTOR = 12;
const TO_REFERENCE = 1e-5;
const TO_DEFAULT = 1e-6;

const DESCRIPTORS: CellDescriptor[] = [
  describeCell({ cell: 'lstm', inputSize: 9, hiddenSize: 13, maxBatch: 5, direction: 'reverse', hasSequenceLens: true, hasPeepholes: true, hasInitialH: true, hasInitialC: true, clip: 3 }),
  describeCell({ cell: 'gru', inputSize: 6, hiddenSize: 9, maxBatch: 3, linearBeforeReset: false }),
  describeCell({ cell: 'gru', inputSize: 3, hiddenSize: 10, maxBatch: 5, direction: 'reverse', linearBeforeReset: true, hasSequenceLens: true, hasInitialH: true }),
  describeCell({ cell: 'rnn', inputSize: 7, hiddenSize: 6, maxBatch: 4, direction: 'bidirectional', layout: 1, hasSequenceLens: true }),
];

/** How often each panel width was in effect over the whole sweep (the planner may narrow it to 4). */
const effectiveWidths = new Map<number, number>();

/** `n` schedules: each knob's values repeated to length n and shuffled independently. */
function schedules(rng: Rng, n: number): Record<Knob, number>[] {
  const columns = KNOB_NAMES.map((k) => {
    const vals = Array.from({ length: n }, (_, i) => KNOBS[k][i % KNOBS[k].length]);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [vals[i], vals[j]] = [vals[j], vals[i]];
    }
    return vals;
  });
  return Array.from({ length: n }, (_, i) => Object.fromEntries(KNOB_NAMES.map((k, c) => [k, columns[c][i]])) as Record<Knob, number>);
}

function inputsFor(d: CellDescriptor, seed: number): ReferenceInputs {
  const inp = randomInputs(mulberry32(seed), d, 6, d.maxBatch);
  if (inp.sequenceLens) (inp.sequenceLens as Int32Array).set([0, 6, 3, 1, 5].slice(0, d.maxBatch));
  return inp;
}

async function runWith(d: CellDescriptor, inp: ReferenceInputs, opts: PlanOptions): Promise<Record<string, Tensor>> {
  const { model, feeds } = modelFor(d, inp);
  const session = await InferenceSession.create(compileModel(model, { ...opts, threads: false }).artifact, { workers: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Max abs difference over the outputs named in `want` (null entries skipped); fails if one is missing. */
function outputError(got: Record<string, Tensor>, want: Record<string, ArrayLike<number> | null>): number {
  let e = 0;
  for (const [name, w] of Object.entries(want)) {
    if (w === null) continue;
    assert.ok(got[name], `output ${name} is missing`);
    e = Math.max(e, maxAbsDiff(got[name].data as Float32Array, w));
  }
  return e;
}

test('the planner accepts exactly the knob values swept here', () => {
  const d = DESCRIPTORS[0];
  for (const k of KNOB_NAMES) {
    for (const v of [-1, 0, 1.5, ...Array.from({ length: 20 }, (_, i) => i + 1), 24, 32]) {
      if ((KNOBS[k] as readonly number[]).includes(v)) {
        const p = makePlan(d, { [k]: v });
        const applied = { unitsPerBlock: p.layout.unitsPerBlock, rowsPerBlock: p.rowsPerBlock, kUnroll: p.kUnroll,
          gemmRows: p.gemmRows, gemmWidth: p.layout.panelWidth, gemmKUnroll: p.gemmKUnroll }[k];
        // Panels may not straddle a unit block (workers split the projection by blocks): a width that
        // does not divide gates x units falls back to 4.
        const fits = k !== 'gemmWidth' || (p.layout.gates * p.layout.unitsPerBlock) % v === 0;
        assert.is(applied, fits ? v : 4, `${k}=${v} is applied`);
      } else {
        throws(() => makePlan(d, { [k]: v }), UnsupportedError, `${k}=${v}`, KNOBS[k].join(', '));
      }
    }
  }
});

DESCRIPTORS.forEach((d, di) => {
  const label = `${d.cell}${d.linearBeforeReset ? ' lbr' : ''} I=${d.inputSize} H=${d.hiddenSize} batch ${d.maxBatch} ${d.direction}`;
  test(`every schedule gives the reference result: ${label}`, async () => {
    const inp = inputsFor(d, 100 + di);
    const ref = referenceRnn(d, inp);
    const want = { Y: ref.Y, Y_h: ref.Y_h, Y_c: ref.Y_c };
    const base = await runWith(d, inp, {});
    assert.ok(outputError(base, want) <= TO_REFERENCE, 'default plan vs reference');
    const sweep = schedules(mulberry32(0x5c4ed + di), PER_DESCRIPTOR);
    for (const k of KNOB_NAMES) {
      for (const v of KNOBS[k]) assert.ok(sweep.filter((s) => s[k] === v).length >= 2, `${k}=${v} is swept at least twice`);
    }
    for (const [i, swept] of sweep.entries()) {
      // Both ways of summing an unrolled k-loop; every third schedule fenced (kFence needs kTree off);
      // unit blocks walked last to first on odd steps in every other schedule; the input projected per
      // step in every third (6 steps x batch rows: 'auto' would hoist it).
      const kFence = i % 3 === 1 ? 1 + (i % 5) : 0;
      const inputProjection = i % 3 === 2 ? 'fused' as const : undefined;
      const opts = { ...swept, kTree: kFence === 0 && i % 2 === 0, kFence, alternateBlocks: i % 4 < 2, inputProjection };
      const plan = makePlan(d, opts);
      assert.ok(plan.kernelName.includes(`_u${opts.unitsPerBlock}r${opts.rowsPerBlock}__wasmsimd_k${opts.kUnroll}`), plan.kernelName);
      effectiveWidths.set(plan.layout.panelWidth, (effectiveWidths.get(plan.layout.panelWidth) ?? 0) + 1);
      const got = await runWith(d, inp, opts);
      const what = `${plan.kernelName} gemm ${opts.gemmRows}x${opts.gemmWidth} k${opts.gemmKUnroll}`;
      const toRef = outputError(got, want);
      assert.ok(toRef <= TO_REFERENCE, `${what}: ${toRef.toExponential(2)} from the reference`);
      const toBase = outputError(got, Object.fromEntries(Object.entries(base).map(([n, t]) => [n, t.data as Float32Array])));
      assert.ok(toBase <= TO_DEFAULT, `${what}: ${toBase.toExponential(2)} from the default plan`);
    }
  });
});

test('kFence: 0..16 accepted, fences emitted where they fall inside an iteration, results equal the reference', async () => {
  const d = describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 19, maxBatch: 1, hasInitialH: true, hasInitialC: true });
  throws(() => makePlan(d, { kFence: 17 }), UnsupportedError, 'kFence=17');
  throws(() => makePlan(d, { kFence: 2, kTree: true }), UnsupportedError, 'kFence needs kTree off');
  const byDefault = makePlan(d);
  assert.is(byDefault.kFence, 4, 'LSTM at batch 1: 8 accumulators fenced in halves');
  assert.is(byDefault.kTree, false);
  assert.is(makePlan(describeCell({ ...d, maxBatch: 4 })).kFence, 0, 'two rows: no fences');
  const inp = inputsFor(d, 31);
  const ref = referenceRnn(d, inp);
  const want = { Y: ref.Y, Y_h: ref.Y_h, Y_c: ref.Y_c };
  for (const [kUnroll, kFence] of [[1, 1], [1, 3], [2, 4], [2, 5], [3, 7], [4, 16]]) {
    const { model } = modelFor(d, inp);
    const wat = await toWat(compileModel(model, { kUnroll, kFence, inputProjection: 'hoisted', threads: false }).artifact.wasm as Uint8Array);
    // The fences' constants (-256, -272, ...: kloop.ts), distinct within an iteration of the k-loop
    // (hoisted: no per-step input projection, whose k-loop has fences of its own). The constant
    // pool's start function splats f32 bit patterns, large i32s: not fences.
    const fences = new Set([...wat.matchAll(/i32\.const -(\d+)\b/g)].map((m) => Number(m[1])).filter((n) => n >= 256 && n < 65536 && n % 16 === 0));
    const inside = Math.ceil((8 * kUnroll) / kFence) - 1; // 8 accumulators (8 units x 4 gates / 4 lanes)
    assert.is(fences.size, inside, `kUnroll ${kUnroll} kFence ${kFence}: ${fences.size} distinct fence constants, want ${inside}`);
    const got = await runWith(d, inp, { kUnroll, kFence });
    const e = outputError(got, want);
    assert.ok(e <= TO_REFERENCE, `kUnroll ${kUnroll} kFence ${kFence}: ${e.toExponential(2)} from the reference`);
  }
});

test('alternateBlocks: chosen by R against L2, emitted as a second block walk, results equal the reference', async () => {
  const lstm = (hiddenSize: number) => describeCell({ cell: 'lstm', inputSize: 4, hiddenSize, maxBatch: 1 });
  assert.is(makePlan(lstm(256)).alternateBlocks, true, 'LSTM 256: R 1 MiB');
  assert.ok(makePlan(lstm(256)).kernelName.endsWith('_alt'), makePlan(lstm(256)).kernelName);
  assert.is(makePlan(lstm(64)).alternateBlocks, false, 'LSTM 64: R 64 KiB');
  assert.is(makePlan(lstm(1024)).alternateBlocks, false, 'LSTM 1024: R 16 MiB');
  assert.is(makePlan(lstm(64), { alternateBlocks: true }).alternateBlocks, true);
  // H = 19 in 4-unit blocks: four full blocks and a partial one, walked both ways over 6 steps, by the
  // step functions for two rows and for one.
  const d = describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 19, maxBatch: 2, hasSequenceLens: true, hasInitialH: true, hasInitialC: true });
  const inp = inputsFor(d, 47);
  const ref = referenceRnn(d, inp);
  const want = { Y: ref.Y, Y_h: ref.Y_h, Y_c: ref.Y_c };
  const { model } = modelFor(d, inp);
  const blocking = { unitsPerBlock: 4, rowsPerBlock: 2 };
  const wat = async (alternateBlocks: boolean) => toWat(compileModel(model, { ...blocking, alternateBlocks, threads: false }).artifact.wasm as Uint8Array);
  const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0;
  const [forward, both] = [await wat(false), await wat(true)];
  // Per step function (1 row and 2 rows): the backward block loop and the k-loops of a full and a partial block.
  assert.is(count(both, /\bloop\b/g) - count(forward, /\bloop\b/g), 2 * 3, 'loops added by the backward walk');
  // The time loop passes the step's parity (t & 1) to both step calls, where forward-only passes 0.
  assert.is(count(both, /i32\.and\b/g) - count(forward, /i32\.and\b/g), 2, 'parity computed for both step calls');
  for (const alternateBlocks of [false, true]) {
    const e = outputError(await runWith(d, inp, { ...blocking, alternateBlocks }), want);
    assert.ok(e <= TO_REFERENCE, `alternateBlocks ${alternateBlocks}: ${e.toExponential(2)} from the reference`);
  }
});

test('inputProjection: auto projects single-row calls per step and hoists longer ones; all three equal the reference', async () => {
  const d = describeCell({ cell: 'lstm', inputSize: 40, hiddenSize: 24, maxBatch: 1, hasInitialH: true, hasInitialC: true });
  assert.is(makePlan(d).fuseInputBelow, 2);
  assert.is(makePlan(d, { inputProjection: 'hoisted' }).fuseInputBelow, 0);
  assert.ok(makePlan(d, { inputProjection: 'fused' }).kernelName.endsWith('_xf'));
  throws(() => makePlan(d, { inputProjection: 'sideways' as never }), UnsupportedError, 'inputProjection=sideways', 'auto, hoisted, fused');
  const { model } = modelFor(d, inputsFor(d, 5));
  const loops = async (inputProjection: 'hoisted' | 'auto') =>
    (await toWat(compileModel(model, { inputProjection, gemmKBlock: 0, threads: false }).artifact.wasm as Uint8Array)).match(/\bloop\b/g)?.length ?? 0;
  // The per-step pass: a loop over the blocks and its k-loop (one chain over I: no k-blocks).
  assert.is(await loops('auto') - await loops('hoisted'), 2, 'auto emits the per-step pass');
  for (const T of [1, 2]) {
    const inp = randomInputs(mulberry32(70 + T), d, T, 1);
    const ref = referenceRnn(d, inp);
    const want = { Y: ref.Y, Y_h: ref.Y_h, Y_c: ref.Y_c };
    const got: Record<string, Record<string, Tensor>> = {};
    for (const inputProjection of ['auto', 'hoisted', 'fused'] as const) {
      got[inputProjection] = await runWith(d, inp, { inputProjection });
      const e = outputError(got[inputProjection], want);
      assert.ok(e <= TO_REFERENCE, `T=${T} ${inputProjection}: ${e.toExponential(2)} from the reference`);
    }
    // The two ways sum X * W in different orders (the GEMM's one-row tile sums 4 k steps first),
    // so their last bits differ; auto must match the one it chose bit for bit.
    const bits = (r: Record<string, Tensor>) => Array.from(r.Y.data as Float32Array);
    assert.not.equal(bits(got.hoisted), bits(got.fused), `T=${T}: hoisted and fused differ in the last bits (else this test cannot tell them apart)`);
    assert.equal(bits(got.auto), bits(T === 1 ? got.fused : got.hoisted), `T=${T}: auto ${T === 1 ? 'fused' : 'hoisted'}`);
  }
});

test('every panel width was in effect at least twice over the sweep', () => {
  for (const w of KNOBS.gemmWidth) assert.ok((effectiveWidths.get(w) ?? 0) >= 2, `gemmWidth ${w} in effect ${effectiveWidths.get(w) ?? 0} times`);
});

test('relaxedSimd: refused with an EngineError where the engine lacks it, else within 1e-5', async () => {
  const d = DESCRIPTORS[0];
  const inp = inputsFor(d, 7);
  const { model, feeds } = modelFor(d, inp);
  const { artifact, plan } = compileModel(model, { relaxedSimd: true });
  assert.ok(plan.kernelName.includes('__wasmrelaxedsimd_'), plan.kernelName);
  assert.ok(artifact.manifest.features.relaxedSimd, 'the manifest records the need for relaxed SIMD');
  const wat = await toWat(artifact.wasm as Uint8Array, plan.kernelName); // wabt validates it either way
  assert.ok(wat.includes('f32x4.relaxed_madd'), 'the kernel uses relaxed_madd');
  const have = detectFeatures().relaxedSimd;
  assert.is(WebAssembly.validate(artifact.wasm as Uint8Array<ArrayBuffer>), have);
  if (!have) {
    try {
      await InferenceSession.create(artifact);
      assert.unreachable('a relaxed-SIMD kernel was loaded by an engine without relaxed SIMD');
    } catch (e) {
      assert.instance(e, EngineError);
      for (const part of [plan.kernelName, 'relaxed SIMD', '--experimental-wasm-relaxed-simd', 'without --relaxed-simd']) {
        assert.ok((e as Error).message.includes(part), `message lacks '${part}': ${(e as Error).message}`);
      }
    }
  } else {
    const session = await InferenceSession.create(artifact);
    const ref = referenceRnn(d, inp);
    assert.ok(outputError(await session.run(feeds), { Y: ref.Y, Y_h: ref.Y_h, Y_c: ref.Y_c }) <= TO_REFERENCE);
  }
});

/** Runs relaxed-SIMD schedules in a child Node with the flag, when this engine lacks relaxed SIMD. */
const CHILD = `
import { compareWithReference } from ${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/test/harness.js')).href)};
import { readFileSync } from 'node:fs';
const [d, inp, schedules] = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
for (const k of ['X', 'W', 'R', 'B', 'P', 'initialH', 'initialC']) if (inp[k]) inp[k] = Float32Array.from(inp[k]);
if (inp.sequenceLens) inp.sequenceLens = Int32Array.from(inp.sequenceLens);
const errors = [];
for (const s of schedules) errors.push((await compareWithReference(d, inp, { ...s, relaxedSimd: true })).error);
console.log(JSON.stringify(errors));
`;

test('relaxedSimd kernels give the reference result (in a child Node with the flag, if needed)', async () => {
  if (detectFeatures().relaxedSimd) return; // covered in-process above
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20 && major !== 21) return; // the flag is Node 20/21's; newer Node has relaxed SIMD on
  const d = DESCRIPTORS[2];
  const inp = inputsFor(d, 9);
  const plain = Object.fromEntries(Object.entries(inp).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v]));
  const sweep = schedules(mulberry32(3), 2);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rnnc-relaxed-'));
  const data = path.join(dir, 'case.json');
  let stdout: string;
  try {
    await writeFile(data, JSON.stringify([d, plain, sweep]));
    ({ stdout } = await promisify(execFile)(process.execPath,
      ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', CHILD, data], { timeout: 60_000 }));
  } catch (e) {
    throw new Error(`the relaxed-SIMD child failed: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const errors = JSON.parse(stdout) as number[];
  assert.is(errors.length, sweep.length);
  for (const e of errors) assert.ok(e <= TO_REFERENCE, `relaxed SIMD: max abs error ${e}`);
});

test.run();
