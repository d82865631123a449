/**
 * Pad as a copy: every output row is its source row moved whole (memory.copy or f32x4 moves), with
 * the pad regions around it written per row: a constant, the row's edge value, its mirror image
 * (reflect: f32x4 loads with their lanes reversed) or the other end of the row (wrap). Axes the
 * pads leave alone are merged into groups by the caller; elements move bit-exactly.
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { emitMoveBytes } from './copy.js';

/** How the pad regions are filled (ONNX Pad's modes). */
export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

/**
 * One group of axes of x: merged axes no pad touches (null), or one padded axis of `size`
 * elements whose `keep` elements from `crop` on (negative pads crop) get `before` and `after` pad
 * elements around them.
 */
export type PadGroup = null | PaddedAxis;
export interface PaddedAxis {
  readonly size: number;
  readonly crop: number;
  readonly keep: number;
  readonly before: number;
  readonly after: number;
}

/** What `emitPad` computes. */
export interface PadSpec {
  readonly mode: PadMode;
  /** The constant mode's value as f32 bits. */
  readonly valueBits: number;
  /** The groups of x's axes, outermost first; at least one is padded. */
  readonly groups: readonly PadGroup[];
}

/** Stores `bytes` (a multiple of 4) of `splat` from dst on: f32x4 stores, then lanes; memory.fill for zero bits. */
function fillBytes(b: Builder, s: FunctionScope, dst: Expr, bytes: Expr, splat: () => Expr, zero: boolean, label: string): Expr {
  if (zero) return b.fill(dst, b.i32(0), bytes);
  const p = s.local('i32'), rem = s.local('i32'), v = s.local('v128');
  const stage = (tag: string, step: number, store: Expr) => b.block(`${label}_${tag}_out`, [b.loop(`${label}_${tag}`, b.seq([
    b.br(`${label}_${tag}_out`, b.ltS(s.get(rem), b.i32(step))),
    store, s.bump(p, step), s.bump(rem, -step), b.br(`${label}_${tag}`),
  ]))]);
  return b.seq([
    s.set(p, dst), s.set(rem, bytes), s.set(v, splat()),
    stage('v', 16, b.vstore(s.get(p), 0, s.get(v))),
    stage('l', 4, b.vstoreLane(s.get(p), 0, 0, s.get(v))),
  ]);
}

/** dst[i] = top[-i] for i < n (a mirror image): f32x4 loads with their lanes reversed, then i32 moves. */
function reverseCopy(b: Builder, s: FunctionScope, dst: Expr, top: Expr, n: number, label: string): Expr {
  const pd = s.local('i32'), ps = s.local('i32'), i = s.local('i32');
  const vectors = Math.floor(n / 4);
  const body: Expr[] = [s.set(pd, dst), s.set(ps, top)];
  if (vectors > 0) {
    // ps walks down from the vector that ends at top.
    const v = () => b.vload(s.get(ps), 0);
    body.push(s.bump(ps, -12), s.set(i, b.i32(vectors)), b.loop(label, b.seq([
      b.vstore(s.get(pd), 0, b.vshuffle(v(), b.vconst(0), [3, 2, 1, 0])),
      s.bump(pd, 16), s.bump(ps, -16), s.bump(i, -1),
      b.br(label, s.get(i)),
    ])), s.bump(ps, 12));
  }
  for (let j = 0; j < n % 4; j++) body.push(b.storeI32(s.get(pd), 4 * j, b.loadI32(b.sub(s.get(ps), b.i32(4 * j)))));
  return b.seq(body);
}

/** k = the source index (among the kept elements) of output index o along a padded axis; constant mode leaves it unmapped. */
function sourceIndex(b: Builder, s: FunctionScope, mode: PadMode, o: Local, g: PaddedAxis, k: Local): Expr {
  const K = () => s.get(k);
  const below = () => b.ltS(K(), b.i32(0)), above = () => b.geS(K(), b.i32(g.keep));
  const fix = (ifBelow: Expr, ifAbove: () => Expr) => [s.set(k, b.select(below(), ifBelow, K())), s.set(k, b.select(above(), ifAbove(), K()))];
  const steps = [s.set(k, b.sub(s.get(o), b.i32(g.before)))];
  if (mode === 'edge') steps.push(...fix(b.i32(0), () => b.i32(g.keep - 1)));
  if (mode === 'reflect') steps.push(...fix(b.sub(b.i32(0), K()), () => b.sub(b.i32(2 * (g.keep - 1)), K())));
  if (mode === 'wrap') steps.push(...fix(b.add(K(), b.i32(g.keep)), () => b.sub(K(), b.i32(g.keep))));
  return b.seq(steps);
}

/**
 * Emits `name(x, out, e0, e1, ...)`: one extent argument (elements, run time) per unpadded group.
 * xs_j and os_j are the byte strides of group j in x and out (products of the extents after it).
 *
 *   rows(j, src, dst):
 *     unpadded, not last: for r in 0..e_j: rows(j+1, src + r*xs_j, dst + r*os_j)
 *     unpadded, last:     move e_j elements from src to dst
 *     padded, not last:   for o in 0..before+keep+after: k = the mode's source index of o
 *                         (constant: k outside 0..keep fills the out block with the value)
 *                         rows(j+1, src + (crop + k)*xs_j, dst + o*os_j)
 *     padded, last:       before region | keep elements from src + crop | after region
 */
export function emitPad(b: Builder, name: string, spec: PadSpec): void {
  const { groups, mode } = spec;
  const s = b.scope(['i32', 'i32', ...groups.filter((g) => g === null).map(() => 'i32' as const)]);
  let next = 2;
  const ext = groups.map((g) => (g === null ? s.param(next++) : null));
  const xSize = (j: number) => { const g = groups[j]; return g === null ? s.get(ext[j]!) : b.i32(g.size); };
  const oSize = (j: number) => { const g = groups[j]; return g === null ? s.get(ext[j]!) : b.i32(g.before + g.keep + g.after); };
  const xs: Local[] = [], os: Local[] = [];
  const strides: Expr[] = [];
  for (let j = groups.length - 1; j >= 0; j--) {
    xs[j] = s.local('i32');
    os[j] = s.local('i32');
    const last = j === groups.length - 1;
    strides.push(s.set(xs[j], last ? b.i32(4) : b.mul(s.get(xs[j + 1]), xSize(j + 1))));
    strides.push(s.set(os[j], last ? b.i32(4) : b.mul(s.get(os[j + 1]), oSize(j + 1))));
  }
  const value = () => b.visplat(b.i32(spec.valueBits));
  const zero = spec.valueBits === 0;
  const at = (p: Local, elems: number) => b.add(s.get(p), b.i32(4 * elems));

  const region = (g: PaddedAxis, src: Local, dst: Local, side: 'before' | 'after', label: string): Expr => {
    const n = g[side];
    if (n === 0) return b.nop();
    const { crop, keep, before } = g;
    const out = at(dst, side === 'before' ? 0 : before + keep);
    switch (mode) {
      case 'constant': return fillBytes(b, s, out, b.i32(4 * n), value, zero, label);
      case 'edge': return fillBytes(b, s, out, b.i32(4 * n), () => b.vsplatLoad(at(src, side === 'before' ? crop : crop + keep - 1)), false, label);
      case 'reflect': return reverseCopy(b, s, out, at(src, side === 'before' ? crop + before : crop + keep - 2), n, label);
      case 'wrap': {
        const from = s.local('i32'), to = s.local('i32');
        return b.seq([s.set(from, at(src, side === 'before' ? crop + keep - before : crop)), s.set(to, out),
          emitMoveBytes(b, s, from, to, b.i32(4 * n), label)]);
      }
    }
  };
  const row = (g: PaddedAxis, src: Local, dst: Local, j: number): Expr => {
    const from = s.local('i32'), to = s.local('i32');
    return b.seq([
      region(g, src, dst, 'before', `g${j}b`),
      s.set(from, at(src, g.crop)), s.set(to, at(dst, g.before)), emitMoveBytes(b, s, from, to, b.i32(4 * g.keep), `g${j}m`),
      region(g, src, dst, 'after', `g${j}a`),
    ]);
  };

  const rows = (j: number, src: Local, dst: Local): Expr => {
    const g = groups[j];
    const last = j === groups.length - 1;
    if (g === null && last) return emitMoveBytes(b, s, src, dst, b.muli(s.get(ext[j]!), 4), `g${j}`);
    if (g !== null && last) return row(g, src, dst, j);
    const ps = s.local('i32'), pd = s.local('i32'), o = s.local('i32'), k = s.local('i32');
    let inner: Expr;
    if (g === null) inner = b.seq([s.set(ps, b.add(s.get(src), b.mul(s.get(o), s.get(xs[j])))), rows(j + 1, ps, pd)]);
    else {
      const toRow = b.seq([s.set(ps, b.add(s.get(src), b.mul(b.add(s.get(k), b.i32(g.crop)), s.get(xs[j])))), rows(j + 1, ps, pd)]);
      const fill = () => fillBytes(b, s, s.get(pd), s.get(os[j]), value, zero, `g${j}f`);
      inner = b.seq([sourceIndex(b, s, mode, o, g, k), mode === 'constant' ? b.if(b.ltU(s.get(k), b.i32(g.keep)), toRow, fill()) : toRow]);
    }
    return b.seq([
      s.set(o, b.i32(0)),
      b.block(`g${j}_out`, [b.loop(`g${j}`, b.seq([
        b.br(`g${j}_out`, b.geS(s.get(o), oSize(j))),
        s.set(pd, b.add(s.get(dst), b.mul(s.get(o), s.get(os[j])))),
        inner,
        s.bump(o, 1),
        b.br(`g${j}`),
      ]))]),
    ]);
  };
  s.finish(name, b.seq([...strides, rows(0, s.param(0), s.param(1))]));
}
