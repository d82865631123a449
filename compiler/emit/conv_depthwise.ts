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

/**
 * Emits `name(x, out, N, scratch)`: x [N, C, L], out [N, C, L'], scratch `depthwiseScratchFloats`.
 *
 *   scratch rows [0, padBegin) and [padBegin + L, Lp) = 0
 *   for n in 0..N:
 *     scratch[padBegin + l][c] = x[n][c][l]
 *     for each vector of 4 channels (whole ones loop; a partial last one is emitted apart):
 *       tiles of `positions` outputs (tile above)
 */
export function emitDepthwiseConv(b: Builder, name: string, spec: DepthwiseConvSpec): void {
  const g = spec.geometry;
  const s = b.scope(['i32', 'i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1), N = s.param(2), S = s.param(3);
  const l = () => s.local('i32');
  const d: Depthwise = {
    b, s, spec, rowBytes: 16 * channelVectors(g), sg: l(), wg: l(), bg: l(), og: l(), st: l(), ot: l(), count: l(),
  };
  const Lp = depthwisePaddedLength(g);
  const xn = l(), on = l(), left = l(), vecs = l();
  const reset = [
    s.set(d.sg, s.get(S)), s.set(d.og, s.get(on)),
    s.set(d.wg, b.i32(spec.weightsOffset)), s.set(d.bg, b.i32(spec.biasOffset ?? 0)),
  ];
  const next = [s.bump(d.sg, 16), s.bump(d.og, 16 * g.outLength), s.bump(d.wg, 16 * g.k), s.bump(d.bg, 16)];
  const whole = Math.floor(g.C / 4);
  const vectors: Expr[] = [...reset];
  if (whole > 0) {
    vectors.push(s.set(vecs, b.i32(whole)), b.loop('vectors', b.seq([
      channelVector(d, 4, 'full'), ...next, s.bump(vecs, -1), b.br('vectors', s.get(vecs)),
    ])));
  }
  if (g.C % 4 > 0) vectors.push(channelVector(d, g.C % 4, 'last'));
  s.finish(name, b.seq([
    b.fill(s.get(S), b.i32(0), b.i32(g.padBegin * d.rowBytes)),
    b.fill(b.add(s.get(S), b.i32((g.padBegin + g.L) * d.rowBytes)), b.i32(0), b.i32((Lp - g.padBegin - g.L) * d.rowBytes)),
    s.set(xn, s.get(X)), s.set(on, s.get(OUT)), s.set(left, s.get(N)),
    b.block('rows_out', [b.loop('rows', b.seq([
      b.br('rows_out', b.leS(s.get(left), b.i32(0))),
      transposeIn(d, xn, S),
      ...vectors,
      s.bump(xn, 4 * g.C * g.L),
      s.bump(on, 4 * g.C * g.outLength),
      s.bump(left, -1),
      b.br('rows'),
    ]))]),
  ]));
}

/**
 * scratch[padBegin + l][c] = x[c][l] for one batch row. Four channels at a time through registers:
 * four row vectors, a 4x4 transpose, four stores (the columns past a multiple of four one value at
 * a time); the channels past a multiple of four one value at a time. Nothing is read past the row.
 */
function transposeIn(d: Depthwise, xn: Local, S: Local): Expr {
  const { b, s, spec } = d;
  const g = spec.geometry;
  const px = s.local('i32'), ps = s.local('i32'), pc = s.local('i32'), pl = s.local('i32'), n = s.local('i32');
  const rowX = 4 * g.L;
  const copy = (channels: number, l: number): Expr[] => Array.from({ length: channels }, (_, i) =>
    b.storeF32(s.get(ps), l * d.rowBytes + 4 * i, b.loadF32(s.get(px), i * rowX + 4 * l)));
  const block = (): Expr => {
    const v = new Straight(b, s);
    const rows = [0, 1, 2, 3].map((i) => v.let(b.vload(s.get(pc), i * rowX)));
    transpose4(v, rows).forEach((t, j) => v.push(b.vstore(s.get(pl), j * d.rowBytes, v.get(t))));
    return v.done();
  };
  const quads = Math.floor(g.L / 4);
  const perQuad: Expr[] = [s.set(pc, s.get(px)), s.set(pl, s.get(ps))];
  if (quads > 0) {
    perQuad.push(s.set(n, b.i32(quads)), b.loop('copy_blocks', b.seq([
      block(), s.bump(pc, 16), s.bump(pl, 4 * d.rowBytes), s.bump(n, -1), b.br('copy_blocks', s.get(n)),
    ])));
  }
  for (let l = 4 * quads; l < g.L; l++) perQuad.push(...copy(4, l));
  const out: Expr[] = [s.set(px, s.get(xn)), s.set(ps, b.add(s.get(S), b.i32(g.padBegin * d.rowBytes)))];
  const channelQuads = Math.floor(g.C / 4);
  if (channelQuads > 0) {
    const c = s.local('i32');
    out.push(s.set(c, b.i32(channelQuads)), b.loop('copy', b.seq([
      ...perQuad, s.bump(px, 4 * rowX), s.bump(ps, 16), s.bump(c, -1), b.br('copy', s.get(c)),
    ])));
  }
  if (g.C % 4 === 0) return b.seq(out);
  if (g.L <= 16) {
    for (let l = 0; l < g.L; l++) out.push(...copy(g.C % 4, l));
    return b.seq(out);
  }
  // A long row of the last channels: one position per iteration.
  out.push(s.set(n, b.i32(g.L)), b.loop('copy_tail', b.seq([
    ...copy(g.C % 4, 0), s.bump(px, 4), s.bump(ps, d.rowBytes), s.bump(n, -1), b.br('copy_tail', s.get(n)),
  ])));
  return b.seq(out);
}
