/**
 * Comparisons and logic on shape values (Equal, Greater, Less, GreaterOrEqual, LessOrEqual, Not,
 * And, Or, Xor) and Size: folded at compile time. TorchScript exports test shapes and sizes with them
 * to pick an `If` branch; symbolic sizes (`seq`, `batch`, at least 1 each) decide where their bounds
 * do (batch > 0 holds, batch == 1 does not fold).
 */
import { type Ctx, modelError, unsupported } from '../frontend/ctx.js';
import { broadcastDims, zipConst } from '../frontend/fold.js';
import { type SymInt, formatSym, isNum, product, symEq } from '../frontend/symbolic.js';
import { type ConstVal, type IntConst, type Val, numbers } from '../frontend/value.js';
import type { NodeRules, OpModule } from './types.js';

/** The sign of a - b where the bounds decide it (seq and batch are at least 1), else null. */
export function compareSym(a: SymInt, b: SymInt): -1 | 0 | 1 | null {
  if (isNum(a) && isNum(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (symEq(a, b)) return 0;
  // A monomial c * seq^i * batch^j with c > 0 is at least c; with c < 0 at most c.
  if (!isNum(a) && isNum(b)) {
    if (a.c > 0 && b < a.c) return 1;
    if (a.c < 0 && b > a.c) return -1;
    return null;
  }
  if (isNum(a) && !isNum(b)) {
    const r = compareSym(b, a);
    return r === null ? null : (-r as -1 | 0 | 1);
  }
  return null;
}

/** Both inputs as constants broadcast together, or Unsupported naming what varies at run time. */
function constants(c: Ctx): [ConstVal, ConstVal, number[]] {
  const [a, b] = [c.input(0), c.input(1)].map((v, i) => asConst(v, `input ${i}`));
  const dims = broadcastDims(a.dims, b.dims);
  if (!dims) modelError(c, `inputs [${a.dims.join(', ')}] and [${b.dims.join(', ')}] do not broadcast`);
  return [a, b, dims as number[]];
}

function asConst(v: Val, what: string): ConstVal {
  if (v.kind === 'const') return v;
  if (v.kind === 'fill' && v.dims.every(isNum)) {
    const n = (v.dims as number[]).reduce((x, y) => x * y, 1);
    return v.dtype === 'float'
      ? { kind: 'const', dtype: 'float', dims: v.dims as number[], data: new Float32Array(n).fill(v.value) }
      : { kind: 'const', dtype: 'int', dims: v.dims as number[], data: new Array<number>(n).fill(v.value) };
  }
  return unsupported(`${what} is computed at run time; rnnc folds comparisons of shapes and constants (an If on a run-time value is compiled by its If)`);
}

const bool = (x: boolean): number => (x ? 1 : 0);

function comparison(test: (sign: -1 | 0 | 1) => boolean): NodeRules {
  return {
    infer: (c) => {
      const [a, b, dims] = constants(c);
      const out = zipConst(a, b, dims, (x, y) => {
        const s = compareSym(x, y);
        if (s === null) unsupported(`comparing ${formatSym(x)} with ${formatSym(y)}, which depends on the run-time sequence length or batch`);
        return bool(test(s));
      });
      return [{ ...(out as IntConst), dtype: 'int', data: Array.from((out as ConstVal).data, (v) => Number(v)) }];
    },
  };
}

/** The truth of each element (nonzero; a symbolic size is at least 1). */
export function truths(v: ConstVal): boolean[] {
  return Array.from(v.data as ArrayLike<SymInt>, (x) => (isNum(x) ? x !== 0 : true));
}

function logic(f: (a: boolean, b: boolean) => boolean): NodeRules {
  return {
    infer: (c) => {
      const [a, b, dims] = constants(c);
      const out = zipConst(a, b, dims, (x, y) => bool(f(isNum(x) ? x !== 0 : true, isNum(y) ? y !== 0 : true)));
      return [{ kind: 'const', dtype: 'int', dims, data: Array.from((out as ConstVal).data, Number) }];
    },
  };
}

const Not: NodeRules = {
  infer: (c) => {
    const x = asConst(c.input(0), 'input 0');
    return [{ kind: 'const', dtype: 'int', dims: x.dims, data: truths(x).map((t) => bool(!t)) }];
  },
};

const Size: NodeRules = {
  infer: (c) => [{ kind: 'const', dtype: 'int', dims: [], data: [product(c.input(0).dims)] }],
};

/** A scalar condition (an If's): one element, folded to a boolean, or null when computed at run time. */
export function foldedCondition(c: Ctx, v: Val): boolean | null {
  if (v.kind === 'run') return null;
  const k = asConst(v, 'the condition');
  if (k.data.length !== 1) modelError(c, `the condition must hold one element, got [${k.dims.join(', ')}]`);
  const n = numbers(k);
  return n ? n[0] !== 0 : true;
}

export const logicOp: OpModule = {
  summary: 'Equal, Greater, Less, GreaterOrEqual, LessOrEqual, Not, And, Or, Xor, Size',
  foldedOnly: true,
  nodes: {
    Equal: comparison((s) => s === 0),
    Greater: comparison((s) => s > 0),
    Less: comparison((s) => s < 0),
    GreaterOrEqual: comparison((s) => s >= 0),
    LessOrEqual: comparison((s) => s <= 0),
    Not,
    And: logic((a, b) => a && b),
    Or: logic((a, b) => a || b),
    Xor: logic((a, b) => a !== b),
    Size,
  },
};
