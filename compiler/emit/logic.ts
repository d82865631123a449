/**
 * Comparisons and logic at run time, one element at a time: the conditions of If nodes chosen at
 * run time are scalars (Silero VAD's `sr == 16000`), so the loop is plain wasm, not SIMD.
 */
import type { Builder, Expr } from './ir.js';

/** What `emitLogic` computes, elementwise; an i32 0 or 1 per element. */
export interface LogicSpec {
  /** eq..ge compare a with b; and/or/xor combine truths; not and nz (Cast to BOOL) read a only. */
  readonly fn: 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge' | 'and' | 'or' | 'xor' | 'not' | 'nz';
  /** The element type of a and b. */
  readonly float: boolean;
}

/**
 * Emits `name(a, b, out, n, aStep, bStep)`: for i in 0..n: out[i] = fn(a[i*aStep], b[i*bStep]); the
 * steps are 4 bytes, or 0 for an operand of one element broadcast to the others.
 */
export function emitLogic(b: Builder, name: string, spec: LogicSpec): void {
  const s = b.scope(['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const A = s.param(0), B = s.param(1), OUT = s.param(2), n = s.param(3), aStep = s.param(4), bStep = s.param(5);
  const load = (p: Expr) => (spec.float ? b.loadF32(p) : b.loadI32(p));
  const truth = (e: Expr) => b.ne(e, b.i32(0));
  const fs = spec.float ? { eq: b.feq, ne: b.fne, lt: b.flt, gt: b.fgt, le: b.fle, ge: b.fge } : { eq: b.eq, ne: b.ne, lt: b.ltS, gt: b.gtS, le: b.leS, ge: b.geS };
  const value = (x: Expr, y: () => Expr): Expr => {
    switch (spec.fn) {
      case 'not': return b.eqz(x);
      case 'nz': return spec.float ? b.fne(x, b.f32(0)) : truth(x);
      case 'and': return b.mul(truth(x), truth(y()));
      case 'or': return b.ne(b.add(truth(x), truth(y())), b.i32(0));
      case 'xor': return b.xor(truth(x), truth(y()));
      default: return fs[spec.fn].call(b, x, y());
    }
  };
  const body = b.block('out', [b.loop('each', b.seq([
    b.br('out', b.leS(s.get(n), b.i32(0))),
    b.storeI32(s.get(OUT), 0, value(load(s.get(A)), () => load(s.get(B)))),
    s.set(A, b.add(s.get(A), s.get(aStep))),
    s.set(B, b.add(s.get(B), s.get(bStep))),
    s.bump(OUT, 4), s.bump(n, -1),
    b.br('each'),
  ]))]);
  s.finish(name, body);
}
