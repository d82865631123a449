/**
 * Elementwise kernels: Add/Sub/Mul/Div with the broadcasts an RNN model needs (a bias row, a
 * scalar), and a map of any SIMD function of four lanes (the unary ops: Relu, Tanh, Sigmoid, Abs).
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { load, store, elementLoop } from './loops.js';
import type { Straight } from './vec.js';

/** The four arithmetic ops. */
export type BinaryKind = 'add' | 'sub' | 'mul' | 'div';

/**
 * How the operands of `binary(a, b, out, outer, inner)` are laid out; out is always [outer, inner].
 * - same: a and b are [outer, inner];
 * - bRow / aRow: that operand is one row of `inner` elements, the other is [outer, inner];
 * - bScalar / aScalar: that operand is one element, the other is [outer, inner];
 * - bCol / aCol: that operand is one element per row ([outer]), the other is [outer, inner].
 */
export type BroadcastPattern = 'same' | 'bRow' | 'aRow' | 'bScalar' | 'aScalar' | 'bCol' | 'aCol';

/** What `emitBinary` computes. */
export interface BinarySpec {
  readonly kind: BinaryKind;
  readonly pattern: BroadcastPattern;
  /** Vectors per iteration of the main loop (default 4). */
  readonly unroll?: number;
}

/** What `emitMap` computes: a function of four lanes, applied to every element. */
export interface MapSpec {
  /** The SIMD function (emit/activations.ts has the ones the RNN cells use). */
  readonly f: (v: Straight, x: Local) => Local;
  /** Vectors per iteration of the main loop (long dependency chains take fewer). */
  readonly unroll: number;
}

function arith(b: Builder, kind: BinaryKind, x: Expr, y: Expr): Expr {
  switch (kind) {
    case 'add': return b.vadd(x, y);
    case 'sub': return b.vsub(x, y);
    case 'mul': return b.vmul(x, y);
    case 'div': return b.vdiv(x, y);
  }
}

/**
 * Emits `name(a, b, out, outer, inner)` (pointers, then run-time counts); out may alias a or b.
 *
 *   same, bScalar, aScalar (s = splat of the scalar operand, loaded once):
 *     for i in 0..outer*inner (4 vectors, then vectors, then lanes): out[i] = a[i] op b[i] (or s)
 *   bRow, aRow:
 *     for o in 0..outer:
 *       for j in 0..inner (4 vectors, then vectors, then lanes): out[o][j] = a[o][j] op b[j] (or a[j] op b[o][j])
 *   bCol, aCol:
 *     for o in 0..outer: s = splat of b[o] (or a[o])
 *       for j in 0..inner (4 vectors, then vectors, then lanes): out[o][j] = a[o][j] op s (or s op b[o][j])
 */
export function emitBinary(b: Builder, name: string, spec: BinarySpec): void {
  const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32']);
  const A = s.param(0), B = s.param(1), OUT = s.param(2), outer = s.param(3), inner = s.param(4);
  const { kind, pattern } = spec;
  const unroll = spec.unroll ?? 4;
  const pa = s.local('i32'), pb = s.local('i32'), po = s.local('i32');
  const init = [s.set(pa, s.get(A)), s.set(pb, s.get(B)), s.set(po, s.get(OUT))];

  if (pattern === 'same' || pattern === 'bScalar' || pattern === 'aScalar') {
    const scalar = s.local('v128');
    const streamed = pattern === 'same' ? [pa, pb, po] : pattern === 'bScalar' ? [pa, po] : [pb, po];
    if (pattern !== 'same') init.push(s.set(scalar, b.vsplatLoad(s.get(pattern === 'bScalar' ? B : A))));
    const body = elementLoop(b, s, 'elems', streamed, b.mul(s.get(outer), s.get(inner)), unroll, (v, off, lane) => {
      const x = pattern === 'aScalar' ? s.get(scalar) : load(b, s.get(pa), off, lane);
      const y = pattern === 'bScalar' ? s.get(scalar) : load(b, s.get(pb), off, lane);
      v.push(store(b, s.get(po), off, lane, arith(b, kind, x, y)));
    });
    s.finish(name, b.seq([...init, body]));
    return;
  }

  if (pattern === 'bCol' || pattern === 'aCol') {
    s.finish(name, b.seq([...init, columnLoop(b, s, spec, pa, pb, po, outer, inner)]));
    return;
  }

  // Row broadcast: the row operand's pointer restarts at every row; the other two run on.
  const row = pattern === 'bRow' ? pb : pa;
  const rowBase = pattern === 'bRow' ? B : A;
  const o = s.local('i32');
  const inside = elementLoop(b, s, 'cols', [pa, pb, po], s.get(inner), unroll, (v, off, lane) => {
    v.push(store(b, s.get(po), off, lane, arith(b, kind, load(b, s.get(pa), off, lane), load(b, s.get(pb), off, lane))));
  });
  const body = b.seq([
    ...init,
    s.set(o, s.get(outer)),
    b.block('rows_out', [b.loop('rows', b.seq([
      b.br('rows_out', b.leS(s.get(o), b.i32(0))),
      s.set(row, s.get(rowBase)),
      inside,
      s.bump(o, -1),
      b.br('rows'),
    ]))]),
  ]);
  s.finish(name, body);
}

/** The column broadcast: the column operand's pointer moves one element per row, the other two run on. */
function columnLoop(b: Builder, s: FunctionScope, spec: BinarySpec, pa: Local, pb: Local, po: Local, outer: Local, inner: Local): Expr {
  const col = spec.pattern === 'bCol' ? pb : pa;
  const other = spec.pattern === 'bCol' ? pa : pb;
  const splat = s.local('v128'), o = s.local('i32');
  const inside = elementLoop(b, s, 'cols', [other, po], s.get(inner), spec.unroll ?? 4, (v, off, lane) => {
    const x = load(b, s.get(other), off, lane);
    v.push(store(b, s.get(po), off, lane, spec.pattern === 'bCol' ? arith(b, spec.kind, x, s.get(splat)) : arith(b, spec.kind, s.get(splat), x)));
  });
  return b.seq([
    s.set(o, s.get(outer)),
    b.block('rows_out', [b.loop('rows', b.seq([
      b.br('rows_out', b.leS(s.get(o), b.i32(0))),
      s.set(splat, b.vsplatLoad(s.get(col))),
      inside,
      s.bump(col, 4),
      s.bump(o, -1),
      b.br('rows'),
    ]))]),
  ]);
}

/**
 * Emits `name(x, out, n)`; out may alias x.
 *
 *   for i in 0..n (unroll vectors, then vectors, then lanes): out[i] = f(x[i])
 */
export function emitMap(b: Builder, name: string, spec: MapSpec): void {
  const s = b.scope(['i32', 'i32', 'i32']);
  const X = s.param(0), OUT = s.param(1), n = s.param(2);
  const px: Local = s.local('i32'), po: Local = s.local('i32');
  const body = elementLoop(b, s, 'elems', [px, po], s.get(n), spec.unroll, (v, off, lane) => {
    const x = v.let(load(b, s.get(px), off, lane));
    v.push(store(b, s.get(po), off, lane, v.get(spec.f(v, x))));
  });
  s.finish(name, b.seq([s.set(px, s.get(X)), s.set(po, s.get(OUT)), body]));
}
