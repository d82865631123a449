/**
 * What the 1-D convolution kernels share (conv.ts, the direct one; conv_depthwise.ts): the resolved
 * geometry, which taps of an output position read inside the input, and the store of a tile whose
 * registers hold output channels in lanes while the output [N, M, L'] holds positions contiguously.
 */
import type { Builder, Expr, Local } from './ir.js';
import type { Straight } from './vec.js';

/** A 1-D convolution with every attribute resolved: auto_pad is already turned into padBegin and outLength. */
export interface ConvGeometry {
  /** Input channels, all groups. */
  readonly C: number;
  /** Input length. */
  readonly L: number;
  /** Output channels, all groups. */
  readonly M: number;
  /** Kernel taps. */
  readonly k: number;
  readonly stride: number;
  readonly dilation: number;
  /** Zeros before the input (those after it show only in outLength). */
  readonly padBegin: number;
  readonly group: number;
  /** Output length L'. */
  readonly outLength: number;
}

/** The input position tap r of output position l reads, or -1 when it falls in the padding. */
export function tapInput(g: ConvGeometry, l: number, r: number): number {
  const i = l * g.stride + r * g.dilation - g.padBegin;
  return i >= 0 && i < g.L ? i : -1;
}

/** The output positions [first, end) whose every tap reads inside the input (first >= end: none). */
export function interiorPositions(g: ConvGeometry): readonly [number, number] {
  const first = Math.min(Math.ceil(g.padBegin / g.stride), g.outLength);
  const last = Math.floor((g.L - 1 + g.padBegin - (g.k - 1) * g.dilation) / g.stride);
  return [first, Math.max(first, Math.min(last + 1, g.outLength))];
}

/** The taps [begin, end) of output position l that read inside the input (a range: taps are evenly spaced). */
export function insideTaps(g: ConvGeometry, l: number): readonly [number, number] {
  const begin = Math.max(0, Math.ceil((g.padBegin - l * g.stride) / g.dilation));
  const end = Math.min(g.k, Math.floor((g.L - 1 + g.padBegin - l * g.stride) / g.dilation) + 1);
  return [begin, Math.max(begin, end)];
}

/** Output positions [first, first + count), `repeat` times in a row (a run-time loop when repeat > 1: interior only). */
export interface PositionTile {
  readonly first: number;
  readonly count: number;
  readonly repeat: number;
}

/**
 * Tiles of `P` positions from 0: the run of whole tiles inside the interior becomes one loop; the
 * others are emitted one by one with their padding resolved. The tap loop needs every position of
 * a tile to read the same taps, so its border tiles are single positions.
 */
export function positionTiles(g: ConvGeometry, P: number, tapLoop: boolean): PositionTile[] {
  const [first, end] = interiorPositions(g);
  const tiles: PositionTile[] = [];
  for (let l = 0; l < g.outLength;) {
    const count = Math.min(P, g.outLength - l);
    if (count === P && l >= first && l + P <= end) {
      const repeat = Math.floor((end - l) / P);
      tiles.push({ first: l, count, repeat });
      l += repeat * P;
    } else if (tapLoop) {
      for (let p = 0; p < count; p++) tiles.push({ first: l + p, count: 1, repeat: 1 });
      l += count;
    } else {
      tiles.push({ first: l, count, repeat: 1 });
      l += count;
    }
  }
  return tiles;
}

/** Where a tile's results go: output channel c (of the tile) at position p is at ptr + off + (c * rowFloats + p) * 4. */
export interface TileOut {
  readonly ptr: () => Expr;
  readonly off: number;
  /** Floats between two output channels: the output length L'. */
  readonly rowFloats: number;
  /** Valid output channels of the tile (the last block of a group may hold fewer than its lanes). */
  readonly channels: number;
}

/** [[a0 b0 c0 d0] [a1 b1 c1 d1] ...] -> [[a0 a1 a2 a3] [b0 b1 b2 b3] ...]: four shuffle pairs. */
export function transpose4(v: Straight, rows: readonly Local[]): Local[] {
  const b = v.b;
  const lo01 = v.let(b.vshuffle(v.get(rows[0]), v.get(rows[1]), [0, 4, 1, 5]));
  const lo23 = v.let(b.vshuffle(v.get(rows[2]), v.get(rows[3]), [0, 4, 1, 5]));
  const hi01 = v.let(b.vshuffle(v.get(rows[0]), v.get(rows[1]), [2, 6, 3, 7]));
  const hi23 = v.let(b.vshuffle(v.get(rows[2]), v.get(rows[3]), [2, 6, 3, 7]));
  return [
    v.let(b.vshuffle(v.get(lo01), v.get(lo23), [0, 1, 4, 5])),
    v.let(b.vshuffle(v.get(lo01), v.get(lo23), [2, 3, 6, 7])),
    v.let(b.vshuffle(v.get(hi01), v.get(hi23), [0, 1, 4, 5])),
    v.let(b.vshuffle(v.get(hi01), v.get(hi23), [2, 3, 6, 7])),
  ];
}

/**
 * Stores res[p][q] (channels 4q..4q+3 of the tile at position p). One position with L' = 1: the
 * channels are contiguous, whole vectors. Four positions: a 4x4 transpose per q turns the lanes
 * into rows of four positions, one vector store per channel. Otherwise one lane store per value.
 */
export function storeTile(v: Straight, res: readonly (readonly Local[])[], o: TileOut): void {
  const b: Builder = v.b;
  const P = res.length;
  res[0].forEach((_, q) => {
    const lanes = Math.min(4, o.channels - 4 * q);
    if (o.rowFloats === 1 && P === 1) {
      const at = o.off + 16 * q;
      if (lanes === 4) v.push(b.vstore(o.ptr(), at, v.get(res[0][q])));
      else for (let j = 0; j < lanes; j++) v.push(b.vstoreLane(o.ptr(), at + 4 * j, j, v.get(res[0][q])));
      return;
    }
    if (P === 4) {
      const rows = transpose4(v, res.map((r) => r[q]));
      for (let j = 0; j < lanes; j++) v.push(b.vstore(o.ptr(), o.off + (4 * q + j) * o.rowFloats * 4, v.get(rows[j])));
      return;
    }
    for (let p = 0; p < P; p++) {
      for (let j = 0; j < lanes; j++) v.push(b.vstoreLane(o.ptr(), o.off + ((4 * q + j) * o.rowFloats + p) * 4, j, v.get(res[p][q])));
    }
  });
}
