/**
 * A straight-line f32x4 code sequence: statements appended in order, values kept in fresh locals
 * (binaryen trees cannot share a node, and its optimizer coalesces the locals afterwards).
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';

export class Straight {
  readonly stmts: Expr[] = [];
  constructor(readonly b: Builder, readonly s: FunctionScope) {}

  /** Evaluates `e` once into a new v128 local. */
  let(e: Expr): Local {
    const l = this.s.local('v128');
    this.stmts.push(this.s.set(l, e));
    return l;
  }
  /** Evaluates `e` once into a new i32 local. */
  leti(e: Expr): Local {
    const l = this.s.local('i32');
    this.stmts.push(this.s.set(l, e));
    return l;
  }
  get(l: Local): Expr {
    return this.s.get(l);
  }
  push(e: Expr): void {
    this.stmts.push(e);
  }
  /** The statements so far as one block. */
  done(): Expr {
    return this.b.seq(this.stmts);
  }
}
