/**
 * A strided gather of a box: what a Slice with any starts and steps (negative ones included) lowers
 * to (ops/slice.ts). The output is written in order; elements are moved bit-exactly.
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { emitMoveBytes } from './copy.js';

/** What `emitStridedCopy` computes. */
export interface StridedSpec {
  /** Loop levels, outermost first (at least 1). */
  readonly levels: number;
  /** The innermost level reads consecutive elements (its stride is 4 bytes): its rows move as bytes. */
  readonly contiguous: boolean;
}

/**
 * Emits `name(src, dst, n0..nL-1, s0..sL-1)`: src is the address of the first element taken, n the
 * count and s the source byte stride (any sign) of each level:
 *
 *   for i0 in 0..n0: ... for iL-2 in 0..nL-2:                    p = src + i0*s0 + ... 
 *     contiguous: move nL-1*4 bytes from p to o (f32x4, see emitMoveBytes); o += nL-1*4
 *     otherwise:  for i in 0..nL-1: out[o] = x[p + i*sL-1]; o += 4   (i32 moves)
 */
export function emitStridedCopy(b: Builder, name: string, spec: StridedSpec): void {
  const L = spec.levels;
  const s = b.scope(new Array(2 + 2 * L).fill('i32'));
  const SRC = s.param(0), o = s.param(1);
  const n = Array.from({ length: L }, (_, i) => s.param(2 + i));
  const stride = Array.from({ length: L }, (_, i) => s.param(2 + L + i));
  const level = (i: number, base: Local): Expr => (i === L - 1 ? inner(b, s, spec, base, o, n[i], stride[i])
    : loopOver(b, s, `l${i}`, base, n[i], stride[i], (p) => level(i + 1, p)));
  s.finish(name, level(0, SRC));
}

/** The innermost level: one row of n elements from `base` to `o`, advancing `o`. */
function inner(b: Builder, s: FunctionScope, spec: StridedSpec, base: Local, o: Local, n: Local, stride: Local): Expr {
  if (spec.contiguous) {
    const bytes = s.local('i32');
    return b.seq([
      s.set(bytes, b.muli(s.get(n), 4)),
      emitMoveBytes(b, s, base, o, s.get(bytes), 'row'),
      s.set(o, b.add(s.get(o), s.get(bytes))),
    ]);
  }
  return loopOver(b, s, 'elems', base, n, stride, (p) => b.seq([b.storeI32(s.get(o), 0, b.loadI32(s.get(p))), s.bump(o, 4)]));
}

/** for i in 0..n: body(p) with p = base + i*stride. */
function loopOver(b: Builder, s: FunctionScope, label: string, base: Local, n: Local, stride: Local, body: (p: Local) => Expr): Expr {
  const p = s.local('i32'), k = s.local('i32');
  return b.seq([
    s.set(p, s.get(base)), s.set(k, s.get(n)),
    b.block(`${label}_out`, [b.loop(label, b.seq([
      b.br(`${label}_out`, b.leS(s.get(k), b.i32(0))),
      body(p),
      s.set(p, b.add(s.get(p), s.get(stride))),
      s.bump(k, -1),
      b.br(label),
    ]))]),
  ]);
}
