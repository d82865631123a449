/**
 * A per-channel scale and shift, out[o][c][i] = x[o][c][i] * scale[c] + shift[c]: what an inference
 * BatchNormalization computes when no producer could take its factors into its weights.
 */
import type { Builder, Local } from './ir.js';
import { elementLoop, load, store } from './loops.js';

/** What `emitChannelAffine` computes. */
export interface ChannelAffineSpec {
  /** Channels (axis 1). */
  readonly C: number;
  /**
   * Nothing follows the channel axis (x is [outer, C]): the channels are contiguous and the loop
   * runs over them with scale and shift as vectors; otherwise each channel's run of `inner`
   * values takes its scale and shift as splats.
   */
  readonly channelsLast: boolean;
}

/**
 * Emits `name(x, out, outer, inner, scale, shift)` (scale and shift: C floats each); out may alias x.
 *
 *   channelsLast: for o in 0..outer: for c in 0..C (vectors, then lanes): out[o][c] = x[o][c] * scale[c] + shift[c]
 *   otherwise:    for o in 0..outer: for c in 0..C: for i in 0..inner (4 vectors, ...): out[o][c][i] = x[o][c][i] * s + t
 */
export function emitChannelAffine(b: Builder, name: string, spec: ChannelAffineSpec): void {
  const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1), outer = s.param(2), inner = s.param(3), SCALE = s.param(4), SHIFT = s.param(5);
  const px: Local = s.local('i32'), po: Local = s.local('i32'), ps: Local = s.local('i32'), pt: Local = s.local('i32');
  const o = s.local('i32'), c = s.local('i32');
  const sv = s.local('v128'), tv = s.local('v128');
  let perRow;
  if (spec.channelsLast) {
    perRow = b.seq([
      s.set(ps, s.get(SCALE)), s.set(pt, s.get(SHIFT)),
      elementLoop(b, s, 'channels', [px, po, ps, pt], b.i32(spec.C), 4, (v, off, lane) => {
        const y = b.vadd(b.vmul(load(b, s.get(px), off, lane), load(b, s.get(ps), off, lane)), load(b, s.get(pt), off, lane));
        v.push(store(b, s.get(po), off, lane, y));
      }),
    ]);
  } else {
    perRow = b.seq([
      s.set(ps, s.get(SCALE)), s.set(pt, s.get(SHIFT)), s.set(c, b.i32(spec.C)),
      b.loop('channels', b.seq([
        s.set(sv, b.vsplatLoad(s.get(ps))), s.set(tv, b.vsplatLoad(s.get(pt))),
        elementLoop(b, s, 'values', [px, po], s.get(inner), 4, (v, off, lane) => {
          v.push(store(b, s.get(po), off, lane, b.vadd(b.vmul(load(b, s.get(px), off, lane), s.get(sv)), s.get(tv))));
        }),
        s.bump(ps, 4), s.bump(pt, 4), s.bump(c, -1),
        b.br('channels', s.get(c)),
      ])),
    ]);
  }
  s.finish(name, b.seq([
    s.set(px, s.get(X)), s.set(po, s.get(OUT)), s.set(o, s.get(outer)),
    b.block('rows_out', [b.loop('rows', b.seq([
      b.br('rows_out', b.leS(s.get(o), b.i32(0))),
      perRow,
      s.bump(o, -1),
      b.br('rows'),
    ]))]),
  ]));
}
