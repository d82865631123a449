/**
 * The op kernels around the RNN (compiler/emit) against plain JS references, over sizes with
 * every remainder: gather, matmul (every tile the spec allows), elementwise, softmax.
 * Data movement (transpose, copyRows, Concat/Slice plans) is in ops_copy.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitBinary, emitMap, type BinaryKind, type BroadcastPattern } from '../compiler/emit/elementwise.js';
import { emitGather } from '../compiler/emit/gather.js';
import { emitMatmul, packMatmulBias, packMatmulWeights, packedBiasFloats, packedMatmulFloats, type MatmulSpec } from '../compiler/emit/matmul.js';
import { emitSoftmax } from '../compiler/emit/softmax.js';
import { OPS } from '../compiler/ops/index.js';
import type { UnarySpec } from '../compiler/ops/unary.js';
import { Arena, build, maxError, randomF32 } from './ops_harness.js';
import { mulberry32, randInt } from './random.js';

const SENTINEL = 0x7fbadbad; // a NaN bit pattern no kernel produces

test('gather: rows of every width, negative indices, out-of-range indices clamped, nothing past the end', () => {
  const rng = mulberry32(1);
  for (const V of [1, 3, 7, 50]) {
    for (const E of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 64, 67, 70, 100, 131]) {
      const k = build((b) => emitGather(b, 'gather', { rows: V, width: E }), ['gather']);
      for (const count of [0, 1, 2, 5, 9]) {
        const arena = new Arena();
        const table = randomF32(rng, V * E);
        const idx = Int32Array.from({ length: count }, () => randInt(rng, -V, V - 1));
        if (count > 2) { idx[0] = V + 5; idx[1] = -V - 3; } // clamped to V - 1
        const tp = arena.put(table), ip = arena.put(idx, 4), op = arena.alloc(count * E + 8, 8);
        arena.i32(op, count * E + 8).fill(SENTINEL);
        k.gather(tp, ip, op, count);
        const want = new Float32Array(count * E);
        idx.forEach((r, i) => {
          const row = r < 0 ? r + V : r;
          const c = row >= 0 && row < V ? row : V - 1;
          want.set(table.subarray(c * E, c * E + E), i * E);
        });
        assert.equal(Array.from(arena.f32(op, count * E)), Array.from(want), `V=${V} E=${E} count=${count}`);
        assert.ok(arena.i32(op + count * E * 4, 8).every((x) => x === SENTINEL), `no write past the end (E=${E})`);
      }
    }
  }
});

/** Runs one matmul spec for M = 0..9 (and 23) against float64, with a sentinel around the output. */
function checkMatmul(spec: Omit<MatmulSpec, 'panelsOffset' | 'biasOffset'>, withBias: boolean, seed: number): void {
  const { K, N, NR } = spec;
  const rng = mulberry32(seed);
  const arena = new Arena();
  const w = randomF32(rng, K * N), bias = randomF32(rng, N);
  const panelsOffset = arena.put(packMatmulWeights(w, K, N, NR));
  assert.is(packMatmulWeights(w, K, N, NR).length, packedMatmulFloats(K, N, NR));
  const biasOffset = withBias ? arena.put(packMatmulBias(bias, N, NR)) : null;
  if (withBias) assert.is(packMatmulBias(bias, N, NR).length, packedBiasFloats(N, NR));
  const full: MatmulSpec = { ...spec, panelsOffset, biasOffset };
  const k = build((b) => emitMatmul(b, 'matmul', full), ['matmul']);
  const tag = `MR=${spec.MR} NR=${NR} ku=${spec.kUnroll} K=${K} N=${N} bias=${withBias}`;
  for (const M of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 23]) {
    const a = randomF32(rng, M * K);
    const ap = arena.put(a, 4), op = arena.alloc(M * N + 16, 4);
    arena.i32(op, M * N + 16).fill(SENTINEL);
    k.matmul(ap, op, M);
    const want = new Float64Array(M * N);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = withBias ? bias[n] : 0;
        for (let kk = 0; kk < K; kk++) acc += a[m * K + kk] * w[kk * N + n];
        want[m * N + n] = acc;
      }
    }
    const err = maxError(arena.f32(op, M * N), want);
    assert.ok(err <= 1e-5, `${tag} M=${M}: max abs error ${err}`);
    assert.ok(arena.i32(op + M * N * 4, 16).every((x) => x === SENTINEL), `${tag} M=${M}: wrote past the output`);
  }
}

test('matmul: N = 1..13 x K = 1..37 with the default tile, bias and none', () => {
  let seed = 100;
  for (let N = 1; N <= 13; N++) {
    for (const K of [1, 2, 3, 4, 5, 8, 17, 37]) checkMatmul({ K, N, MR: 4, NR: 8, kUnroll: 2 }, (N + K) % 2 === 0, seed++);
  }
});

test('matmul: every tile MR 1..6 x NR 4/8/12 x kUnroll 1..4', () => {
  let seed = 1000;
  const rng = mulberry32(7);
  for (let MR = 1; MR <= 6; MR++) {
    for (const NR of [4, 8, 12] as const) {
      for (let kUnroll = 1; kUnroll <= 4; kUnroll++) {
        for (const [K, N] of [[randInt(rng, 1, 37), randInt(rng, 1, 13)], [randInt(rng, 1, 37), NR * 2 + randInt(rng, 0, NR - 1)]]) {
          checkMatmul({ K, N, MR, NR, kUnroll }, seed % 2 === 0, seed++);
        }
      }
    }
  }
});

const ARITH: Record<BinaryKind, (x: number, y: number) => number> = {
  add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y,
};
const PATTERNS: BroadcastPattern[] = ['same', 'bRow', 'aRow', 'bScalar', 'aScalar'];

test('binary: four ops x five broadcasts, tails, in place (out = a, out = b)', () => {
  const rng = mulberry32(3);
  for (const kind of ['add', 'sub', 'mul', 'div'] as const) {
    for (const pattern of PATTERNS) {
      const k = build((b) => emitBinary(b, 'binary', { kind, pattern }), ['binary']);
      for (const outer of [0, 1, 2, 3, 5]) {
        for (const inner of [1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 33, 67]) {
          const n = outer * inner;
          const aLen = pattern === 'aRow' ? inner : pattern === 'aScalar' ? 1 : n;
          const bLen = pattern === 'bRow' ? inner : pattern === 'bScalar' ? 1 : n;
          // Divisors away from 0: |b| in [0.5, 2].
          const a = randomF32(rng, aLen, -2, 2);
          const bv = Float32Array.from({ length: bLen }, () => (rng() < 0.5 ? -1 : 1) * (0.5 + 1.5 * rng()));
          const want = new Float32Array(n);
          for (let o = 0; o < outer; o++) {
            for (let j = 0; j < inner; j++) {
              const i = o * inner + j;
              const x = aLen === n ? a[i] : aLen === inner ? a[j] : a[0];
              const y = bLen === n ? bv[i] : bLen === inner ? bv[j] : bv[0];
              want[i] = ARITH[kind](x, y);
            }
          }
          const tag = `${kind} ${pattern} ${outer}x${inner}`;
          for (const place of ['out', 'a', 'b'] as const) {
            if (place === 'a' && aLen !== n) continue;
            if (place === 'b' && bLen !== n) continue;
            const arena = new Arena();
            const ap = arena.put(a, 4), bp = arena.put(bv, 8);
            const op = place === 'a' ? ap : place === 'b' ? bp : arena.alloc(n + 4, 12);
            if (place === 'out') arena.i32(op, n + 4).fill(SENTINEL);
            k.binary(ap, bp, op, outer, inner);
            assert.equal(Array.from(arena.f32(op, n)), Array.from(want), `${tag} into ${place}`);
            if (place === 'out') assert.ok(arena.i32(op + n * 4, 4).every((x) => x === SENTINEL), `${tag}: past the end`);
          }
        }
      }
    }
  }
});

/** Every unary op of the registry (ops/unary.ts): its SIMD function against its float64 one. */
const UNARY: UnarySpec[] = OPS.flatMap((m) => ('unary' in m ? [(m as { unary: UnarySpec }).unary] : []));

test('unary ops of the registry: every tail; in place', () => {
  assert.ok(['relu', 'tanh', 'sigmoid'].every((k) => UNARY.some((u) => u.kind === k)), `unary ops: ${UNARY.map((u) => u.kind).join(', ')}`);
  const rng = mulberry32(4);
  for (const u of UNARY) {
    const kind = u.kind;
    const k = build((b) => emitMap(b, 'unary', { f: u.simd, unroll: u.unroll }), ['unary']);
    for (let n = 0; n <= 41; n++) {
      for (const inPlace of [false, true]) {
        const arena = new Arena();
        const x = randomF32(rng, n, -6, 6);
        const xp = arena.put(x, 4);
        const op = inPlace ? xp : arena.alloc(n + 4);
        if (!inPlace) arena.i32(op, n + 4).fill(SENTINEL);
        k.unary(xp, op, n);
        const err = maxError(arena.f32(op, n), Array.from(x, u.f64));
        assert.ok(err <= Math.max(u.tolerance, 1e-6), `${kind} n=${n} inPlace=${inPlace}: error ${err}`);
        if (!inPlace) assert.ok(arena.i32(op + n * 4, 4).every((v) => v === SENTINEL), `${kind} n=${n}: past the end`);
      }
    }
  }
});

/** float64 Softmax / LogSoftmax of one row. */
function softmaxRow(x: ArrayLike<number>, log: boolean): number[] {
  const m = Math.max(...Array.from(x));
  const s = Array.from(x).reduce((acc, v) => acc + Math.exp(v - m), 0);
  return Array.from(x, (v) => (log ? v - m - Math.log(s) : Math.exp(v - m) / s));
}

/**
 * Softmax: relative error, 0 where both underflow f32 (ref < 1e-37, got < 1e-36);
 * LogSoftmax: error / max(1, |ref|). NaN (a failure) when got is NaN.
 */
function softmaxError(got: number, want: number, log: boolean): number {
  if (got === want) return 0;
  if (log) return Math.abs(got - want) / Math.max(1, Math.abs(want));
  if (want < 1e-37) return got < 1e-36 ? 0 : Infinity;
  return Math.abs(got - want) / want;
}

test('softmax and log-softmax: widths 1..13 and long rows, large offsets, -Infinity, in place', () => {
  const rng = mulberry32(5);
  const widths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 63, 64, 65, 67, 68, 100, 257];
  for (const log of [false, true]) {
    for (const N of widths) {
      const k = build((b) => emitSoftmax(b, 'softmax', { N, log }), ['softmax']);
      for (const rows of [0, 1, 2, 5]) {
        for (const inPlace of [false, true]) {
          const arena = new Arena();
          const x = randomF32(rng, rows * N, -10, 10);
          if (rows > 1) for (let j = 0; j < N; j++) x[N + j] += 1000; // row 1 far from 0
          if (rows > 2 && N > 1) x[2 * N + 1] = -Infinity;
          const xp = arena.put(x, 4);
          const op = inPlace ? xp : arena.alloc(rows * N + 4);
          if (!inPlace) arena.i32(op, rows * N + 4).fill(SENTINEL);
          k.softmax(xp, op, rows);
          const got = arena.f32(op, rows * N);
          for (let r = 0; r < rows; r++) {
            const want = softmaxRow(x.subarray(r * N, r * N + N), log);
            const row = got.subarray(r * N, r * N + N);
            const err = Math.max(0, ...Array.from(row, (g, j) => softmaxError(g, want[j], log)));
            assert.ok(err <= 1e-6, `${log ? 'log' : ''}softmax N=${N} row ${r} inPlace=${inPlace}: error ${err}`);
          }
          if (!inPlace) assert.ok(arena.i32(op + rows * N * 4, 4).every((v) => v === SENTINEL), `N=${N}: past the end`);
        }
      }
    }
  }
});

test('every kernel also runs unoptimized (binaryen -O0 output is what validates first)', () => {
  const k = build((b) => {
    emitMatmul(b, 'mm', { K: 5, N: 7, MR: 3, NR: 4, kUnroll: 2, panelsOffset: 1024, biasOffset: null });
    emitSoftmax(b, 'sm', { N: 7, log: false });
    emitBinary(b, 'bin', { kind: 'add', pattern: 'bRow' });
    const tanh = UNARY.find((u) => u.kind === 'tanh')!;
    emitMap(b, 'un', { f: tanh.simd, unroll: tanh.unroll });
    emitGather(b, 'ga', { rows: 3, width: 5 });
  }, ['mm', 'sm', 'bin', 'un', 'ga'], false);
  assert.ok(k.mm && k.sm && k.bin && k.un && k.ga);
});

test.run();
