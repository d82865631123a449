/**
 * Data-movement kernels (compiler/emit/ops/copy.ts): Transpose for every perm of rank 1..4, the
 * strided row copy, and Concat/Slice run through their plans; all compared bit for bit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { concatPlan, emitCopyRows, emitTranspose, slicePlan, transposeGroups, type CopyRowsCall } from '../compiler/emit/index.js';
import { Arena, build, type Kernel } from './ops_harness.js';
import { mulberry32, randInt, type Rng } from './random.js';

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

/** Runs a plan's calls with the copyRows kernel; `srcs[i]` is input i's offset. */
function runPlan(k: Kernel, calls: readonly CopyRowsCall[], srcs: readonly number[], dst: number): void {
  for (const c of calls) k(srcs[c.input] + c.srcOffset, dst + c.dstOffset, c.rows, c.rowBytes, c.srcStride, c.dstStride);
}

test('concatPlan: Concat along every axis, with seq/batch dims, via copyRows', () => {
  const rng = mulberry32(13);
  const k = build((b) => emitCopyRows(b, 'copyRows', { bulkBytes: 64 }), ['copyRows']).copyRows;
  for (let trial = 0; trial < 200; trial++) {
    const rank = randInt(rng, 1, 4);
    const base = Array.from({ length: rank }, () => randInt(rng, 1, 5));
    const axis = randInt(rng, 0, rank - 1);
    const count = randInt(rng, 1, 4);
    const shapes = Array.from({ length: count }, () => base.map((d, i) => (i === axis ? randInt(rng, 0, 4) : d)));
    const env = { seq: shapes[0][0], batch: 3 };
    const inputs = shapes.map((d, i) => ({ buffer: i, dims: d.map((x, j) => (j === 0 && x === env.seq ? 'seq' as const : x)) }));
    const arena = new Arena();
    const data = shapes.map((d) => randomBits(rng, product(d)));
    const srcs = data.map((x) => arena.put(x, 4));
    const outDims = base.map((d, i) => (i === axis ? shapes.reduce((a, s) => a + s[axis], 0) : d));
    const n = product(outDims);
    const dp = arena.alloc(n + 4);
    arena.i32(dp, n + 4).fill(SENTINEL);
    const signedAxis = trial % 2 ? axis - rank : axis;
    runPlan(k, concatPlan({ axis: signedAxis, inputs }, env), srcs, dp);
    // Reference: outer rows, each the inputs' inner blocks side by side.
    const outer = product(base.slice(0, axis));
    const want: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < count; i++) {
        const inner = product(shapes[i].slice(axis));
        want.push(...data[i].subarray(o * inner, o * inner + inner));
      }
    }
    assert.equal(Array.from(arena.i32(dp, n)), want, `concat ${JSON.stringify(shapes)} axis ${axis}`);
    assert.ok(arena.i32(dp + n * 4, 4).every((v) => v === SENTINEL), 'concat: past the end');
  }
});

test('slicePlan: boxes of rank 1..4 (whole, partial, empty axes), via copyRows', () => {
  const rng = mulberry32(14);
  const k = build((b) => emitCopyRows(b, 'copyRows', {}), ['copyRows']).copyRows;
  for (let trial = 0; trial < 300; trial++) {
    const rank = randInt(rng, 1, 4);
    const dims = Array.from({ length: rank }, () => randInt(rng, 1, 6));
    const ranges = dims.map((d) => {
      const r = rng();
      if (r < 0.4) return [0, d, 1] as const;
      const s = randInt(rng, 0, d - 1);
      return [s, r < 0.45 ? s : randInt(rng, s + 1, d), 1] as const;
    });
    const env = { seq: dims[0], batch: 1 };
    const x = { buffer: 0, dims: dims.map((d, i) => (i === 0 ? 'seq' as const : d)) };
    const sliceRanges = ranges.map((r, i) => (i === 0 && r[1] === dims[0] ? [r[0], 'seq', 1] as const : r));
    const arena = new Arena();
    const data = randomBits(rng, product(dims));
    const sp = arena.put(data);
    const outDims = ranges.map(([s, e]) => e - s);
    const n = product(outDims);
    const dp = arena.alloc(n + 4);
    arena.i32(dp, n + 4).fill(SENTINEL);
    runPlan(k, slicePlan({ node: 'slice', x, ranges: sliceRanges }, env), [sp], dp);
    const st = dims.map((_, a) => product(dims.slice(a + 1)));
    const want: number[] = [];
    const idx = ranges.map(([s]) => s);
    for (let o = 0; o < n; o++) {
      want.push(data[idx.reduce((acc, v, a) => acc + v * st[a], 0)]);
      for (let j = rank - 1; j >= 0; j--) { if (++idx[j] < ranges[j][1]) break; idx[j] = ranges[j][0]; }
    }
    assert.equal(Array.from(arena.i32(dp, n)), want, `slice ${dims} ${JSON.stringify(ranges)}`);
    assert.ok(arena.i32(dp + n * 4, 4).every((v) => v === SENTINEL), 'slice: past the end');
  }
  assert.throws(() => slicePlan({ node: 'sl', x: { buffer: 0, dims: [4] }, ranges: [[0, 4, 2]] }, { seq: 1, batch: 1 }), /sl: Slice step 2/);
});

test.run();
