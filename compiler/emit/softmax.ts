/**
 * Softmax and LogSoftmax over the last axis (compile-time width N), numerically stable: every row
 * subtracts its maximum before the SIMD exp, so no exp overflows and the largest term is exactly 1.
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { emitExpNonPositive, emitLogPositive } from './activations.js';
import { Straight } from './vec.js';
import { load, store } from './loops.js';

/** What `emitSoftmax` computes. */
export interface SoftmaxSpec {
  /** Width of the last axis. */
  readonly N: number;
  /** LogSoftmax rather than Softmax. */
  readonly log: boolean;
  /** Vectors per iteration (and independent accumulators) of each pass over a row (default 4). */
  readonly unroll?: number;
}

/** Rows of at most this many vectors are walked straight-line. */
const STRAIGHT_VECTORS = 16;

/** Emits f(v, off, lane, slot) over one row of N floats from `ptrs` (advancing them); slot < unroll for vectors, -1 for lanes. */
type RowBody = (v: Straight, off: number, lane: boolean, slot: number) => void;

function rowPass(b: Builder, s: FunctionScope, label: string, ptrs: readonly Local[], N: number, unroll: number, f: RowBody): Expr {
  const vectors = Math.floor(N / 4);
  const iters = vectors <= STRAIGHT_VECTORS ? 0 : Math.floor(vectors / unroll);
  const out: Expr[] = [];
  if (iters > 0) {
    const i = s.local('i32');
    const v = new Straight(b, s);
    for (let g = 0; g < unroll; g++) f(v, g * 16, false, g);
    out.push(s.set(i, b.i32(iters)), b.loop(label, b.seq([
      v.done(),
      ...ptrs.map((p) => s.bump(p, unroll * 16)),
      s.bump(i, -1),
      b.br(label, s.get(i)),
    ])));
  }
  const v = new Straight(b, s);
  for (let g = iters * unroll; g < vectors; g++) f(v, (g - iters * unroll) * 16, false, g % unroll);
  for (let j = 0; j < N % 4; j++) f(v, ((vectors - iters * unroll) * 4 + j) * 4, true, -1);
  out.push(v.done());
  return b.seq(out);
}

/** All four lanes of the result hold op over the lanes of x. */
function horizontal(b: Builder, op: (x: Expr, y: Expr) => Expr, v: Straight, x: Local): Local {
  const t = v.let(op(v.get(x), b.vshuffle(v.get(x), v.get(x), [2, 3, 0, 1])));
  return v.let(op(v.get(t), b.vshuffle(v.get(t), v.get(t), [1, 0, 3, 2])));
}

/**
 * Emits `name(x, out, rows)`, x and out [rows, N]; out may alias x.
 *
 *   for r in 0..rows:
 *     m = max_j x[r][j]                         (unroll accumulators, then a horizontal max)
 *     Softmax:    out[r][j] = e_j = exp(x[r][j] - m);  s = sum_j e_j;  out[r][j] *= 1/s
 *     LogSoftmax: s = sum_j exp(x[r][j] - m);  out[r][j] = (x[r][j] - m) - log(s)
 */
export function emitSoftmax(b: Builder, name: string, spec: SoftmaxSpec): void {
  const { N, log } = spec;
  const U = spec.unroll ?? 4;
  const s = b.scope(['i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1), rows = s.param(2);
  const px = s.local('i32'), po = s.local('i32');
  const acc = Array.from({ length: U }, () => s.local('v128'));
  const lanes = s.local('v128'); // the sum of the tail lanes' exps, in every lane
  const m = s.local('v128'), scale = s.local('v128');
  const reset = (): Expr[] => [s.set(px, s.get(X)), s.set(po, s.get(OUT))];

  const init = (x: number) => b.seq(acc.map((a) => s.set(a, b.vconst(x))));
  const maxPass = rowPass(b, s, 'max', [px], N, U, (v, off, lane, slot) => {
    const a = acc[Math.max(slot, 0)];
    v.push(s.set(a, b.vmax(s.get(a), load(b, s.get(px), off, lane))));
  });
  const sumPass = rowPass(b, s, 'sum', log ? [px] : [px, po], N, U, (v, off, lane, slot) => {
    // d + lo = x - m exactly (TwoSum), so exp keeps its few-ulp accuracy far below the maximum.
    const x = v.let(load(b, s.get(px), off, lane));
    const d = v.let(b.vsub(v.get(x), s.get(m)));
    const bb = v.let(b.vsub(v.get(d), v.get(x)));
    const lo0 = b.vsub(b.vsub(v.get(x), b.vsub(v.get(d), v.get(bb))), b.vadd(s.get(m), v.get(bb)));
    // Where exp underflows anyway (d = -Infinity makes lo NaN), lo is dropped.
    const lo = v.let(b.vand(lo0, b.vgt(v.get(d), b.vconst(-88))));
    const e = emitExpNonPositive(v, d, lo);
    if (!log) v.push(store(b, s.get(po), off, lane, v.get(e)));
    const a = lane ? lanes : acc[slot];
    v.push(s.set(a, b.vadd(s.get(a), v.get(e))));
  });
  const finalPass = rowPass(b, s, 'final', log ? [px, po] : [po], N, U, (v, off, lane) => {
    const y = log
      ? b.vsub(b.vsub(load(b, s.get(px), off, lane), s.get(m)), s.get(scale))
      : b.vmul(load(b, s.get(po), off, lane), s.get(scale));
    v.push(store(b, s.get(po), off, lane, y));
  });

  const reduce = (op: (x: Expr, y: Expr) => Expr, into: Local, extra: Expr | null): Expr => {
    const v = new Straight(b, s);
    let t = v.let(s.get(acc[0]));
    for (let i = 1; i < U; i++) t = v.let(op(v.get(t), s.get(acc[i])));
    const h = horizontal(b, op, v, t);
    v.push(s.set(into, extra === null ? v.get(h) : op(v.get(h), extra)));
    return v.done();
  };
  const finish = (): Expr => {
    const v = new Straight(b, s);
    if (log) v.push(s.set(scale, v.get(emitLogPositive(v, scale))));
    else v.push(s.set(scale, b.vdiv(b.vconst(1), s.get(scale))));
    return v.done();
  };

  const body = b.block('rows_out', [b.loop('rows', b.seq([
    b.br('rows_out', b.leS(s.get(rows), b.i32(0))),
    init(-Infinity),
    ...reset(), maxPass, reduce((x, y) => b.vmax(x, y), m, null),
    init(0), s.set(lanes, b.vconst(0)),
    ...reset(), sumPass, reduce((x, y) => b.vadd(x, y), scale, s.get(lanes)),
    finish(),
    ...reset(), finalPass,
    s.bump(X, N * 4),
    s.bump(OUT, N * 4),
    s.bump(rows, -1),
    b.br('rows'),
  ]))]);
  s.finish(name, body);
}
