/**
 * The conv kernels (compiler/emit/conv.ts, conv_depthwise.ts) against the independent float64
 * reference, in a seeded sweep over sizes with every remainder (channels not a multiple of the
 * block, lengths not a multiple of the tile), strides, dilations, padding and groups, and over every
 * tile the emitters accept (positions 1..4, channel vectors, taps unrolled or looped), with a
 * sentinel after the output. Whole models through the module that ships: ops_conv_model.test.ts.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activation } from '../compiler/cells/activations.js';
import { emitDirectConv, packDirectBias, packDirectWeights } from '../compiler/emit/conv.js';
import { depthwiseScratchFloats, emitDepthwiseConv, packDepthwiseBias, packDepthwiseWeights } from '../compiler/emit/conv_depthwise.js';
import { type ConvGeometry, positionTiles } from '../compiler/emit/conv_parts.js';
import type { Epilogue } from '../compiler/emit/epilogue.js';
import { detectFeatures } from '../runtime/features.js';
import { Arena, build, randomF32 } from './ops_harness.js';
import { REPO_ROOT } from './paths.js';
import { convPadding, referenceActivation, referenceConv } from './conv_reference.js';
import { mulberry32, pick, randInt, type Rng } from './random.js';
import { planConv } from '../compiler/ops/conv.js';
import { SILERO_CONVS } from '../bench/conv_cases.js';

const SENTINEL = 0x7fbadbad;

/** A random geometry with its attributes as a model would give them. */
function randomCase(rng: Rng, depthwise: boolean) {
  const group = depthwise ? randInt(rng, 1, 13) : pick(rng, [1, 1, 1, 2, 3]);
  const C = depthwise ? group : group * randInt(rng, 1, 6);
  const M = depthwise ? group : group * randInt(rng, 1, 11);
  const k = pick(rng, [1, 1, 2, 3, 3, 4, 5, 7, 17, 20]);
  const stride = randInt(rng, 1, 3), dilation = pick(rng, [1, 1, 2, 3]);
  const pads: [number, number] = [randInt(rng, 0, 3), randInt(rng, 0, 3)];
  const autoPad = pick(rng, ['NOTSET', 'NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'] as const);
  const span = (k - 1) * dilation + 1;
  const L = randInt(rng, Math.max(1, span - pads[0] - pads[1]), span + 13);
  return { C, M, L, k, attrs: { group, stride, dilation, pads, autoPad } };
}

type Case = ReturnType<typeof randomCase>;

function geometryOf(t: Case): ConvGeometry | null {
  const { before, outLength } = convPadding(t.L, t.k, t.attrs);
  if (outLength < 1) return null;
  return { C: t.C, L: t.L, M: t.M, k: t.k, stride: t.attrs.stride, dilation: t.attrs.dilation, padBegin: before, group: t.attrs.group, outLength };
}

const EPILOGUES: { op: string; e: Epilogue | null; p?: { alpha?: number; min?: number; max?: number } }[] = [
  { op: '', e: null },
  { op: 'Relu', e: { kind: 'activation', activation: activation('Relu') } },
  { op: 'Sigmoid', e: { kind: 'activation', activation: activation('Sigmoid') } },
  { op: 'Tanh', e: { kind: 'activation', activation: activation('Tanh') } },
  { op: 'LeakyRelu', e: { kind: 'activation', activation: activation('LeakyRelu', 0.2) }, p: { alpha: 0.2 } },
  { op: 'Clip', e: { kind: 'clip', min: -0.5, max: 0.25 }, p: { min: -0.5, max: 0.25 } },
];

/** Runs one kernel on N rows and checks it against the reference; `emit` builds it with the packed data's offsets. */
function check(t: Case, g: ConvGeometry, rng: Rng, tag: string, withBias: boolean, epi: (typeof EPILOGUES)[number],
  kernel: (arena: Arena, w: Float32Array, bias: Float32Array) => { run: (x: number, out: number, N: number) => void }): void {
  const w = randomF32(rng, g.M * (g.C / g.group) * g.k), bias = randomF32(rng, g.M);
  const arena = new Arena();
  const { run } = kernel(arena, w, bias);
  for (const N of [0, 1, 3]) {
    const x = randomF32(rng, N * g.C * g.L);
    const xp = arena.put(x), size = N * g.M * g.outLength;
    const op = arena.alloc(size + 8, 4);
    arena.i32(op, size + 8).fill(SENTINEL);
    run(xp, op, N);
    const want = referenceConv(x, w, withBias ? bias : null, { N, C: g.C, L: g.L, M: g.M, k: g.k }, t.attrs)
      .map((v) => (epi.op ? referenceActivation(epi.op, v, epi.p) : v));
    const got = arena.f32(op, size);
    for (let i = 0; i < size; i++) {
      assert.ok(Math.abs(got[i] - want[i]) <= 2e-5 * (1 + Math.abs(want[i])) * Math.sqrt(g.C * g.k),
        `${tag} N=${N}: out[${i}] = ${got[i]}, want ${want[i]}`);
    }
    assert.ok(arena.i32(op + size * 4, 8).every((v) => v === SENTINEL), `${tag} N=${N}: wrote past the output`);
  }
}

test('direct conv: 160 seeded geometries x every tile (positions 1..4, vectors 1..3 and 8, taps unrolled or looped)', () => {
  const rng = mulberry32(11);
  for (let i = 0; i < 160; i++) {
    const t = randomCase(rng, false);
    const g = geometryOf(t);
    if (!g) continue;
    const positions = randInt(rng, 1, 4), vectors = pick(rng, [1, 2, 3, 8]);
    const tapLoop = g.k > 16 || rng() < 0.3, withBias = rng() < 0.7;
    const epi = pick(rng, EPILOGUES);
    const tag = `#${i} C=${g.C} M=${g.M} L=${g.L} k=${g.k} ${JSON.stringify(t.attrs)} tile ${positions}x${vectors}${tapLoop ? ' tap loop' : ''} ${epi.op}`;
    check(t, g, rng, tag, withBias, epi, (arena, w, bias) => {
      const weightsOffset = arena.put(packDirectWeights(w, g, vectors));
      const biasOffset = withBias ? arena.put(packDirectBias(bias, g, vectors)) : null;
      const k = build((b) => emitDirectConv(b, 'conv', { geometry: g, weightsOffset, biasOffset, positions, vectors, tapLoop, epilogue: epi.e, fused: false }), ['conv']);
      return { run: (x, out, N) => k.conv(x, out, N) };
    });
  }
});

test('depthwise conv: 100 seeded geometries, positions 1..4, channels 1..13', () => {
  const rng = mulberry32(12);
  for (let i = 0; i < 100; i++) {
    const t = randomCase(rng, true);
    const g = geometryOf(t);
    if (!g) continue;
    const positions = randInt(rng, 1, 4), withBias = rng() < 0.7;
    const epi = pick(rng, EPILOGUES);
    const tag = `#${i} C=${g.C} L=${g.L} k=${g.k} ${JSON.stringify(t.attrs)} positions ${positions} ${epi.op}`;
    check(t, g, rng, tag, withBias, epi, (arena, w, bias) => {
      const weightsOffset = arena.put(packDepthwiseWeights(w, g));
      const biasOffset = withBias ? arena.put(packDepthwiseBias(bias, g)) : null;
      const scratch = arena.alloc(depthwiseScratchFloats(g));
      arena.f32(scratch, depthwiseScratchFloats(g)).fill(NaN); // the kernel must zero its padding itself
      const k = build((b) => emitDepthwiseConv(b, 'dw', { geometry: g, weightsOffset, biasOffset, positions, epilogue: epi.e, fused: false }), ['dw']);
      return { run: (x, out, N) => k.dw(x, out, N, scratch) };
    });
  }
});

test('the Silero VAD shapes (bench/conv_cases.ts) with the tile the planner picks, batch 0, 1, 3', () => {
  const rng = mulberry32(13);
  for (const c of SILERO_CONVS) {
    const g = c.geometry;
    const plan = planConv(g, false, { buffer: () => 0 });
    const pads = convPadding(g.L, g.k, { stride: g.stride, pads: [g.padBegin, g.padBegin] });
    assert.is(pads.outLength, g.outLength, `${c.id}: symmetric pads`);
    const t: Case = { C: g.C, M: g.M, L: g.L, k: g.k, attrs: { group: g.group, stride: g.stride, dilation: 1, pads: [g.padBegin, g.padBegin], autoPad: 'NOTSET' } };
    check(t, g, rng, `${c.id} ${JSON.stringify(plan)}`, true, EPILOGUES[1], (arena, w, bias) => {
      if (plan.kernel === 'depthwise') {
        const [wo, bo, scratch] = [arena.put(packDepthwiseWeights(w, g)), arena.put(packDepthwiseBias(bias, g)), arena.alloc(depthwiseScratchFloats(g))];
        const k = build((b) => emitDepthwiseConv(b, 'dw', { geometry: g, weightsOffset: wo, biasOffset: bo, positions: plan.positions, epilogue: EPILOGUES[1].e, fused: false }), ['dw']);
        return { run: (x, out, N) => k.dw(x, out, N, scratch) };
      }
      const [wo, bo] = [arena.put(packDirectWeights(w, g, plan.vectors)), arena.put(packDirectBias(bias, g, plan.vectors))];
      const k = build((b) => emitDirectConv(b, 'conv', { geometry: g, weightsOffset: wo, biasOffset: bo, ...plan, epilogue: EPILOGUES[1].e, fused: false }), ['conv']);
      return { run: (x, out, N) => k.conv(x, out, N) };
    });
    if (plan.kernel === 'direct') {
      const { positions: P, vectors: V } = plan;
      assert.ok(P * V + V + P <= 15, `${c.id}: tile ${P}x${V} within the registers`);
      assert.is(P, Math.min(4, g.outLength), c.id);
    } else assert.ok(g.group === g.C && g.C === g.M, c.id);
  }
});

/** Relaxed SIMD (fused multiply-adds): both kernels on a few geometries, in a Node that has it (a child with the flag on Node 20/21). */
const RELAXED_CHILD = `
import { Builder } from ${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/compiler/emit/ir.js')).href)};
import { loadBinaryen } from ${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/compiler/emit/wasm/binaryen.js')).href)};
await loadBinaryen();
import { emitDirectConv, packDirectWeights } from ${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/compiler/emit/conv.js')).href)};
import { emitDepthwiseConv, packDepthwiseWeights, depthwiseScratchFloats } from ${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/compiler/emit/conv_depthwise.js')).href)};
import { referenceConv } from ${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/test/conv_reference.js')).href)};
const memory = new WebAssembly.Memory({ initial: 64, maximum: 100 });
const heap = new Float32Array(memory.buffer);
let worst = 0, wat = '';
for (const [g, depthwise] of JSON.parse(process.argv.at(-1))) {
  const b = new Builder({ simd: true, relaxedSimd: true, threads: false });
  b.importMemory(1, 100);
  const w = Float32Array.from({ length: g.M * g.C / g.group * g.k }, (_, i) => Math.sin(i));
  const x = Float32Array.from({ length: g.C * g.L }, (_, i) => Math.cos(i));
  heap.set(depthwise ? packDepthwiseWeights(w, g) : packDirectWeights(w, g, 2), 1024);
  heap.set(x, 65536);
  const common = { geometry: g, weightsOffset: 4096, biasOffset: null, epilogue: null, fused: true };
  if (depthwise) emitDepthwiseConv(b, 'k', { ...common, positions: 4 }); else emitDirectConv(b, 'k', { ...common, positions: 4, vectors: 2, tapLoop: g.k > 16 });
  b.exportFunction('k');
  if (!b.validate()) throw new Error('does not validate');
  wat += b.emitText();
  new WebAssembly.Instance(new WebAssembly.Module(b.emitBinary()), { env: { memory } }).exports.k(262144, 393216, 1, 524288);
  const want = referenceConv(x, w, null, { N: 1, C: g.C, L: g.L, M: g.M, k: g.k }, { group: g.group, stride: g.stride, pads: [g.padBegin, g.padBegin] });
  want.forEach((v, i) => { worst = Math.max(worst, Math.abs(heap[98304 + i] - v)); });
}
console.log(JSON.stringify({ worst, relaxed: wat.includes('f32x4.relaxed_madd') }));
`;

test('relaxed SIMD: both kernels with fused multiply-adds give the reference result (in a child Node with the flag)', async () => {
  const cases: [ConvGeometry, boolean][] = [
    [{ C: 5, L: 9, M: 11, k: 3, stride: 1, dilation: 1, padBegin: 1, group: 1, outLength: 9 }, false],
    [{ C: 1, L: 60, M: 6, k: 20, stride: 8, dilation: 1, padBegin: 0, group: 1, outLength: 6 }, false],
    [{ C: 7, L: 10, M: 7, k: 5, stride: 1, dilation: 1, padBegin: 2, group: 7, outLength: 10 }, true],
  ];
  const flags = detectFeatures().relaxedSimd ? [] : ['--experimental-wasm-relaxed-simd'];
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--input-type=module', '-e', RELAXED_CHILD, JSON.stringify(cases)], { timeout: 60_000 });
  const { worst, relaxed } = JSON.parse(stdout) as { worst: number; relaxed: boolean };
  assert.ok(relaxed, 'the kernels use f32x4.relaxed_madd');
  assert.ok(worst <= 1e-4, `max abs error ${worst}`);
});

test('position tiles: interior runs loop, border tiles stand alone (single positions with the tap loop)', () => {
  const g: ConvGeometry = { C: 1, L: 20, M: 1, k: 3, stride: 1, dilation: 1, padBegin: 1, group: 1, outLength: 20 };
  assert.equal(positionTiles(g, 4, false), [
    { first: 0, count: 4, repeat: 1 }, { first: 4, count: 4, repeat: 3 }, { first: 16, count: 4, repeat: 1 },
  ]);
  assert.equal(positionTiles(g, 4, true).map((t) => [t.first, t.count, t.repeat]), [
    [0, 1, 1], [1, 1, 1], [2, 1, 1], [3, 1, 1], [4, 4, 3], [16, 1, 1], [17, 1, 1], [18, 1, 1], [19, 1, 1],
  ]);
  // No padding, stride 128 (an STFT as a conv): every position is inside, one tile of four.
  const stft: ConvGeometry = { C: 1, L: 640, M: 258, k: 256, stride: 128, dilation: 1, padBegin: 0, group: 1, outLength: 4 };
  assert.equal(positionTiles(stft, 4, true), [{ first: 0, count: 4, repeat: 1 }]);
});

test.run();
