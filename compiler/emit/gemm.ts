/**
 * The input projection for a whole sequence: XW = X * W^T + bias, one register-blocked GEMM with
 * M = T*batch rows, done before the time loop. Its columns come out in the packed, gate-interleaved
 * order the recurrent step reads.
 */
import type { Builder, Expr, Local } from '../ir.js';
import type { Plan } from '../plan.js';
import { Straight } from './vec.js';

export function gemmName(plan: Plan, dir: number): string {
  return `${plan.symbol}_xw_d${dir}`;
}

/**
 * Emits `xw_d(x, xw, M, pBegin, pEnd)` (panel range in bytes of XW columns: a worker computes only the
 * columns of its own unit blocks):
 *
 *   for p in pBegin..pEnd step NR (the panel's [I][NR] weights stay in L1):
 *     for m in 0..M step MR (then single rows):
 *       acc[r][q] = bias[p][q]
 *       for k in 0..I (unrolled): acc[r][q] += splat(X[m+r][k]) * Wpanel[p][k][q]
 *       XW[m+r][p][q] = acc[r][q]
 */
export function emitGemm(b: Builder, plan: Plan, dir: number): void {
  const L = plan.layout;
  const { inputSize: I, panelWidth: NR, xwStride: Np } = L;
  const off = L.offsets[dir];
  const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32']);
  const X = s.param(0), XW = s.param(1), M = s.param(2), pBegin = s.param(3), pEnd = s.param(4);
  const panel = s.local('i32'); // byte offset of the panel's columns within an XW row
  const wp = s.local('i32'); // the panel's packed weights
  const xr = s.local('i32'); // first X row of the tile
  const outr = s.local('i32'); // first XW row of the tile (plus panel offset)
  const xEnd = s.local('i32');
  const xk = s.local('i32');
  const wk = s.local('i32');
  const kEnd = s.local('i32');
  const Q = NR / 4;

  /** One tile of `rows` rows at (xr, outr). */
  const tile = (rows: number, label: string): Expr => {
    const v = new Straight(b, s);
    const acc: Local[][] = [];
    for (let r = 0; r < rows; r++) {
      acc.push(Array.from({ length: Q }, (_, q) => v.let(b.vload(b.add(s.get(panel), b.i32(off.xwBias)), q * 16))));
    }
    const kStep = (u: number): Expr[] => {
      const out: Expr[] = [];
      const ws = Array.from({ length: Q }, (_, q) => {
        const l = s.local('v128');
        out.push(s.set(l, b.vload(s.get(wk), (u * NR + q * 4) * 4)));
        return l;
      });
      for (let r = 0; r < rows; r++) {
        const xs = s.local('v128');
        out.push(s.set(xs, b.vsplatLoad(s.get(xk), (r * I + u) * 4)));
        for (let q = 0; q < Q; q++) out.push(s.set(acc[r][q], b.vmadd(s.get(xs), s.get(ws[q]), s.get(acc[r][q]))));
      }
      return out;
    };
    const KU = plan.gemmKUnroll;
    const full = Math.floor(I / KU);
    v.push(s.set(xk, s.get(xr)));
    v.push(s.set(wk, s.get(wp)));
    if (full > 0) {
      const body: Expr[] = [];
      for (let u = 0; u < KU; u++) body.push(...kStep(u));
      body.push(s.bump(xk, KU * 4), s.bump(wk, KU * NR * 4), b.br(label, b.ne(s.get(xk), s.get(kEnd))));
      v.push(s.set(kEnd, b.add(s.get(xr), b.i32(full * KU * 4))));
      v.push(b.loop(label, b.seq(body)));
    }
    for (let u = 0; u < I % KU; u++) for (const e of kStep(u)) v.push(e);
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < Q; q++) v.push(b.vstore(s.get(outr), r * Np * 4 + q * 16, s.get(acc[r][q])));
    }
    return v.done();
  };

  const MR = plan.gemmRows;
  const rowLoop = (rows: number, label: string, limit: Expr): Expr =>
    b.block(`${label}_out`, [
      b.loop(label, b.seq([
        b.br(`${label}_out`, b.gtS(b.add(s.get(xr), b.i32(rows * I * 4)), limit)),
        tile(rows, `${label}_k`),
        s.bump(xr, rows * I * 4),
        s.bump(outr, rows * Np * 4),
        b.br(label),
      ])),
    ]);
  const body = b.seq([
    s.set(xEnd, b.add(s.get(X), b.muli(s.get(M), I * 4))),
    s.set(panel, s.get(pBegin)),
    s.set(wp, b.add(b.i32(off.wPanels), b.muli(s.get(pBegin), I))),
    b.block('panels_out', [b.loop('panels', b.seq([
      b.br('panels_out', b.geS(s.get(panel), s.get(pEnd))),
      s.set(xr, s.get(X)),
      s.set(outr, b.add(s.get(XW), s.get(panel))),
      rowLoop(MR, 'tiles', s.get(xEnd)),
      MR > 1 ? rowLoop(1, 'rows', s.get(xEnd)) : b.nop(),
      s.bump(panel, NR * 4),
      s.bump(wp, I * NR * 4),
      b.br('panels'),
    ]))]),
  ]);
  s.finish(gemmName(plan, dir), body);
}
