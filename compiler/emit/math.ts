/**
 * Elementwise functions of one input with their parameters resolved (ONNX Pow with a constant
 * exponent, Sqrt, Exp, Log, Neg, Clip, LeakyRelu, and the activations Relu, Sigmoid, Tanh), as pure
 * emitters over f32x4 values. A `UnaryFn` is what a kernel applies to the values it has in
 * registers: the elementwise map of ops/math.ts emits one over a buffer, a convolution can apply one
 * to its outputs before storing them. Exp and log take every f32 (overflow, denormals, ±0, ±Infinity,
 * NaN) with few-ulp errors; test/ops_math.test.ts measures them.
 */
import type { Local } from './ir.js';
import { type ActivationName, emitActivation, EXP_POLY } from './activations.js';
import type { Straight } from './vec.js';

/** One elementwise function and its parameters (ONNX defaults already filled in). */
export type UnaryFn =
  | { readonly fn: 'neg' | 'sqrt' | 'exp' | 'log' | 'relu' | 'sigmoid' | 'tanh' }
  /** x^exponent, NumPy's semantics (a negative base needs an integer exponent, else NaN). */
  | { readonly fn: 'pow'; readonly exponent: number }
  /** min(max(x, min), max); null for a side without a bound. NaN stays NaN. */
  | { readonly fn: 'clip'; readonly min: number | null; readonly max: number | null }
  /** x >= 0 ? x : alpha * x. */
  | { readonly fn: 'leakyRelu'; readonly alpha: number };

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693145751953125; // 16 significant bits: n * LN2_HI is exact for |n| < 2^8
const LN2_LO = 1.4286068203094173e-6;
/** 1.5 * 2^23: x*log2e + ROUNDER holds round(x*log2e) in its low mantissa bits. */
const ROUNDER = 12582912;
const ROUNDER_BITS = 0x4b400000;
const ONE_BITS = 0x3f800000;
const FLT_MIN = 2 ** -126;
const FLT_MAX = 3.4028234663852886e38;
/** exp(x) rounds to 0 below this (2^-150 and less) and overflows above 89 (n = 128 at most). */
const EXP_LO = -104, EXP_HI = 89;

function horner(v: Straight, r: Local, coeffs: readonly number[]): Local {
  const b = v.b;
  let acc = b.vconst(coeffs[coeffs.length - 1]);
  for (let i = coeffs.length - 2; i >= 0; i--) acc = b.vadd(b.vmul(acc, v.get(r)), b.vconst(coeffs[i]));
  return v.let(acc);
}

/**
 * exp(x) for every f32: x = n*ln2 + r (Cody-Waite, |r| <= ln2/2), exp(r) by the degree-6 polynomial
 * of the activations, and 2^n applied as two normal powers 2^n1 * 2^n2 (n1 = n >> 1) so that n in
 * [-150, 128] reaches the denormals and the top of the range with one rounding at most.
 */
export function emitExp(v: Straight, x: Local): Local {
  const b = v.b;
  // pmax/pmin return their first operand when it is NaN: NaN stays NaN.
  const xc = v.let(b.vpmin(b.vpmax(v.get(x), b.vconst(EXP_LO)), b.vconst(EXP_HI)));
  const t = v.let(b.vadd(b.vmul(v.get(xc), b.vconst(LOG2E)), b.vconst(ROUNDER)));
  const n = v.let(b.vsub(v.get(t), b.vconst(ROUNDER)));
  const r1 = v.let(b.vsub(v.get(xc), b.vmul(v.get(n), b.vconst(LN2_HI))));
  const r = v.let(b.vsub(v.get(r1), b.vmul(v.get(n), b.vconst(LN2_LO))));
  const p = horner(v, r, EXP_POLY);
  const ni = v.let(b.visub(v.get(t), b.vconstI(ROUNDER_BITS)));
  const n1 = v.let(b.vishrS(v.get(ni), 1));
  const s1 = b.viadd(b.vishl(v.get(n1), 23), b.vconstI(ONE_BITS));
  const s2 = b.viadd(b.vishl(b.visub(v.get(ni), v.get(n1)), 23), b.vconstI(ONE_BITS));
  return v.let(b.vmul(b.vmul(v.get(p), s1), s2));
}

/**
 * log(x) for a normal positive x: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), log(m) = 2s(1 + s^2/3 +
 * ... + s^8/9) with s = (m - 1)/(m + 1) (m - 1 is exact), then e*ln2 in two parts. Near 1, e = 0 and
 * the result keeps log(m)'s relative precision (no ln2 added and taken away).
 */
function logNormal(v: Straight, x: Local): Local {
  const b = v.b;
  const m0 = v.let(b.vor(b.vand(v.get(x), b.vconstI(0x007fffff)), b.vconstI(ONE_BITS)));
  const big = v.let(b.vgt(v.get(m0), b.vconst(Math.SQRT2)));
  const m = v.let(b.vselect(v.get(big), b.vmul(v.get(m0), b.vconst(0.5)), v.get(m0)));
  // big is -1 in its lanes: subtracting it adds 1 to the exponent where m was halved.
  const e = v.let(b.vconvertI(b.visub(b.visub(b.vishrU(v.get(x), 23), b.vconstI(127)), v.get(big))));
  const s = v.let(b.vdiv(b.vsub(v.get(m), b.vconst(1)), b.vadd(v.get(m), b.vconst(1))));
  const series = horner(v, v.let(b.vmul(v.get(s), v.get(s))), [2, 2 / 3, 2 / 5, 2 / 7, 2 / 9]);
  const lm = b.vmul(v.get(s), v.get(series));
  return v.let(b.vadd(b.vmul(v.get(e), b.vconst(LN2_HI)), b.vadd(lm, b.vmul(v.get(e), b.vconst(LN2_LO)))));
}

/**
 * log(x) for every f32: denormals scaled by 2^24 first (and 24*ln2 taken off after); log(±0) =
 * -Infinity, log(+Infinity) = +Infinity, negative numbers and NaN give NaN.
 */
export function emitLog(v: Straight, x: Local): Local {
  const b = v.b;
  const tiny = v.let(b.vlt(v.get(x), b.vconst(FLT_MIN)));
  const xs = v.let(b.vselect(v.get(tiny), b.vmul(v.get(x), b.vconst(2 ** 24)), v.get(x)));
  const l = logNormal(v, xs);
  // 24*LN2_HI is exact; the two steps keep the low part's precision.
  const back = v.let(b.vsub(b.vsub(v.get(l), b.vand(v.get(tiny), b.vconst(24 * LN2_HI))), b.vand(v.get(tiny), b.vconst(24 * LN2_LO))));
  const inf = v.let(b.vselect(b.veq(v.get(x), b.vconst(Infinity)), b.vconst(Infinity), v.get(back)));
  const zero = v.let(b.vselect(b.veq(v.get(x), b.vconst(0)), b.vconst(-Infinity), v.get(inf)));
  return v.let(b.vselect(b.vge(v.get(x), b.vconst(0)), v.get(zero), b.vconst(NaN)));
}

/** Whether pow by `e` is a few multiplies or a root rather than exp(e * log|x|). */
export function isShortPow(e: number): boolean {
  return e === 0 || e === 1 || e === 2 || e === 3 || e === -1 || e === 0.5;
}

/**
 * x^e with C's pow at the edges (NumPy and onnxruntime follow it). Short exponents: 1, x, x*x,
 * x*x*x, 1/x, sqrt(x) (+0 for -0 and +Infinity for -Infinity, as pow has it). Others:
 * exp(e * log|x|), with x's sign where e is an odd integer and NaN for a finite x < 0 where e is not
 * an integer; the relative error grows with |e * log|x|| (the f32 rounding of the product).
 */
export function emitPow(v: Straight, e: number, x: Local): Local {
  const b = v.b;
  const X = () => v.get(x);
  if (e === 0) return v.let(b.vconst(1));
  if (e === 1) return x;
  if (e === 2) return v.let(b.vmul(X(), X()));
  if (e === 3) return v.let(b.vmul(b.vmul(X(), X()), X()));
  if (e === -1) return v.let(b.vdiv(b.vconst(1), X()));
  if (e === 0.5) {
    const root = b.vadd(b.vsqrt(X()), b.vconst(0));
    return v.let(b.vselect(b.vlt(X(), b.vconst(-FLT_MAX)), b.vconst(Infinity), root));
  }
  const ax = v.let(b.vabs(X()));
  const y = emitExp(v, v.let(b.vmul(v.get(emitLog(v, ax)), b.vconst(e))));
  if (!Number.isInteger(e)) {
    // A finite negative base has no real power; -Infinity's is +Infinity or +0 (C's pow), as computed.
    const negative = b.vand(b.vlt(X(), b.vconst(0)), b.vge(X(), b.vconst(-FLT_MAX)));
    return v.let(b.vselect(negative, b.vconst(NaN), v.get(y)));
  }
  if (e % 2 === 0) return y;
  return v.let(b.vor(v.get(y), b.vand(X(), b.vconstI(0x80000000 | 0))));
}

const ACTIVATION: Partial<Record<UnaryFn['fn'], ActivationName>> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

/** Emits f(x) for an f32x4 local; returns the local holding the result. */
export function emitUnaryFn(v: Straight, f: UnaryFn, x: Local): Local {
  const b = v.b;
  switch (f.fn) {
    case 'neg': return v.let(b.vneg(v.get(x)));
    case 'sqrt': return v.let(b.vsqrt(v.get(x)));
    case 'exp': return emitExp(v, x);
    case 'log': return emitLog(v, x);
    case 'pow': return emitPow(v, f.exponent, x);
    case 'clip': {
      let y = v.get(x);
      if (f.min !== null) y = b.vpmax(y, b.vconst(f.min));
      if (f.max !== null) y = b.vpmin(y, b.vconst(f.max));
      return v.let(y);
    }
    case 'leakyRelu': return emitActivation(v, { name: 'LeakyRelu', alpha: f.alpha, beta: 0 }, x);
    default: return emitActivation(v, { name: ACTIVATION[f.fn]!, alpha: 0, beta: 0 }, x);
  }
}

/** Vectors per iteration of a map of f: long dependency chains (exp, log, sigmoid) take fewer. */
export function unaryFnUnroll(f: UnaryFn): number {
  const long = f.fn === 'exp' || f.fn === 'log' || f.fn === 'sigmoid' || f.fn === 'tanh' || (f.fn === 'pow' && !isShortPow(f.exponent));
  return long ? 2 : 4;
}
