/**
 * ReduceSum, ReduceMean and ReduceMax over one block of adjacent axes: x is [outer, R, inner] with R
 * fixed, out is [outer, inner]. When inner is 1 each row of R elements is reduced across f32x4
 * lanes (four accumulators, then one horizontally); otherwise R rows of inner elements are combined
 * lane by lane, four vectors of the output at a time.
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { Straight } from './vec.js';

/** The reduction. */
export type ReduceKind = 'sum' | 'mean' | 'max';

/** What `emitReduce` computes. */
export interface ReduceSpec {
  readonly kind: ReduceKind;
  /** Elements reduced into each output element. */
  readonly R: number;
  /** inner is 1 (the reduced axes are the last ones): reduce each row across lanes. */
  readonly rows: boolean;
  /** Vectors in flight: accumulators of a row, or output vectors per step of the columns (default 4). */
  readonly unroll?: number;
}

/** The op and its identity (max propagates NaN: f32x4.max, as NumPy's maximum). */
function combine(b: Builder, kind: ReduceKind, x: Expr, y: Expr): Expr {
  return kind === 'max' ? b.vmax(x, y) : b.vadd(x, y);
}
const identity = (kind: ReduceKind) => (kind === 'max' ? -Infinity : 0);
const finish = (b: Builder, spec: ReduceSpec, acc: Expr) => (spec.kind === 'mean' ? b.vdiv(acc, b.vconst(spec.R)) : acc);

/**
 * One row of R elements at p into lane 0 of `into` (every lane, in fact).
 *
 *   acc[0..U) = identity; for each group of U vectors: acc[u] op= p[u]; then the vectors left, into acc[g % U]
 *   lanes = identity; for each of the R % 4 last elements: lanes op= splat(element)
 *   into = horizontal(acc[0] op ... op acc[U-1]) op lanes
 */
function reduceRow(b: Builder, s: FunctionScope, spec: ReduceSpec, p: Local, into: Local): Expr {
  const U = spec.unroll ?? 4;
  const acc = Array.from({ length: U }, () => s.local('v128'));
  const op = (x: Expr, y: Expr) => combine(b, spec.kind, x, y);
  const vectors = Math.floor(spec.R / 4);
  const iters = Math.floor(vectors / U);
  const q = s.local('i32'), i = s.local('i32');
  const out: Expr[] = [s.set(q, s.get(p)), ...acc.map((a) => s.set(a, b.vconst(identity(spec.kind))))];
  if (iters > 0) {
    out.push(s.set(i, b.i32(iters)), b.loop('group', b.seq([
      ...acc.map((a, u) => s.set(a, op(s.get(a), b.vload(s.get(q), 16 * u)))),
      s.bump(q, 16 * U), s.bump(i, -1), b.br('group', s.get(i)),
    ])));
  }
  for (let g = iters * U; g < vectors; g++) out.push(s.set(acc[g % U], op(s.get(acc[g % U]), b.vload(s.get(q), 16 * (g - iters * U)))));
  const v = new Straight(b, s);
  let t = v.let(s.get(acc[0]));
  for (let u = 1; u < U; u++) t = v.let(op(v.get(t), s.get(acc[u])));
  t = v.let(op(v.get(t), b.vshuffle(v.get(t), v.get(t), [2, 3, 0, 1])));
  t = v.let(op(v.get(t), b.vshuffle(v.get(t), v.get(t), [1, 0, 3, 2])));
  const tail = (vectors - iters * U) * 16;
  for (let j = 0; j < spec.R % 4; j++) t = v.let(op(v.get(t), b.vsplatLoad(s.get(q), tail + 4 * j)));
  v.push(s.set(into, v.get(t)));
  return b.seq([...out, v.done()]);
}

/**
 * Emits `name(x, out, outer, inner)`; x is [outer, R, inner], out [outer, inner] (counts at run time).
 *
 *   rows (inner = 1): for o in 0..outer: out[o] = finish(reduce of row x[o][0..R))
 *   columns:          for o in 0..outer: for each group of U vectors, then vectors, then lanes j of inner:
 *                       acc = x[o][0][j]; for r in 1..R: acc op= x[o][r][j]; out[o][j] = finish(acc)
 */
export function emitReduce(b: Builder, name: string, spec: ReduceSpec): void {
  const s = b.scope(['i32', 'i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1), outer = s.param(2), inner = s.param(3);
  const rowBytes = s.local('i32'), px = s.local('i32'), po = s.local('i32'), o = s.local('i32');
  let perOuter: Expr;
  if (spec.rows) {
    const r = s.local('v128');
    perOuter = b.seq([reduceRow(b, s, spec, px, r), b.vstoreLane(s.get(po), 0, 0, finish(b, spec, s.get(r))), s.bump(px, 4 * spec.R), s.bump(po, 4)]);
  } else {
    perOuter = b.seq([reduceColumns(b, s, spec, px, po, inner), s.set(px, b.add(s.get(px), b.mul(s.get(rowBytes), b.i32(spec.R)))),
      s.set(po, b.add(s.get(po), s.get(rowBytes)))]);
  }
  s.finish(name, b.seq([
    s.set(rowBytes, b.muli(s.get(inner), 4)), s.set(px, s.get(X)), s.set(po, s.get(OUT)), s.set(o, s.get(outer)),
    b.block('outer_out', [b.loop('outer', b.seq([
      b.br('outer_out', b.leS(s.get(o), b.i32(0))),
      perOuter,
      s.bump(o, -1),
      b.br('outer'),
    ]))]),
  ]));
}

/** The columns of one outer index: x rows at px (rowBytes apart), out at po; both left unchanged. */
function reduceColumns(b: Builder, s: FunctionScope, spec: ReduceSpec, px: Local, po: Local, inner: Local): Expr {
  const U = spec.unroll ?? 4;
  const rowBytes = () => b.muli(s.get(inner), 4);
  const cx = s.local('i32'), co = s.local('i32'), rem = s.local('i32');
  const stage = (tag: string, width: number, lane: boolean): Expr => {
    const acc = Array.from({ length: width }, () => s.local('v128'));
    const q = s.local('i32'), r = s.local('i32');
    const load = (at: Expr, u: number) => (lane ? b.vsplatLoad(at, 0) : b.vload(at, 16 * u));
    const elems = lane ? 1 : 4 * width;
    return b.block(`${tag}_out`, [b.loop(tag, b.seq([
      b.br(`${tag}_out`, b.ltS(s.get(rem), b.i32(elems))),
      s.set(q, s.get(cx)),
      ...acc.map((a, u) => s.set(a, load(s.get(q), u))),
      s.set(r, b.i32(spec.R - 1)),
      b.block(`${tag}_r_out`, [b.loop(`${tag}_r`, b.seq([
        b.br(`${tag}_r_out`, b.leS(s.get(r), b.i32(0))),
        s.set(q, b.add(s.get(q), rowBytes())),
        ...acc.map((a, u) => s.set(a, combine(b, spec.kind, s.get(a), load(s.get(q), u)))),
        s.bump(r, -1),
        b.br(`${tag}_r`),
      ]))]),
      ...acc.map((a, u) => (lane ? b.vstoreLane(s.get(co), 0, 0, finish(b, spec, s.get(a))) : b.vstore(s.get(co), 16 * u, finish(b, spec, s.get(a))))),
      s.bump(cx, 4 * elems), s.bump(co, 4 * elems), s.bump(rem, -elems),
      b.br(tag),
    ]))]);
  };
  return b.seq([
    s.set(cx, s.get(px)), s.set(co, s.get(po)), s.set(rem, s.get(inner)),
    stage('cols_u', U, false), stage('cols_v', 1, false), stage('cols_l', 1, true),
  ]);
}
