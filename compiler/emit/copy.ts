/**
 * Data movement: Transpose (rank <= 4, compile-time perm) and a strided row copy that Concat and
 * Slice (step 1) lower to (ops/concat.ts, ops/slice.ts). Elements are moved bit-exactly (float32 or int32).
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';

/** What `emitTranspose` computes. */
export interface TransposeSpec {
  /** out axis j is input axis perm[j]; length 1..4 (the call pads the dims with leading 1s). */
  readonly perm: readonly number[];
}

/** How `emitCopyRows` copies. */
export interface CopyRowsSpec {
  /** Rows of at least this many bytes go to `memory.copy` (default 512); shorter ones move f32x4s. */
  readonly bulkBytes?: number;
}

const DEFAULT_BULK = 512;

/**
 * Moves `bytes` (a run-time multiple of 4) from src to dst, which must not overlap; src and dst
 * are left unchanged:
 *
 *   if bytes >= bulk: memory.copy
 *   else: 64-byte steps (4 x v128), then 16-byte steps, then 4-byte (i32) steps
 */
export function emitMoveBytes(b: Builder, s: FunctionScope, src: Local, dst: Local, bytes: Expr, label: string,
  bulk = DEFAULT_BULK): Expr {
  const ps = s.local('i32'), pd = s.local('i32'), rem = s.local('i32');
  const stage = (tag: string, step: number): Expr => {
    const moves: Expr[] = [];
    if (step === 4) moves.push(b.storeI32(s.get(pd), 0, b.loadI32(s.get(ps))));
    else for (let o = 0; o < step; o += 16) moves.push(b.vstore(s.get(pd), o, b.vload(s.get(ps), o)));
    return b.block(`${label}_${tag}_out`, [b.loop(`${label}_${tag}`, b.seq([
      b.br(`${label}_${tag}_out`, b.ltS(s.get(rem), b.i32(step))),
      ...moves,
      s.bump(ps, step), s.bump(pd, step), s.bump(rem, -step),
      b.br(`${label}_${tag}`),
    ]))]);
  };
  return b.seq([
    s.set(rem, bytes),
    b.if(b.geS(s.get(rem), b.i32(bulk)),
      b.copy(s.get(dst), s.get(src), s.get(rem)),
      b.seq([s.set(ps, s.get(src)), s.set(pd, s.get(dst)), stage('v4', 64), stage('v1', 16), stage('s', 4)])),
  ]);
}

/**
 * Emits `name(src, dst, rows, rowBytes, srcStride, dstStride)` (all bytes; rowBytes a multiple of 4;
 * source and destination rows must not overlap):
 *
 *   for r in 0..rows: move rowBytes bytes from src + r*srcStride to dst + r*dstStride
 */
export function emitCopyRows(b: Builder, name: string, spec: CopyRowsSpec = {}): void {
  const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const SRC = s.param(0), DST = s.param(1), rows = s.param(2), rowBytes = s.param(3), srcStride = s.param(4),
    dstStride = s.param(5);
  const body = b.block('rows_out', [b.loop('rows', b.seq([
    b.br('rows_out', b.leS(s.get(rows), b.i32(0))),
    emitMoveBytes(b, s, SRC, DST, s.get(rowBytes), 'row', spec.bulkBytes ?? DEFAULT_BULK),
    s.set(SRC, b.add(s.get(SRC), s.get(srcStride))),
    s.set(DST, b.add(s.get(DST), s.get(dstStride))),
    s.bump(rows, -1),
    b.br('rows'),
  ]))]);
  s.finish(name, body);
}

/** Output axes that stay adjacent and in order in the input, merged: input axes (of the 4-padded shape) per group. */
export function transposeGroups(perm: readonly number[]): number[][] {
  const pad = 4 - perm.length;
  const groups: number[][] = [];
  for (const p of perm) {
    const a = p + pad;
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] === a - 1) last.push(a);
    else groups.push([a]);
  }
  return groups;
}

/**
 * Emits `name(x, out, d0, d1, d2, d3)`: x has dims [d0, d1, d2, d3] (rank < 4 padded with leading 1s),
 * out is x transposed by the compile-time perm, written in order. Output axes that are adjacent in
 * the input are merged at compile time into groups G0..Gg-1 (extent = product of their dims):
 *
 *   for i0 in 0..ext(G0): ... for i(g-2) in 0..ext(G(g-2)):        src += stride of each group
 *     innermost group contiguous in x (holds axis 3): move ext*4 bytes (f32x4, see emitMoveBytes)
 *     otherwise: for i in 0..ext: out[o++] = x[src + i*stride]    (i32 moves)
 */
export function emitTranspose(b: Builder, name: string, spec: TransposeSpec): void {
  const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1);
  const d = [2, 3, 4, 5].map((i) => s.param(i));
  const groups = transposeGroups(spec.perm);
  const pre: Expr[] = [];
  // Byte strides of the four input axes: st[3] = 4, st[a] = st[a+1] * d[a+1].
  const st: Local[] = [];
  for (let a = 3; a >= 0; a--) {
    const l = s.local('i32');
    pre.push(s.set(l, a === 3 ? b.i32(4) : b.mul(s.get(st[a + 1]), s.get(d[a + 1]))));
    st[a] = l;
  }
  const ext = groups.map((g) => {
    const l = s.local('i32');
    pre.push(s.set(l, g.slice(1).reduce((e: Expr, a) => b.mul(e, s.get(d[a])), s.get(d[g[0]]))));
    return l;
  });
  const stride = groups.map((g) => st[g[g.length - 1]]);
  const o = s.local('i32');
  pre.push(s.set(o, s.get(OUT)));

  const inner = (src: Local): Expr => {
    const g = groups.length - 1;
    if (groups[g][groups[g].length - 1] === 3) {
      const bytes = s.local('i32');
      return b.seq([
        s.set(bytes, b.muli(s.get(ext[g]), 4)),
        emitMoveBytes(b, s, src, o, s.get(bytes), 'row'),
        s.set(o, b.add(s.get(o), s.get(bytes))),
      ]);
    }
    const p = s.local('i32'), n = s.local('i32');
    return b.seq([
      s.set(p, s.get(src)), s.set(n, s.get(ext[g])),
      b.block('elems_out', [b.loop('elems', b.seq([
        b.br('elems_out', b.leS(s.get(n), b.i32(0))),
        b.storeI32(s.get(o), 0, b.loadI32(s.get(p))),
        s.set(p, b.add(s.get(p), s.get(stride[g]))),
        s.bump(o, 4), s.bump(n, -1),
        b.br('elems'),
      ]))]),
    ]);
  };
  const level = (i: number, base: Local): Expr => {
    if (i === groups.length - 1) return inner(base);
    const p = s.local('i32'), n = s.local('i32');
    return b.seq([
      s.set(p, s.get(base)), s.set(n, s.get(ext[i])),
      b.block(`l${i}_out`, [b.loop(`l${i}`, b.seq([
        b.br(`l${i}_out`, b.leS(s.get(n), b.i32(0))),
        level(i + 1, p),
        s.set(p, b.add(s.get(p), s.get(stride[i]))),
        s.bump(n, -1),
        b.br(`l${i}`),
      ]))]),
    ]);
  };
  s.finish(name, b.seq([...pre, level(0, X)]));
}

