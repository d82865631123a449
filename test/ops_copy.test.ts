/**
 * Data-movement kernels (compiler/emit/copy.ts): Transpose for every perm of rank 1..4, the strided
 * row copy, and the Concat and Slice (any steps) steps compiled into the module that ships; all bit for bit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitCopyRows, emitTranspose, transposeGroups } from '../compiler/emit/copy.js';
import { emitStridedCopy } from '../compiler/emit/strided.js';
import { lowerModel } from '../compiler/frontend/index.js';
import type { BufRef, BufferSpec, Dim, Program, Step } from '../compiler/frontend/program.js';
import { compileProgram } from '../compiler/module/artifact.js';
import type { ConcatStep } from '../compiler/ops/concat.js';
import { sliceLevels, type SliceStep } from '../compiler/ops/slice.js';
import { UnsupportedError } from '../contract/errors.js';
import { Engine } from '../runtime/engine.js';
import { Tensor } from '../runtime/tensor.js';
import { GraphBuilder } from './graph_builder.js';
import { Arena, build } from './ops_harness.js';
import { throws } from './throws.js';
import { interpretProgram } from './program_interp.js';
import { mulberry32, pick, randInt, type Rng } from './random.js';

const SENTINEL = 0x7fbadbad;

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** Random int32 bit patterns (NaN payloads included: moves must be bit-exact). */
function randomBits(rng: Rng, n: number): Int32Array {
  return Int32Array.from({ length: n }, () => (rng() * 2 ** 32) | 0);
}

const product = (xs: readonly number[]) => xs.reduce((p, x) => p * x, 1);

function transposeRef(x: Int32Array, dims: readonly number[], perm: readonly number[]): Int32Array {
  const rank = dims.length;
  const od = perm.map((p) => dims[p]);
  const st = dims.map((_, a) => product(dims.slice(a + 1)));
  const out = new Int32Array(x.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let j = 0; j < rank; j++) src += idx[j] * st[perm[j]];
    out[o] = x[src];
    for (let j = rank - 1; j >= 0; j--) { if (++idx[j] < od[j]) break; idx[j] = 0; }
  }
  return out;
}

test('transposeGroups merges axes that stay adjacent', () => {
  assert.equal(transposeGroups([0, 1, 2]), [[1, 2, 3]]);
  assert.equal(transposeGroups([1, 0, 2]), [[2], [1], [3]]);
  assert.equal(transposeGroups([1, 2, 0]), [[2, 3], [1]]);
  assert.equal(transposeGroups([0, 2, 3, 1]), [[0], [2, 3], [1]]);
});

test('transpose: every perm of rank 1..4, random dims incl. 0 and long rows, bit-exact', () => {
  const rng = mulberry32(11);
  for (let rank = 1; rank <= 4; rank++) {
    for (const perm of permutations(rank)) {
      const k = build((b) => emitTranspose(b, 'transpose', { perm }), ['transpose']);
      for (let trial = 0; trial < 12; trial++) {
        const dims = Array.from({ length: rank }, () => randInt(rng, 1, rank <= 2 ? 13 : 6));
        if (trial === 0) dims[rank - 1] = 150; // a row long enough for memory.copy
        if (trial === 1) dims[randInt(rng, 0, rank - 1)] = 0;
        const n = product(dims);
        const arena = new Arena();
        const x = randomBits(rng, n);
        const xp = arena.put(x, 4 * (trial % 4)), op = arena.alloc(n + 4, 4 * ((trial + 1) % 4));
        arena.i32(op, n + 4).fill(SENTINEL);
        const padded = [...new Array<number>(4 - rank).fill(1), ...dims];
        k.transpose(xp, op, ...padded);
        assert.equal(Array.from(arena.i32(op, n)), Array.from(transposeRef(x, dims, perm)), `perm ${perm} dims ${dims}`);
        assert.ok(arena.i32(op + n * 4, 4).every((v) => v === SENTINEL), `perm ${perm} dims ${dims}: past the end`);
      }
    }
  }
});

test('copyRows: strided rows of every length (vector, lane and memory.copy paths)', () => {
  const rng = mulberry32(12);
  const k = build((b) => emitCopyRows(b, 'copyRows', {}), ['copyRows']);
  for (const rowElems of [0, 1, 2, 3, 4, 5, 7, 15, 16, 17, 33, 127, 128, 129, 300]) {
    for (const rows of [0, 1, 3, 6]) {
      const srcStride = rowElems + randInt(rng, 0, 5), dstStride = rowElems + randInt(rng, 0, 5);
      const arena = new Arena();
      const src = randomBits(rng, rows * srcStride + 1);
      const sp = arena.put(src, 4), dp = arena.alloc(rows * dstStride + 4, 8);
      arena.i32(dp, rows * dstStride + 4).fill(SENTINEL);
      k.copyRows(sp, dp, rows, rowElems * 4, srcStride * 4, dstStride * 4);
      const want = new Int32Array(rows * dstStride + 4).fill(SENTINEL);
      for (let r = 0; r < rows; r++) want.set(src.subarray(r * srcStride, r * srcStride + rowElems), r * dstStride);
      assert.equal(Array.from(arena.i32(dp, want.length)), Array.from(want), `rows=${rows} len=${rowElems}`);
    }
  }
});

test('strided gather kernel: 1..4 levels, strides of any sign, rows short and long, bit-exact, nothing past the end', () => {
  const rng = mulberry32(15);
  for (const levels of [1, 2, 3, 4]) {
    for (const contiguous of [false, true]) {
      const k = build((b) => emitStridedCopy(b, 'gather', { levels, contiguous }), ['gather']);
      for (let trial = 0; trial < 10; trial++) {
        const n = Array.from({ length: levels }, () => randInt(rng, 0, 4));
        if (trial === 0) n[levels - 1] = 150; // a row long enough for memory.copy
        // Element strides; the innermost is 1 when contiguous. The source is laid out around its first element.
        const st = n.map((_, i) => (i === levels - 1 && contiguous ? 1 : pick(rng, [-7, -3, -1, 2, 5, 160])));
        const reach = n.reduce((r, c, i) => r + Math.max(0, c - 1) * Math.abs(st[i]), 0);
        const src = randomBits(rng, 2 * reach + 1);
        const arena = new Arena();
        const sp = arena.put(src, 4 * (trial % 4)), total = product(n), dp = arena.alloc(total + 4, 8);
        arena.i32(dp, total + 4).fill(SENTINEL);
        k.gather(sp + 4 * reach, dp, ...n, ...st.map((x) => 4 * x));
        const want: number[] = [];
        const walk = (i: number, at: number): void => {
          if (i === levels) return void want.push(src[at]);
          for (let j = 0; j < n[i]; j++) walk(i + 1, at + j * st[i]);
        };
        walk(0, reach);
        assert.equal(Array.from(arena.i32(dp, total)), want, `levels ${levels} n ${n} strides ${st}`);
        assert.ok(arena.i32(dp + 4 * total, 4).every((v) => v === SENTINEL), `levels ${levels} n ${n}: past the end`);
      }
    }
  }
});

/** Compiles a program of one step over int32 buffers through the module that ships and runs it. */
async function runStep(program: Program, feeds: Record<string, Tensor>): Promise<Int32Array> {
  const { artifact } = compileProgram(program, { threads: false });
  const engine = await Engine.create(artifact);
  return engine.run(feeds)[program.outputs[0].name].data as Int32Array;
}

/** A program of one step: inputs `in0`.. of the given dims, output `out`; int32 buffers (bit-exact moves). */
function oneStep(inputs: readonly (readonly Dim[])[], outDims: readonly Dim[], step: (ins: BufRef[], out: BufRef) => Step): Program {
  const buffers: BufferSpec[] = [...inputs, outDims].map((dims, id) => ({ id, dtype: 'int32', dims: [...dims], name: id < inputs.length ? `in${id}` : 'out' }));
  const refs = buffers.map((b) => ({ buffer: b.id, dims: b.dims }));
  return {
    maxBatch: 4, buffers, constants: [],
    inputs: inputs.map((dims, i) => ({ name: `in${i}`, dtype: 'int32', dims: [...dims], buffer: i })),
    outputs: [{ name: 'out', dtype: 'int32', dims: [...outDims], buffer: inputs.length }],
    steps: [step(refs.slice(0, inputs.length), refs[inputs.length])],
  };
}

test('concat step: every axis, with seq/batch dims, through the module that ships', async () => {
  const rng = mulberry32(13);
  for (let trial = 0; trial < 40; trial++) {
    const rank = randInt(rng, 1, 4);
    const base = Array.from({ length: rank }, () => randInt(rng, 1, 5));
    const axis = randInt(rng, 0, rank - 1);
    const count = randInt(rng, 1, 4);
    const shapes = Array.from({ length: count }, () => base.map((d, i) => (i === axis ? randInt(rng, 0, 4) : d)));
    // Axis 0, when it is not the concatenated one, is the run-time seq (the same in every input).
    const symbolic = axis !== 0;
    const dimsOf = (d: readonly number[]): Dim[] => d.map((x, j) => (j === 0 && symbolic ? 'seq' : x));
    const outDims = base.map((d, i) => (i === axis ? shapes.reduce((a, s) => a + s[axis], 0) : d));
    const signedAxis = trial % 2 ? axis - rank : axis;
    const program = oneStep(shapes.map(dimsOf), dimsOf(outDims), (ins, out) => ({ op: 'concat', node: 'cat', axis: signedAxis, inputs: ins, out } as ConcatStep));
    const data = shapes.map((d) => randomBits(rng, product(d)));
    const got = await runStep(program, Object.fromEntries(data.map((x, i) => [`in${i}`, new Tensor('int32', x, shapes[i])])));
    // Reference: outer rows, each the inputs' inner blocks side by side.
    const outer = product(base.slice(0, axis));
    const want: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < count; i++) {
        const inner = product(shapes[i].slice(axis));
        want.push(...data[i].subarray(o * inner, o * inner + inner));
      }
    }
    assert.equal(Array.from(got), want, `concat ${JSON.stringify(shapes)} axis ${axis}`);
  }
});

/** The indices ONNX Slice takes on an axis of size d (starts/ends clamped per the spec, walked one by one). */
function sliceIndices(d: number, start: number, end: number, step: number): number[] {
  const norm = (v: number) => (v < 0 ? v + d : v);
  const [lo, hi] = step > 0 ? [0, d] : [-1, d - 1];
  const s = Math.min(Math.max(norm(start), lo), hi), e = Math.min(Math.max(norm(end), lo), hi);
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

test('slice step: boxes of rank 1..5, any steps (negative, > 1) on several axes, seq dims, through the module that ships', async () => {
  const rng = mulberry32(14);
  for (let trial = 0; trial < 120; trial++) {
    const rank = randInt(rng, 1, 5);
    const dims = Array.from({ length: rank }, () => randInt(rng, 1, rank > 3 ? 4 : 7));
    if (trial % 10 === 0) dims[rank - 1] = 150; // rows long enough for memory.copy
    // Axis 0 is the run-time seq on some trials: taken whole, as Slice's rule requires.
    const symbolic = trial % 3 === 0;
    const picks = dims.map((d, i) => {
      if ((i === 0 && symbolic) || rng() < 0.3) return { whole: true, idx: Array.from({ length: d }, (_, k) => k) };
      const step = pick(rng, [1, 1, -1, 2, -2, 3, -3]);
      const idx = sliceIndices(d, randInt(rng, -d - 1, d + 1), randInt(rng, -d - 2, d + 2), step);
      return idx.length === 0 ? { whole: false, idx: [randInt(rng, 0, d - 1)], step } : { whole: false, idx, step };
    });
    const xDims: Dim[] = dims.map((d, i) => (i === 0 && symbolic ? 'seq' : d));
    const ranges = picks.map((p, i) => (p.whole ? [0, xDims[i], 1] as const : [p.idx[0], p.idx[0] + p.idx.length * p.step!, p.step!] as const));
    const outDims: Dim[] = picks.map((p, i) => (i === 0 && symbolic ? 'seq' : p.idx.length));
    const program = oneStep([xDims], outDims, ([x], out) => ({ op: 'slice', node: 'sl', x, ranges, out } as SliceStep));
    const data = randomBits(rng, product(dims));
    const got = await runStep(program, { in0: new Tensor('int32', data, dims) });
    const st = dims.map((_, a) => product(dims.slice(a + 1)));
    const want: number[] = [];
    const walk = (a: number, at: number): void => {
      if (a === rank) return void want.push(data[at]);
      for (const i of picks[a].idx) walk(a + 1, at + i * st[a]);
    };
    walk(0, 0);
    assert.equal(Array.from(got), want, `slice ${dims} ${JSON.stringify(ranges)}`);
    const f64 = interpretProgram(program, dims[0], 1, { in0: data });
    assert.equal(Array.from(f64.out), want, `slice ${dims} ${JSON.stringify(ranges)} (float64 interpretation)`);
  }
});

test('slice levels: axes merge where the inner one is whole and the outer has step 1; single elements drop', () => {
  assert.equal(sliceLevels([2, 'seq', 4], [[0, 2, 1], [0, 'seq', 1], [0, 4, 1]]).map((l) => l.count), [[2, 'seq', 4]]);
  assert.equal(sliceLevels([3, 5, 4], [[2, -1, -1], [1, 2, 1], [0, 4, 1]]).map((l) => [l.axes, l.step]), [[[0], -1], [[1, 2], 1]]);
  assert.equal(sliceLevels([3, 5], [[0, 3, 1], [4, -2, -3]]).map((l) => [l.axes, l.count, l.step]), [[[0], [3], 1], [[1], [2], -3]]);
  assert.equal(sliceLevels([3, 5], [[1, 2, 1], [3, 4, 1]]).map((l) => l.count), [[1]]);
});

test('a run-time slice of part of an axis of run-time size is refused before any code is made', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 1, 4]);
  const [y] = g.rnn('RNN', x, 4, 4, { name: 'r' });
  g.node('Slice', [y, g.constInts([3]), g.constInts([0]), g.constInts([0]), g.constInts([-1])], [], { name: 'sl', outputs: ['out'] });
  g.output('out', null);
  throws(() => lowerModel(g.encode()), UnsupportedError, "Slice (node 'sl')", 'a slice [3:0] of an axis of run-time size');
});

test.run();
