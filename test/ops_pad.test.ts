/**
 * Pad (compiler/ops/pad.ts, emit/pad.ts): the copy kernel for every mode over random shapes of rank
 * 1..4, pads positive, zero and negative on any axis, rows short and long, bit for bit against an
 * independent reference (crop, then pad one axis at a time); then ONNX models per opset (attributes,
 * inputs, axes) compiled into the module that ships, against onnxruntime, and the refusals.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitPad, type PadGroup, type PadMode } from '../compiler/emit/pad.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { DataType } from '../compiler/onnx/proto.js';
import type { PadStep } from '../compiler/ops/pad.js';
import { ModelError, UnsupportedError } from '../contract/errors.js';
import { attr, GraphBuilder } from './graph_builder.js';
import { Arena, build } from './ops_harness.js';
import { maxRelDiff, runThreeWays } from './ops_onnx.js';
import { mulberry32, pick, randInt, type Rng } from './random.js';
import { throws } from './throws.js';

const SENTINEL = 0x7fbadbad;
const MODES: PadMode[] = ['constant', 'reflect', 'edge', 'wrap'];
const product = (xs: readonly number[]) => xs.reduce((p, x) => p * x, 1);

/** A tensor as nested rows (the reference works on these, not on flat indices). */
type Nested = number | Nested[];
function nest(flat: ArrayLike<number>, dims: readonly number[]): Nested {
  if (dims.length === 0) return flat[0];
  const inner = product(dims.slice(1));
  return Array.from({ length: dims[0] }, (_, i) => nest(Array.from(flat).slice(i * inner, (i + 1) * inner), dims.slice(1)));
}
const flatten = (t: Nested): number[] => (Array.isArray(t) ? t.flatMap(flatten) : [t]);
/** A block of `shape` filled with v (a constant pad row or slab). */
const block = (shape: readonly number[], v: number): Nested => (shape.length === 0 ? v : Array.from({ length: shape[0] }, () => block(shape.slice(1), v)));
const shapeOf = (t: Nested): number[] => (Array.isArray(t) ? [t.length, ...(t.length ? shapeOf(t[0]) : [])] : []);

/** Pads axis `axis` of t: crop first, then the mode's regions (NumPy's pad for pads within one period). */
function padAxis(t: Nested, axis: number, begin: number, end: number, mode: PadMode, value: number): Nested {
  if (axis > 0) return (t as Nested[]).map((r) => padAxis(r, axis - 1, begin, end, mode, value));
  let rows = (t as Nested[]).slice(Math.max(0, -begin), (t as Nested[]).length - Math.max(0, -end));
  const before = Math.max(0, begin), after = Math.max(0, end);
  const n = rows.length;
  const sub = shapeOf(rows[0] ?? 0);
  const left: Nested[] = [], right: Nested[] = [];
  for (let i = before; i >= 1; i--) {
    left.push(mode === 'constant' ? block(sub, value) : mode === 'edge' ? rows[0] : mode === 'reflect' ? rows[i] : rows[n - i]);
  }
  for (let i = 1; i <= after; i++) {
    right.push(mode === 'constant' ? block(sub, value) : mode === 'edge' ? rows[n - 1] : mode === 'reflect' ? rows[n - 1 - i] : rows[i - 1]);
  }
  rows = [...left, ...rows, ...right];
  return rows;
}

/** Random int32 bit patterns (NaN payloads included: the pad must move bits). */
const randomBits = (rng: Rng, n: number) => Int32Array.from({ length: n }, () => (rng() * 2 ** 32) | 0);

test('pad kernel: every mode, rank 1..4, pads on any axes incl. crops, bit-exact, nothing past the end', () => {
  const rng = mulberry32(21);
  for (let trial = 0; trial < 160; trial++) {
    const mode = MODES[trial % 4];
    const rank = randInt(rng, 1, 4);
    const dims = Array.from({ length: rank }, () => randInt(rng, 2, rank <= 2 ? 9 : 5));
    if (trial % 10 === 0) dims[rank - 1] = 150; // a row long enough for memory.copy
    const pads = dims.map((d) => {
      if (rng() < 0.4) return [0, 0];
      const crop = [randInt(rng, -1, 0), randInt(rng, -1, 0)];
      const keep = d + crop[0] + crop[1];
      const most = mode === 'reflect' ? keep - 1 : mode === 'wrap' ? keep : 6;
      return crop.map((c) => (c < 0 && rng() < 0.5 ? c : randInt(rng, 0, most)));
    });
    if (pads.every(([a, b]) => a === 0 && b === 0)) pads[rank - 1] = [1, 1];
    const valueBits = rng() < 0.3 ? 0 : (rng() * 2 ** 32) | 0;
    // Groups: unpadded neighbours merged, as the lowering does.
    const groups: PadGroup[] = [], extents: number[] = [];
    dims.forEach((d, a) => {
      const [b0, b1] = pads[a];
      if (b0 === 0 && b1 === 0) {
        if (a > 0 && groups[groups.length - 1] === null) extents[extents.length - 1] *= d;
        else { groups.push(null); extents.push(d); }
      } else {
        const crop = Math.max(0, -b0), keep = d - crop - Math.max(0, -b1);
        groups.push({ size: d, crop, keep, before: Math.max(0, b0), after: Math.max(0, b1) });
      }
    });
    const k = build((b) => emitPad(b, 'pad', { mode, valueBits, groups }), ['pad']);
    const x = randomBits(rng, product(dims));
    // The reference pads the elements' indices (-1 for the constant): JS numbers would not keep NaN payloads.
    let ref = nest(Array.from(x, (_, i) => i), dims);
    pads.forEach(([b0, b1], a) => { ref = padAxis(ref, a, b0, b1, mode, -1); });
    const want = Int32Array.from(flatten(ref), (i) => (i < 0 ? valueBits : x[i]));
    const arena = new Arena();
    const xp = arena.put(x, 4 * (trial % 4)), op = arena.alloc(want.length + 4, 4 * ((trial + 1) % 4));
    arena.i32(op, want.length + 4).fill(SENTINEL);
    k.pad(xp, op, ...extents);
    const tag = `${mode} dims ${dims} pads ${JSON.stringify(pads)}`;
    assert.equal(Array.from(arena.i32(op, want.length)), Array.from(want), tag);
    assert.ok(arena.i32(op + want.length * 4, 4).every((v) => v === SENTINEL), `${tag}: past the end`);
  }
});

/** Frames x [T, B, L] reflect-padded 64 on the right (Silero VAD's STFT input), then the GRU they feed. */
function audio(L: number, opset: number): Uint8Array {
  const g = new GraphBuilder();
  g.opset = opset;
  const x = g.input('x', ['T', 'B', L]);
  g.node('Pad', [x, g.constInts([0, 0, 0, 0, 0, 64])], [attr.string('mode', 'reflect')], { name: 'pad', outputs: ['padded'] });
  const [, h] = g.rnn('GRU', 'padded', 3, L + 64, { name: 'gru' });
  g.output('padded', ['T', 'B', L + 64]).output(h, [1, 'B', 3]);
  return g.encode();
}

test('the audio case: rows reflect-padded 64 on the right, seq and batch through the pad, the module = onnxruntime bit for bit', async () => {
  const rng = mulberry32(22);
  for (const L of [512, 70]) {
    const bytes = audio(L, 16);
    for (const [T, B] of [[1, 1], [2, 3]]) {
      const x = Float32Array.from({ length: T * B * L }, () => 2 * rng() - 1);
      const r = await runThreeWays(bytes, { x: { data: x, dims: [T, B, L] } }, T, B);
      const step = r.program.steps.find((s) => s.op === 'pad') as PadStep;
      assert.equal(step.groups, [null, { size: L, crop: 0, keep: L, before: 0, after: 64 }]);
      assert.equal(step.extents, [['seq', 'batch']]);
      assert.equal(Array.from(r.rnnc.padded), Array.from(r.ort.padded), `L=${L} T=${T} B=${B}`);
      assert.equal(Array.from(r.rnnc.padded), Array.from(r.f64.padded), `L=${L} T=${T} B=${B} (interpreter)`);
    }
  }
});

/** x [T, B, 6] -> Pad (per opset) -> GRU; Y [T, 1, B, 4] -> Pad of axis 1 -> out. */
function models(): { name: string; bytes: Uint8Array; I: number; outDims: number[] }[] {
  const make = (name: string, opset: number, pad: (g: GraphBuilder, x: string) => string, I: number, outer: PadMode, outDims: number[]) => {
    const g = new GraphBuilder();
    g.opset = opset;
    const x = g.input('x', ['T', 'B', 6]);
    const [y] = g.rnn('GRU', pad(g, x), 4, I, { name: 'gru' });
    const pads = [0, 1, 0, 0, 0, 2, 0, 0];
    if (opset < 11) g.node('Pad', [y], [attr.ints('pads', pads), attr.string('mode', outer), attr.float('value', 0.5)], { outputs: ['out'] });
    else g.node('Pad', [y, g.constInts(pads), g.constFloats([0.5], [])], [attr.string('mode', outer)], { outputs: ['out'] });
    g.output('out', outDims.map((d, i) => (i === 0 ? 'T' : i === 2 ? 'B' : d)));
    return { name, bytes: g.encode(), I, outDims };
  };
  return [
    make('opset 10, attributes, a crop', 10, (g, x) => g.node('Pad', [x], [attr.ints('pads', [0, 0, -1, 0, 0, 3]), attr.float('value', -2)]), 8, 'constant', [0, 4, 0, 4]),
    make('opset 13, inputs, reflect', 13, (g, x) => g.node('Pad', [x, g.constInts([0, 0, 2, 0, 0, 1])], [attr.string('mode', 'reflect')]), 9, 'edge', [0, 4, 0, 4]),
    make('opset 18, axes', 18, (g, x) => g.node('Pad', [x, g.constInts([1, -2]), '', g.constInts([-1])], [attr.string('mode', 'edge')]), 5, 'constant', [0, 4, 0, 4]),
    make('opset 19, wrap', 19, (g, x) => g.node('Pad', [x, g.constInts([0, 0, 3, 0, 0, 2])], [attr.string('mode', 'wrap')]), 11, 'edge', [0, 4, 0, 4]),
  ];
}

test('Pad per opset before and after an RNN (outer axes too): module = float64 interpreter = onnxruntime', async () => {
  const rng = mulberry32(23);
  for (const m of models()) {
    for (const [T, B] of [[3, 2], [1, 1]]) {
      const x = Float32Array.from({ length: T * B * 6 }, () => 2 * rng() - 1);
      const r = await runThreeWays(m.bytes, { x: { data: x, dims: [T, B, 6] } }, T, B);
      assert.equal(r.program.steps.map((s) => s.op), ['pad', 'rnn', 'pad'], m.name);
      assert.equal(r.dims.out, [T, 4, B, 4], m.name);
      assert.ok(maxRelDiff(r.rnnc.out, r.ort.out) <= 1e-5, `${m.name} T=${T} B=${B}: against onnxruntime ${maxRelDiff(r.rnnc.out, r.ort.out)}`);
      assert.ok(maxRelDiff(r.rnnc.out, r.f64.out) <= 1e-5, `${m.name} T=${T} B=${B}: against float64`);
    }
  }
});

test('Pad folds on constants in every mode', () => {
  for (const [mode, pads, want] of [
    ['reflect', [2, 1], [3, 2, 1, 2, 3, 2]], ['edge', [-1, 3], [2, 3, 3, 3, 3]], ['wrap', [1, -1], [2, 1, 2]], ['constant', [1, 1], [7, 1, 2, 3, 7]],
  ] as [PadMode, number[], number[]][]) {
    const g = new GraphBuilder();
    const x = g.input('x', ['T', 1, 2]);
    const [, h] = g.rnn('RNN', x, want.length, 2, { name: 'rnn' });
    const bias = g.node('Pad', [g.constFloats([1, 2, 3]), g.constInts(pads), g.constFloats([7], [])], [attr.string('mode', mode)]);
    g.node('Add', [h, bias], [], { outputs: ['out'] });
    g.output('out', [1, 1, want.length]);
    const { program } = lowerModel(g.encode());
    assert.equal(program.steps.map((s) => s.op), ['rnn', 'binary'], mode);
    assert.equal(Array.from(program.constants[program.constants.length - 1].data), want, mode);
  }
});

test('what the pad kernel cannot take is refused naming the node, the axis and what was expected', () => {
  const model = (pads: number[], mode: string, dims: (number | string)[] = ['T', 'B', 6], computed = false) => {
    const g = new GraphBuilder();
    const x = g.input('x', dims);
    const p = computed ? g.input('pads', [6], DataType.INT64) : g.constInts(pads);
    const padded = g.node('Pad', [x, p], [attr.string('mode', mode)], { name: 'p' });
    const [, h] = g.rnn('RNN', g.node('Slice', [padded, g.constInts([0]), g.constInts([6]), g.constInts([2])]), 3, 6, { name: 'rnn' });
    g.output(h, null);
    return () => lowerModel(g.encode());
  };
  throws(model([0, 0, 6, 0, 0, 0], 'reflect'), UnsupportedError, "Pad (node 'p')", 'reflect pads [6, 0] on axis 2', 'at most 5');
  throws(model([0, 0, 0, 0, 0, 7], 'wrap'), UnsupportedError, "Pad (node 'p')", 'wrap pads [0, 7] on axis 2');
  throws(model([0, 1, 0, 0, 0, 0], 'constant'), UnsupportedError, "Pad (node 'p')", 'axis 1, whose size batch varies at run time');
  throws(model([0, 0, -4, 0, 0, -3], 'constant'), ModelError, "Pad (node 'p')", 'crop more than the 6 elements of axis 2');
  throws(model([0, 0, 1], 'constant'), ModelError, "Pad (node 'p')", 'pads has 3 entries; 6 were expected');
  throws(model([0, 0, 1, 0, 0, 1], 'mirror'), ModelError, "Pad (node 'p')", "mode 'mirror' is not one of constant, reflect, edge, wrap");
  throws(model([], 'constant', [5, 'B', 6], true), UnsupportedError, "Pad (node 'p')", 'pads (input 1) is computed at run time');
});

test.run();
