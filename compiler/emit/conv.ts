/**
 * The direct 1-D convolution (LIBXSMM's anatomy, no im2col): output channels in f32x4 lanes, a tile
 * of output positions in registers, one input value splatted against packed weight vectors. The
 * weights are packed at compile time per group and block of 4*vectors output channels as
 * [Cg][k][4*vectors], so the reduction walks them in order. The output length is a compile-time
 * number, so which taps of which position read the padding is known while emitting: border tiles
 * leave those products out, interior tiles run in a loop with no test at all.
 */
import { InternalError } from '../../contract/errors.js';
import { type ConvGeometry, type PositionTile, insideTaps, positionTiles, storeTile, tapInput } from './conv_parts.js';
import { type Epilogue, emitEpilogue } from './epilogue.js';
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { NEVER_ADDRESS } from './kloop.js';
import { rangeLoop } from './loops.js';
import { Straight } from './vec.js';

/** What `emitDirectConv` computes and how it is blocked. */
export interface DirectConvSpec {
  readonly geometry: ConvGeometry;
  /** Byte offset of the packed weights (`packDirectWeights`). */
  readonly weightsOffset: number;
  /** Byte offset of the packed bias (`packDirectBias`), or null for none. */
  readonly biasOffset: number | null;
  /** Output positions per tile, 1..4. */
  readonly positions: number;
  /** f32x4 vectors of output channels per tile: a block of 4 * vectors channels. */
  readonly vectors: number;
  /** The taps in a run-time loop (long kernels); otherwise every tap is unrolled inside the loop over input channels. */
  readonly tapLoop: boolean;
  readonly epilogue: Epilogue | null;
  /** Fused multiply-adds (relaxed SIMD), when the plan's SIMD flavour says so. */
  readonly fused: boolean;
}

/** Taps per iteration of the tap loop. */
const TAP_UNROLL = 1;

const blocksPerGroup = (g: ConvGeometry, vectors: number) => Math.ceil(g.M / g.group / (4 * vectors));

/** Floats of the packed weights: group x block x [C/group][k][4*vectors]. */
export function packedDirectFloats(g: ConvGeometry, vectors: number): number {
  return g.group * blocksPerGroup(g, vectors) * (g.C / g.group) * g.k * 4 * vectors;
}

/** Packs w [M][C/group][k] (ONNX order) into blocks of 4*vectors output channels, lanes past a group's channels zero. */
export function packDirectWeights(w: Float32Array, g: ConvGeometry, vectors: number): Float32Array {
  const [Cg, Mg, NR, nb] = [g.C / g.group, g.M / g.group, 4 * vectors, blocksPerGroup(g, vectors)];
  const out = new Float32Array(packedDirectFloats(g, vectors));
  let o = 0;
  for (let grp = 0; grp < g.group; grp++) {
    for (let blk = 0; blk < nb; blk++) {
      for (let c = 0; c < Cg; c++) {
        for (let r = 0; r < g.k; r++, o += NR) {
          for (let j = 0; j < NR && blk * NR + j < Mg; j++) out[o + j] = w[((grp * Mg + blk * NR + j) * Cg + c) * g.k + r];
        }
      }
    }
  }
  return out;
}

/** The bias [M] in the same blocks: group x block x [4*vectors]. */
export function packDirectBias(bias: Float32Array, g: ConvGeometry, vectors: number): Float32Array {
  const [Mg, NR, nb] = [g.M / g.group, 4 * vectors, blocksPerGroup(g, vectors)];
  const out = new Float32Array(g.group * nb * NR);
  for (let grp = 0; grp < g.group; grp++) {
    for (let m = 0; m < Mg; m++) out[(grp * nb + Math.floor(m / NR)) * NR + (m % NR)] = bias[grp * Mg + m];
  }
  return out;
}

/** The kernel under construction: its spec and the locals the loops share. */
interface Direct {
  readonly b: Builder;
  readonly s: FunctionScope;
  readonly spec: DirectConvSpec;
  readonly Cg: number;
  readonly NR: number;
  /** The block's weights and bias; this batch row's input channels of the group, its output block. */
  readonly wb: Local;
  readonly bb: Local;
  readonly xn: Local;
  readonly on: Local;
  /** A looped tile's input and output (moving); the reduction's input channel and weights; loop ends and counters. */
  readonly xt: Local;
  readonly ot: Local;
  readonly xc: Local;
  readonly wc: Local;
  readonly xr: Local;
  readonly wr: Local;
  readonly end: Local;
  readonly tapEnd: Local;
  readonly count: Local;
  /** The tile's accumulators [position][vector], a tap's weight vectors, the splat. */
  readonly acc: readonly (readonly Local[])[];
  readonly wv: readonly Local[];
  readonly xv: Local;
}

/** acc[p][q] += splat(x at xptr + off(p)) * w[q] for the tile's positions `ps`, the tap's Q weight vectors at wptr + wOff. */
function tap(d: Direct, xptr: Local, wptr: Local, wOff: number, Q: number, ps: readonly [number, number][]): Expr[] {
  const { b, s, spec } = d;
  if (ps.length === 0) return [];
  const out = d.wv.slice(0, Q).map((w, q) => s.set(w, b.vload(s.get(wptr), wOff + 16 * q)));
  for (const [p, off] of ps) {
    out.push(s.set(d.xv, b.vsplatLoad(s.get(xptr), 4 * off)));
    for (let q = 0; q < Q; q++) out.push(s.set(d.acc[p][q], b.vmadd(s.get(d.xv), s.get(d.wv[q]), s.get(d.acc[p][q]), spec.fused)));
  }
  return out;
}

/**
 * Taps in a row, a fence between two: a branch out of the reduction (to `tag`_fenced) when the
 * weight pointer is an address no memory has; never taken, but its path reads the accumulators.
 * TurboFan issues every load of a basic block before its arithmetic, so without fences the loads
 * of all the taps would be live at once and spill; with them, one tap's weights and splats are.
 */
function fenced(d: Direct, taps: readonly Expr[][], tag: string): Expr[] {
  const { b, s } = d;
  const present = taps.filter((t) => t.length > 0);
  return present.flatMap((t, i) => (i === 0 ? t : [b.br(`${tag}_fenced`, b.eq(s.get(d.wc), b.i32(NEVER_ADDRESS - 16 * i))), ...t]));
}

/** One input channel with every tap unrolled, at xc / wc: only the (position, tap) pairs that read inside. */
function unrolledTaps(d: Direct, t: PositionTile, looped: boolean, Q: number, tag: string): Expr[] {
  const g = d.spec.geometry;
  return fenced(d, Array.from({ length: g.k }, (_, r) => {
    const ps: [number, number][] = [];
    for (let p = 0; p < t.count; p++) {
      const i = looped ? p * g.stride + r * g.dilation : tapInput(g, t.first + p, r);
      if (i >= 0) ps.push([p, i]);
    }
    return tap(d, d.xc, d.wc, r * d.NR * 4, Q, ps);
  }), tag);
}

/** One input channel in a loop over the taps every position of the tile reads (TAP_UNROLL per iteration, then the rest). */
function loopedTaps(d: Direct, t: PositionTile, looped: boolean, Q: number, tag: string): Expr[] {
  const { b, s, spec } = d;
  const g = spec.geometry;
  const [r0, r1] = looped ? [0, g.k] : insideTaps(g, t.first);
  if (r1 <= r0) return [];
  // xr: the first tap's input of position 0, inside the row (that tap reads inside); offsets from it are >= 0.
  const shift = looped ? 0 : t.first * g.stride - g.padBegin;
  const taps = (u: number) => tap(d, d.xr, d.wr, u * d.NR * 4, Q,
    Array.from({ length: t.count }, (_, p): [number, number] => [p, p * g.stride + u * g.dilation]));
  const out = [
    s.set(d.xr, b.add(s.get(d.xc), b.i32(4 * (shift + r0 * g.dilation)))),
    s.set(d.wr, b.add(s.get(d.wc), b.i32(4 * r0 * d.NR))),
  ];
  const full = Math.floor((r1 - r0) / TAP_UNROLL);
  if (full > 0) {
    out.push(s.set(d.tapEnd, b.add(s.get(d.wr), b.i32(4 * full * TAP_UNROLL * d.NR))));
    out.push(b.loop(`${tag}_taps`, b.seq([
      ...fenced(d, Array.from({ length: TAP_UNROLL }, (_, u) => taps(u)), tag),
      s.bump(d.xr, 4 * TAP_UNROLL * g.dilation),
      s.bump(d.wr, 4 * TAP_UNROLL * d.NR),
      b.br(`${tag}_taps`, b.ne(s.get(d.wr), s.get(d.tapEnd))),
    ])));
  }
  out.push(...fenced(d, Array.from({ length: (r1 - r0) % TAP_UNROLL }, (_, u) => taps(u)), tag));
  return out;
}

/**
 * One tile of `t.count` positions and `channels` output channels. Alone (`looped` false) its input
 * offsets are absolute from the row (xn, on); in the interior loop they are relative to the moving
 * xt, ot, already at the tile's first input and output.
 *
 *   acc[p][q] = bias[q] (or 0)
 *   for c in 0..Cg (C/group input channels; straight when 1):
 *     unrolled:  for r in 0..k: w = Wblock[c][r][q..]; for p whose tap r reads inside: acc[p][q] += splat(x[c][i(p, r)]) * w
 *     tap loop:  for r in the taps all p read (TAP_UNROLL per iteration, then the rest): the same
 *   out[4q + lane][first + p] = epilogue(acc[p][q])
 */
function tile(d: Direct, t: PositionTile, looped: boolean, channels: number, tag: string): Expr {
  const { b, s, spec } = d;
  const g = spec.geometry;
  const Q = Math.ceil(channels / 4);
  const acc = d.acc.slice(0, t.count).map((row) => row.slice(0, Q));
  const v = new Straight(b, s);
  acc.forEach((row) => row.forEach((a, q) => v.push(s.set(a, spec.biasOffset === null ? b.vconst(0) : b.vload(s.get(d.bb), 16 * q)))));
  v.push(s.set(d.xc, s.get(looped ? d.xt : d.xn)));
  v.push(s.set(d.wc, s.get(d.wb)));
  const perChannel = spec.tapLoop ? loopedTaps(d, t, looped, Q, tag) : unrolledTaps(d, t, looped, Q, tag);
  if (d.Cg === 1) v.push(b.block(`${tag}_fenced`, perChannel));
  else {
    v.push(s.set(d.end, b.add(s.get(d.wb), b.i32(4 * d.Cg * g.k * d.NR))));
    v.push(b.block(`${tag}_fenced`, [b.loop(`${tag}_c`, b.seq([
      ...perChannel,
      s.bump(d.xc, 4 * g.L),
      s.bump(d.wc, 4 * g.k * d.NR),
      b.br(`${tag}_c`, b.ne(s.get(d.wc), s.get(d.end))),
    ]))]));
  }
  const res = acc.map((row) => row.map((a) => emitEpilogue(v, spec.epilogue, a)));
  storeTile(v, res, { ptr: () => s.get(looped ? d.ot : d.on), off: looped ? 0 : 4 * t.first, rowFloats: g.outLength, channels });
  return v.done();
}

/** Every tile of one batch row and block; interior runs of tiles loop with moving pointers. */
function row(d: Direct, channels: number, tag: string): Expr {
  const { b, s, spec } = d;
  const g = spec.geometry;
  const out: Expr[] = [];
  positionTiles(g, spec.positions, spec.tapLoop).forEach((t, i) => {
    if (t.repeat === 1) {
      out.push(tile(d, t, false, channels, `${tag}_t${i}`));
      return;
    }
    out.push(
      s.set(d.xt, b.add(s.get(d.xn), b.i32(4 * (t.first * g.stride - g.padBegin)))),
      s.set(d.ot, b.add(s.get(d.on), b.i32(4 * t.first))),
      s.set(d.count, b.i32(t.repeat)),
      b.loop(`${tag}_t${i}`, b.seq([
        tile(d, t, true, channels, `${tag}_t${i}_in`),
        s.bump(d.xt, 4 * t.count * g.stride),
        s.bump(d.ot, 4 * t.count),
        s.bump(d.count, -1),
        b.br(`${tag}_t${i}`, s.get(d.count)),
      ])),
    );
  });
  return b.seq(out);
}

/** Output-channel blocks of a direct conv, over every group: the items its work is shared in. */
export function directConvItems(g: ConvGeometry, vectors: number): number {
  return g.group * blocksPerGroup(g, vectors);
}

/** The function `emitDirectConv` adds beside `name` that computes a range of blocks. */
export const convBlocksName = (name: string) => `${name}_blocks`;

/**
 * Emits `name_blocks(x, out, N, from, to)`: x [N, C, L], out [N, M, L'] (must not alias x), the
 * output-channel blocks [from, to) of directConvItems (a job's items, compiler/emit/share.ts), and
 * `name(x, out, N)`, every block.
 *
 *   for q in from..to:   grp = q / nb, block = q % nb  (nb blocks of 4*vectors channels a group; the
 *                                                      partial last block of a group is emitted apart)
 *     for n in 0..N:                       (the block's weights stay in cache across the batch)
 *       row(n, block): tiles of `positions` positions (tile above)
 */
export function emitDirectConv(b: Builder, name: string, spec: DirectConvSpec): void {
  const g = spec.geometry;
  if (g.C % g.group !== 0 || g.M % g.group !== 0) throw new InternalError(`conv ${name}: ${g.group} groups do not divide C ${g.C} and M ${g.M}`);
  const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1), N = s.param(2), FROM = s.param(3), TO = s.param(4);
  const l = () => s.local('i32');
  const d: Direct = {
    b, s, spec, Cg: g.C / g.group, NR: 4 * spec.vectors,
    wb: l(), bb: l(), xn: l(), on: l(), xt: l(), ot: l(), xc: l(), wc: l(), xr: l(), wr: l(), end: l(), tapEnd: l(), count: l(),
    acc: Array.from({ length: spec.positions }, () => Array.from({ length: spec.vectors }, () => s.local('v128'))),
    wv: Array.from({ length: spec.vectors }, () => s.local('v128')),
    xv: s.local('v128'),
  };
  const Mg = g.M / g.group, nb = blocksPerGroup(g, spec.vectors);
  const last = Mg - (nb - 1) * d.NR;
  const gx = l(), go = l(), left = l(), q = l(), grp = l(), blk = l();
  const batch = (channels: number, tag: string): Expr => b.seq([
    s.set(d.xn, s.get(gx)),
    s.set(d.on, s.get(go)),
    s.set(left, s.get(N)),
    b.block(`${tag}_rows_out`, [b.loop(`${tag}_rows`, b.seq([
      b.br(`${tag}_rows_out`, b.leS(s.get(left), b.i32(0))),
      row(d, channels, tag),
      s.bump(d.xn, 4 * g.C * g.L),
      s.bump(d.on, 4 * g.M * g.outLength),
      s.bump(left, -1),
      b.br(`${tag}_rows`),
    ]))]),
  ]);
  // Block q's input channels, output rows, packed weights (every block NR channels wide) and bias.
  const place = [
    s.set(grp, b.divU(s.get(q), b.i32(nb))), s.set(blk, b.sub(s.get(q), b.muli(s.get(grp), nb))),
    s.set(gx, b.add(s.get(X), b.muli(s.get(grp), 4 * d.Cg * g.L))),
    s.set(go, b.add(s.get(OUT), b.add(b.muli(s.get(grp), 4 * Mg * g.outLength), b.muli(s.get(blk), 4 * d.NR * g.outLength)))),
    s.set(d.wb, b.add(b.i32(spec.weightsOffset), b.muli(s.get(q), 4 * d.Cg * g.k * d.NR))),
    s.set(d.bb, b.add(b.i32(spec.biasOffset ?? 0), b.muli(s.get(q), 4 * d.NR))),
  ];
  const one = last === d.NR ? batch(d.NR, 'full') : b.if(b.eq(s.get(blk), b.i32(nb - 1)), batch(last, 'last'), batch(d.NR, 'full'));
  s.finish(convBlocksName(name), rangeLoop(b, s, 'blocks', q, FROM, TO, [...place, one]));
  const all = b.scope(['i32', 'i32', 'i32']);
  all.finish(name, b.call(convBlocksName(name), [0, 1, 2].map((i) => all.get(all.param(i))).concat([b.i32(0), b.i32(g.group * nb)])));
}
