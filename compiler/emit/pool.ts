/**
 * MaxPool and AveragePool over the last axis of [rows, L] (1-D pools of [N, C, L]): window o reads
 * x[o*stride - padBegin + t*dilation] for t < kernel, the taps inside the row. Every window is
 * known at compile time: the interior ones (all taps inside, loads too) go four outputs per step,
 * each tap's four inputs one f32x4 load (stride 1) or gathered by shuffles from the vectors holding
 * them; the border ones one output at a time with their own taps and divisor.
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { Straight } from './vec.js';

/** A resolved 1-D pool: every size, pad and divisor decided. */
export interface PoolPlan {
  readonly kind: 'max' | 'average';
  /** Input and output lengths. */
  readonly L: number;
  readonly Lo: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
  /** Pad elements before and after the row (never read: they only place the windows and count). */
  readonly padBegin: number;
  readonly padEnd: number;
  /** AveragePool's count_include_pad: the divisor counts the taps in the pads (up to padEnd). */
  readonly countPad: boolean;
}

/** The taps of window o inside the row, and AveragePool's divisor for it. */
export function windowOf(p: PoolPlan, o: number): { taps: number[]; divisor: number } {
  const start = o * p.stride - p.padBegin;
  const taps: number[] = [];
  let counted = 0;
  for (let t = 0; t < p.kernel; t++) {
    const i = start + t * p.dilation;
    if (i >= 0 && i < p.L) taps.push(i);
    if (i < p.L + p.padEnd) counted++;
  }
  return { taps, divisor: p.countPad ? counted : taps.length };
}

/** Vectors loaded for four outputs of one tap (stride s: positions 0, s, 2s, 3s) and the lanes picked. */
function gatherPlan(s: number): { vectors: number[]; lanes: number[] } {
  const pos = [0, 1, 2, 3].map((j) => j * s);
  return { vectors: pos.map((q) => Math.floor(q / 4)), lanes: pos.map((q) => q % 4) };
}

/**
 * The interior: [first, groups) with windows first + 4g .. + 4g + 3 computed four at a time. From a
 * window o whose tap loads stay inside the row, the loads cover windows o + 1..o + 3 too (the
 * span holds three strides more); such o form one interval.
 */
function interior(p: PoolPlan): { first: number; groups: number } {
  const span = 4 * (gatherPlan(p.stride).vectors[3] + 1);
  const fits = (o: number) => o * p.stride - p.padBegin >= 0 && o * p.stride - p.padBegin + (p.kernel - 1) * p.dilation + span <= p.L;
  let first = 0;
  while (first < p.Lo && !fits(first)) first++;
  let groups = 0;
  while (first + 4 * groups + 3 < p.Lo && fits(first + 4 * groups)) groups++;
  return { first, groups };
}

/** Emits `name(x, out, rows)`: x is [rows, L], out [rows, Lo]. */
export function emitPool(b: Builder, name: string, p: PoolPlan): void {
  const s = b.scope(['i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1), rows = s.param(2);
  const op = (x: Expr, y: Expr) => (p.kind === 'max' ? b.vmax(x, y) : b.vadd(x, y));
  const { first, groups } = interior(p);

  /** One output from its taps, at lane 0. */
  const single = (v: Straight, o: number): void => {
    const { taps, divisor } = windowOf(p, o);
    let acc = v.let(taps.length ? b.vsplatLoad(s.get(X), 4 * taps[0]) : b.vconst(p.kind === 'max' ? -Infinity : 0));
    for (const i of taps.slice(1)) acc = v.let(op(v.get(acc), b.vsplatLoad(s.get(X), 4 * i)));
    const y = p.kind === 'average' ? b.vdiv(v.get(acc), b.vconst(divisor)) : v.get(acc);
    v.push(b.vstoreLane(s.get(OUT), 4 * o, 0, y));
  };
  const singles = (from: number, to: number): Expr => {
    const v = new Straight(b, s);
    for (let o = from; o < to; o++) single(v, o);
    return v.done();
  };

  /** Four outputs from px (the first window's start), stored at po. */
  const four = (px: Local, po: Local): Expr => {
    const v = new Straight(b, s);
    const { vectors, lanes } = gatherPlan(p.stride);
    let acc: Local | null = null;
    for (let t = 0; t < p.kernel; t++) {
      const at = 4 * t * p.dilation;
      const load = (m: number) => b.vload(s.get(px), at + 16 * m);
      let x: Expr;
      if (p.stride === 1) x = load(0);
      else if (p.stride === 2) x = b.vshuffle(load(0), load(1), [0, 2, 4, 6]);
      else {
        const pair = (j: number) => {
          const lo = v.let(load(vectors[j])), hi = vectors[j + 1] === vectors[j] ? lo : v.let(load(vectors[j + 1]));
          return b.vshuffle(v.get(lo), v.get(hi), [lanes[j], 4 + lanes[j + 1], lanes[j], 4 + lanes[j + 1]] as const);
        };
        x = b.vshuffle(pair(0), pair(2), [0, 1, 4, 5]);
      }
      acc = v.let(acc === null ? x : op(v.get(acc), x));
    }
    const y = p.kind === 'average' ? b.vdiv(v.get(acc!), b.vconst(p.kernel)) : v.get(acc!);
    v.push(b.vstore(s.get(po), 0, y));
    return v.done();
  };

  const px = s.local('i32'), po = s.local('i32'), g = s.local('i32');
  const body: Expr[] = [singles(0, Math.min(first, p.Lo))];
  if (groups > 0) {
    body.push(
      s.set(px, b.add(s.get(X), b.i32(4 * (first * p.stride - p.padBegin)))), s.set(po, b.add(s.get(OUT), b.i32(4 * first))),
      s.set(g, b.i32(groups)),
      b.loop('groups', b.seq([four(px, po), s.bump(px, 16 * p.stride), s.bump(po, 16), s.bump(g, -1), b.br('groups', s.get(g))])),
    );
  }
  body.push(singles(first + 4 * groups, p.Lo));
  s.finish(name, b.block('rows_out', [b.loop('rows', b.seq([
    b.br('rows_out', b.leS(s.get(rows), b.i32(0))),
    ...body,
    s.bump(X, 4 * p.L), s.bump(OUT, 4 * p.Lo), s.bump(rows, -1),
    b.br('rows'),
  ]))]));
}

/** The pool of one row in float64 (the interpreter's and the tests' reference; max propagates NaN). */
export function poolRowF64(p: PoolPlan, x: ArrayLike<number>): number[] {
  return Array.from({ length: p.Lo }, (_, o) => {
    const { taps, divisor } = windowOf(p, o);
    if (p.kind === 'max') return taps.reduce((m, i) => (Number.isNaN(m) || Number.isNaN(x[i]) ? NaN : Math.max(m, x[i])), -Infinity);
    return taps.reduce((a, i) => a + x[i], 0) / divisor;
  });
}
