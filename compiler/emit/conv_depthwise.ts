/**
 * The depthwise 1-D convolution (group = C = M): four channels in the f32x4 lanes, a tile of output
 * positions in registers. Lanes are channels, but x [N, C, L] holds each channel's positions
 * contiguously, so each batch row is first copied transposed into a scratch row [Lp][C4] (C4 =
 * C rounded up to 4) between zero rows for the padding: every tap then reads one aligned vector,
 * whatever the stride, dilation or padding, with no test in the loops.
 */
import { type ConvGeometry, storeTile, transpose4 } from './conv_parts.js';
import { type Epilogue, emitEpilogue } from './epilogue.js';
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { rangeLoop } from './loops.js';
import { Straight } from './vec.js';

/** What `emitDepthwiseConv` computes. */
export interface DepthwiseConvSpec {
  /** group = C = M. */
  readonly geometry: ConvGeometry;
  /** Byte offset of the packed weights (`packDepthwiseWeights`). */
  readonly weightsOffset: number;
  /** Byte offset of the packed bias (`packDepthwiseBias`), or null for none. */
  readonly biasOffset: number | null;
  /** Output positions per tile, 1..4 (4: stored through a 4x4 transpose). */
  readonly positions: number;
  readonly epilogue: Epilogue | null;
  readonly fused: boolean;
}

const channelVectors = (g: ConvGeometry) => Math.ceil(g.C / 4);

/** Rows of the scratch copy: the zeros before, the input, the zeros after that the last output reads. */
export function depthwisePaddedLength(g: ConvGeometry): number {
  return Math.max(g.padBegin + g.L, (g.outLength - 1) * g.stride + (g.k - 1) * g.dilation + 1);
}

/** Floats of the scratch copy of one batch row. */
export function depthwiseScratchFloats(g: ConvGeometry): number {
  return depthwisePaddedLength(g) * 4 * channelVectors(g);
}

/** Packs w [C][1][k] into [ceil(C/4)][k][4], lanes past C zero. */
export function packDepthwiseWeights(w: Float32Array, g: ConvGeometry): Float32Array {
  const out = new Float32Array(channelVectors(g) * g.k * 4);
  for (let c = 0; c < g.C; c++) for (let r = 0; r < g.k; r++) out[(Math.floor(c / 4) * g.k + r) * 4 + (c % 4)] = w[c * g.k + r];
  return out;
}

/** The bias [C] padded with zeros to whole vectors. */
export function packDepthwiseBias(bias: Float32Array, g: ConvGeometry): Float32Array {
  const out = new Float32Array(channelVectors(g) * 4);
  out.set(bias.subarray(0, g.C));
  return out;
}

interface Depthwise {
  readonly b: Builder;
  readonly s: FunctionScope;
  readonly spec: DepthwiseConvSpec;
  /** Bytes between two scratch rows. */
  readonly rowBytes: number;
  /** This channel vector's scratch column, weights, bias and output rows; a looped tile's scratch and output. */
  readonly sg: Local;
  readonly wg: Local;
  readonly bg: Local;
  readonly og: Local;
  readonly st: Local;
  readonly ot: Local;
  readonly count: Local;
}

/**
 * One tile of `P` positions of one channel vector, from the scratch at `from` (the tile's first
 * position's first input) into the output at `to`:
 *
 *   acc[p] = bias
 *   for j in the tile's inputs (p*stride + r*dilation, each loaded once): acc[p] += xs[j] * w[r] for every (p, r) reading j
 *   out[4g + lane][first + p] = epilogue(acc[p])
 */
function tile(d: Depthwise, P: number, from: Local, to: Local, toOff: number, channels: number): Expr {
  const { b, s, spec } = d;
  const g = spec.geometry;
  const v = new Straight(b, s);
  const w = Array.from({ length: g.k }, (_, r) => v.let(b.vload(s.get(d.wg), 16 * r)));
  const acc = Array.from({ length: P }, () => v.let(spec.biasOffset === null ? b.vconst(0) : b.vload(s.get(d.bg))));
  const readers = new Map<number, [number, number][]>();
  for (let p = 0; p < P; p++) {
    for (let r = 0; r < g.k; r++) {
      const j = p * g.stride + r * g.dilation;
      readers.set(j, [...(readers.get(j) ?? []), [p, r]]);
    }
  }
  for (const j of [...readers.keys()].sort((x, y) => x - y)) {
    const x = v.let(b.vload(s.get(from), j * d.rowBytes));
    for (const [p, r] of readers.get(j)!) v.push(s.set(acc[p], b.vmadd(v.get(x), v.get(w[r]), v.get(acc[p]), spec.fused)));
  }
  const res = acc.map((a) => [emitEpilogue(v, spec.epilogue, a)]);
  storeTile(v, res, { ptr: () => s.get(to), off: toOff, rowFloats: g.outLength, channels });
  return v.done();
}

/** Every position of one channel vector: whole tiles in a loop, then the rest. */
function channelVector(d: Depthwise, channels: number, tag: string): Expr {
  const { b, s, spec } = d;
  const g = spec.geometry, P = spec.positions;
  const whole = Math.floor(g.outLength / P), rest = g.outLength % P;
  const out: Expr[] = [s.set(d.st, s.get(d.sg)), s.set(d.ot, s.get(d.og))];
  if (whole > 0) {
    out.push(s.set(d.count, b.i32(whole)), b.loop(`${tag}_tiles`, b.seq([
      tile(d, P, d.st, d.ot, 0, channels),
      s.bump(d.st, P * g.stride * d.rowBytes),
      s.bump(d.ot, 4 * P),
      s.bump(d.count, -1),
      b.br(`${tag}_tiles`, s.get(d.count)),
    ])));
  }
  if (rest > 0) out.push(tile(d, rest, d.st, d.ot, 0, channels));
  return b.seq(out);
}

/** Channel vectors of a depthwise conv: the items its work is shared in. */
export const depthwiseConvItems = (g: ConvGeometry) => channelVectors(g);

/** The function `emitDepthwiseConv` adds beside `name` that computes a range of channel vectors. */
export const depthwiseBlocksName = (name: string) => `${name}_blocks`;

/**
 * Emits `name_blocks(x, out, N, scratch, from, to)`: x [N, C, L], out [N, C, L'], scratch
 * `depthwiseScratchFloats`, the channel vectors [from, to) of depthwiseConvItems (a job's items,
 * compiler/emit/share.ts); and `name(x, out, N, scratch)`, every vector. A vector reads and writes
 * only its own column of the scratch, so vectors computed by different workers never meet.
 *
 *   for q in from..to:                       (the vector's weights stay in registers across the batch)
 *     column q of scratch rows [0, padBegin) and [padBegin + L, Lp) = 0
 *     for n in 0..N:
 *       scratch[padBegin + l][4q + lane] = x[n][4q + lane][l]
 *       tiles of `positions` outputs (tile above; a partial last vector is emitted apart)
 */
export function emitDepthwiseConv(b: Builder, name: string, spec: DepthwiseConvSpec): void {
  const g = spec.geometry;
  const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1), N = s.param(2), S = s.param(3), FROM = s.param(4), TO = s.param(5);
  const l = () => s.local('i32');
  const d: Depthwise = {
    b, s, spec, rowBytes: 16 * channelVectors(g), sg: l(), wg: l(), bg: l(), og: l(), st: l(), ot: l(), count: l(),
  };
  const Lp = depthwisePaddedLength(g);
  const q = l(), xn = l(), on = l(), left = l();
  const whole = Math.floor(g.C / 4);
  const batch = (channels: number, tag: string): Expr => b.seq([
    zeroColumn(d, 0, g.padBegin, `${tag}_pad_begin`),
    zeroColumn(d, g.padBegin + g.L, Lp - g.padBegin - g.L, `${tag}_pad_end`),
    s.set(xn, b.add(s.get(X), b.muli(s.get(q), 16 * g.L))),
    s.set(on, b.add(s.get(OUT), b.muli(s.get(q), 16 * g.outLength))),
    s.set(left, s.get(N)),
    b.block(`${tag}_rows_out`, [b.loop(`${tag}_rows`, b.seq([
      b.br(`${tag}_rows_out`, b.leS(s.get(left), b.i32(0))),
      transposeIn(d, xn, channels, tag),
      s.set(d.og, s.get(on)),
      channelVector(d, channels, tag),
      s.bump(xn, 4 * g.C * g.L),
      s.bump(on, 4 * g.C * g.outLength),
      s.bump(left, -1),
      b.br(`${tag}_rows`),
    ]))]),
  ]);
  // Vector q's scratch column, packed weights and bias.
  const place = [
    s.set(d.sg, b.add(s.get(S), b.muli(s.get(q), 16))),
    s.set(d.wg, b.add(b.i32(spec.weightsOffset), b.muli(s.get(q), 16 * g.k))),
    s.set(d.bg, b.add(b.i32(spec.biasOffset ?? 0), b.muli(s.get(q), 16))),
  ];
  const one = g.C % 4 === 0 ? batch(4, 'full')
    : whole === 0 ? batch(g.C % 4, 'last')
    : b.if(b.eq(s.get(q), b.i32(whole)), batch(g.C % 4, 'last'), batch(4, 'full'));
  s.finish(depthwiseBlocksName(name), rangeLoop(b, s, 'vectors', q, FROM, TO, [...place, one]));
  const all = b.scope(['i32', 'i32', 'i32', 'i32']);
  all.finish(name, b.call(depthwiseBlocksName(name), [0, 1, 2, 3].map((i) => all.get(all.param(i))).concat(b.i32(0), b.i32(channelVectors(g)))));
}

/** Zeroes `rows` rows of the current vector's scratch column from row `first`. */
function zeroColumn(d: Depthwise, first: number, rows: number, tag: string): Expr {
  const { b, s } = d;
  if (rows <= 0) return b.nop();
  if (rows <= 4) return b.seq(Array.from({ length: rows }, (_, r) => b.vstore(s.get(d.sg), (first + r) * d.rowBytes, b.vconst(0))));
  return b.seq([
    s.set(d.st, b.add(s.get(d.sg), b.i32(first * d.rowBytes))), s.set(d.count, b.i32(rows)),
    b.loop(tag, b.seq([b.vstore(s.get(d.st), 0, b.vconst(0)), s.bump(d.st, d.rowBytes), s.bump(d.count, -1), b.br(tag, s.get(d.count))])),
  ]);
}

/**
 * scratch[padBegin + l][4q + lane] = x[4q + lane][l] for one batch row (xn: channel 4q's row) and
 * the `channels` channels of vector q. Four positions at a time through registers: four row
 * vectors, a 4x4 transpose, four stores; the positions past a multiple of four, and a partial
 * vector's channels, one value at a time. Nothing is read past the row.
 */
function transposeIn(d: Depthwise, xn: Local, channels: number, tag: string): Expr {
  const { b, s, spec } = d;
  const g = spec.geometry;
  const pc = s.local('i32'), pl = s.local('i32'), n = s.local('i32');
  const rowX = 4 * g.L;
  const copy = (l: number): Expr[] => Array.from({ length: channels }, (_, i) =>
    b.storeF32(s.get(pl), l * d.rowBytes + 4 * i, b.loadF32(s.get(pc), i * rowX + 4 * l)));
  const out: Expr[] = [s.set(pc, s.get(xn)), s.set(pl, b.add(s.get(d.sg), b.i32(g.padBegin * d.rowBytes)))];
  if (channels < 4) {
    if (g.L <= 16) {
      for (let l = 0; l < g.L; l++) out.push(...copy(l));
      return b.seq(out);
    }
    // A long row of the last channels: one position per iteration.
    out.push(s.set(n, b.i32(g.L)), b.loop(`${tag}_copy_tail`, b.seq([
      ...copy(0), s.bump(pc, 4), s.bump(pl, d.rowBytes), s.bump(n, -1), b.br(`${tag}_copy_tail`, s.get(n)),
    ])));
    return b.seq(out);
  }
  const block = (): Expr => {
    const v = new Straight(b, s);
    const rows = [0, 1, 2, 3].map((i) => v.let(b.vload(s.get(pc), i * rowX)));
    transpose4(v, rows).forEach((t, j) => v.push(b.vstore(s.get(pl), j * d.rowBytes, v.get(t))));
    return v.done();
  };
  const quads = Math.floor(g.L / 4);
  if (quads > 0) {
    out.push(s.set(n, b.i32(quads)), b.loop(`${tag}_copy_blocks`, b.seq([
      block(), s.bump(pc, 16), s.bump(pl, 4 * d.rowBytes), s.bump(n, -1), b.br(`${tag}_copy_blocks`, s.get(n)),
    ])));
  }
  // pc and pl now point at position 4 * quads.
  for (let l = 0; l < g.L % 4; l++) out.push(...copy(l));
  return b.seq(out);
}
