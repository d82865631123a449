/**
 * SIMD activation functions, all eleven ONNX names, as pure emitters over f32x4 values.
 * Sigmoid and tanh are accurate to a few ulp over all f32: exp with Cody-Waite range reduction and a
 * degree-6 minimax polynomial, sigmoid as 1/(1 + exp(-x)), tanh through expm1 so small inputs keep
 * their relative precision. The cell update is the largest cost after the k-loop at small hidden
 * sizes, so every instruction here counts (LSTM runs five of these per four units and step).
 */
import type { Local } from './ir.js';
import type { Straight } from './vec.js';

/** Activation names as ONNX spells them (case-sensitive, as in the operator spec). */
export const ACTIVATION_NAMES = [
  'Relu', 'Tanh', 'Sigmoid', 'Affine', 'LeakyRelu', 'ThresholdedRelu', 'ScaledTanh', 'HardSigmoid',
  'Elu', 'Softsign', 'Softplus',
] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** One activation function with its resolved parameters (ONNX defaults filled in). */
export interface Activation {
  readonly name: ActivationName;
  readonly alpha: number;
  readonly beta: number;
}

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693145751953125; // 0x3F317200: few significant bits, so n * LN2_HI is exact
const LN2_LO = 1.4286068203094173e-6;
/** Below -87.336 exp underflows past FLT_MIN: callers clamp to it (absolute error < 1.2e-38). */
const EXP_CUTOFF = -87.33654;

/** 1.5 * 2^23: adding it to |y| < 2^22 rounds y to an integer (ties to even, as f32x4.nearest does). */
const ROUNDER = 12582912;

/**
 * Splits x = n*ln2 + r with |r| <= ln2/2; returns [n, r, 2^n] for x in [-87.34, 0]. n comes from the
 * rounding constant rather than nearest + trunc_sat (which V8 lowers to ~8 instructions on x64): the
 * sum t = x*log2e + 1.5*2^23 holds n in its low mantissa bits, so 2^n = (bits(t) << 23) + bits(1.0).
 */
function reduce(v: Straight, x: Local): [Local, Local, Local] {
  const b = v.b;
  const t = v.let(b.vadd(b.vmul(v.get(x), b.vconst(LOG2E)), b.vconst(ROUNDER)));
  const n = v.let(b.vsub(v.get(t), b.vconst(ROUNDER)));
  const r1 = v.let(b.vsub(v.get(x), b.vmul(v.get(n), b.vconst(LN2_HI))));
  const r = v.let(b.vsub(v.get(r1), b.vmul(v.get(n), b.vconst(LN2_LO))));
  const scale = v.let(b.viadd(b.vishl(v.get(t), 23), b.vconstI(0x3f800000)));
  return [n, r, scale];
}

/** Horner evaluation of c0 + r*(c1 + r*(c2 + ...)). */
function horner(v: Straight, r: Local, coeffs: readonly number[]): Local {
  const b = v.b;
  let acc = b.vconst(coeffs[coeffs.length - 1]);
  for (let i = coeffs.length - 2; i >= 0; i--) acc = b.vadd(b.vmul(acc, v.get(r)), b.vconst(coeffs[i]));
  return v.let(acc);
}

/**
 * exp(r) = 1 + r + c2 r^2 + ... + c6 r^6 on |r| <= ln2/2, near-minimax for relative error: Lawson's
 * iteratively reweighted least squares in float64, rounded to f32 (test/minimax.ts refits them).
 * 3.8e-9, against 5e-9 for the degree-7 Taylor series it replaced, two instructions fewer.
 */
export const EXP_POLY = [1, 1, 0.4999999403953552, 0.1666652113199234, 0.04166838899254799, 0.008368710055947304, 0.001381461275741458];
/**
 * expm1's tail (expm1(r) - r) / r^2 = 1/2 + r/6 + ... on |r| <= ln2/2, degree 4, fitted as above
 * (1.3e-7 relative on the tail, under 3e-8 on expm1(r) = r + r^2 * tail).
 */
export const EXPM1_TAIL = [0.5, 0.16666577756404877, 0.04166685417294502, 0.008363140746951103, 0.001390128512866795];

/** exp(x + lo) for x in [-87.33, 0] (callers clamp) and, when given, a tiny correction lo (|lo| <= ulp(x)). */
function expNeg(v: Straight, x: Local, lo?: Local): Local {
  const [, r0, scale] = reduce(v, x);
  const r = lo ? v.let(v.b.vadd(v.get(r0), v.get(lo))) : r0;
  const p = horner(v, r, EXP_POLY);
  return v.let(v.b.vmul(v.get(p), v.get(scale)));
}

/** expm1(x) for x in [-25, 0] (callers clamp); exact to a few ulp, including tiny |x|. */
function expm1Neg(v: Straight, x: Local): Local {
  const b = v.b;
  const [, r, s] = reduce(v, x);
  // expm1(r) = r + r^2 * (1/2 + r/6 + ...)
  const tail = horner(v, r, EXPM1_TAIL);
  const pm = v.let(b.vadd(v.get(r), b.vmul(b.vmul(v.get(r), v.get(r)), v.get(tail))));
  // expm1(x) = 2^n * expm1(r) + (2^n - 1); for n = 0 this is expm1(r) exactly.
  return v.let(b.vadd(b.vmul(v.get(s), v.get(pm)), b.vsub(v.get(s), b.vconst(1))));
}

/** -|x|: the sign bit set (one OR; V8 builds abs and neg from a mask made in registers, three each). */
function negAbs(v: Straight, x: Local): Local {
  return v.let(v.b.vor(v.get(x), v.b.vconstI(0x80000000 | 0)));
}

/**
 * Sigmoid's clamps. Above 87.33 exp(-x) underflows and 1 / (1 + e) rounds to 1. At -88.7, n = 128:
 * 2^n from the exponent field is +Infinity, and so is e, and the quotient is 0, as it is (within
 * 4.2e-39, under FLT_MIN) wherever n reaches 128, from about -88.38 down; -Infinity included.
 */
const SIGMOID_LO = -88.7, SIGMOID_HI = 87.33;

/**
 * sigmoid(x) = 1 / (1 + exp(-x)). exp(-x) is reduced from x itself, -x = n*ln2 + r with r = -q and
 * q = x + n*ln2, so the polynomial takes q with its odd coefficients negated: no negation, no select.
 * Large negative x give large e and a small quotient with e's relative accuracy.
 */
function sigmoid(v: Straight, x: Local): Local {
  const b = v.b;
  // pmax/pmin return their first operand when it is NaN: NaN stays NaN.
  const xc = v.let(b.vpmin(b.vpmax(v.get(x), b.vconst(SIGMOID_LO)), b.vconst(SIGMOID_HI)));
  const t = v.let(b.vadd(b.vmul(v.get(xc), b.vconst(-LOG2E)), b.vconst(ROUNDER)));
  const n = v.let(b.vsub(v.get(t), b.vconst(ROUNDER)));
  const q1 = v.let(b.vadd(v.get(xc), b.vmul(v.get(n), b.vconst(LN2_HI))));
  const q = v.let(b.vadd(v.get(q1), b.vmul(v.get(n), b.vconst(LN2_LO))));
  const p = horner(v, q, EXP_POLY.map((c, k) => (k % 2 ? -c : c)));
  const e = b.vmul(v.get(p), b.viadd(b.vishl(v.get(t), 23), b.vconstI(0x3f800000)));
  return v.let(b.vdiv(b.vconst(1), b.vadd(e, b.vconst(1))));
}

function tanh(v: Straight, x: Local): Local {
  const b = v.b;
  // u = -2|x|, clamped where tanh rounds to 1 in f32 (|x| > 9.02).
  const z = negAbs(v, x);
  const u = v.let(b.vpmax(b.vadd(v.get(z), v.get(z)), b.vconst(-20)));
  const em1 = expm1Neg(v, u);
  // tanh(|x|); 0 - em1 rather than -em1, so that em1 = +0 gives +0 and tanh(+0) stays +0.
  const t = v.let(b.vdiv(b.vsub(b.vconst(0), v.get(em1)), b.vadd(v.get(em1), b.vconst(2))));
  // copysign(t, x); NaN inputs stay NaN through the arithmetic above.
  const sign = b.vand(v.get(x), b.vconstI(0x80000000 | 0));
  return v.let(b.vor(v.get(t), sign));
}

/** log(u) for u in [1, 2]. */
function logOneTwo(v: Straight, u: Local): Local {
  const b = v.b;
  const big = v.let(b.vgt(v.get(u), b.vconst(Math.SQRT2)));
  const m = v.let(b.vselect(v.get(big), b.vmul(v.get(u), b.vconst(0.5)), v.get(u)));
  const s = v.let(b.vdiv(b.vsub(v.get(m), b.vconst(1)), b.vadd(v.get(m), b.vconst(1))));
  const s2 = v.let(b.vmul(v.get(s), v.get(s)));
  const series = horner(v, s2, [2, 2 / 3, 2 / 5, 2 / 7, 2 / 9]);
  const lm = b.vmul(v.get(s), v.get(series));
  return v.let(b.vadd(lm, b.vand(v.get(big), b.vconst(Math.LN2))));
}

/** softplus(x) = max(x, 0) + log1p(exp(-|x|)), with log1p(y) = log(1+y) * y / ((1+y) - 1). */
function softplus(v: Straight, x: Local): Local {
  const b = v.b;
  const z = v.let(b.vpmax(v.get(negAbs(v, x)), b.vconst(EXP_CUTOFF)));
  const y = expNeg(v, z);
  const u = v.let(b.vadd(v.get(y), b.vconst(1)));
  const lu = logOneTwo(v, u);
  const d = v.let(b.vsub(v.get(u), b.vconst(1)));
  const exact = b.vdiv(b.vmul(v.get(lu), v.get(y)), v.get(d));
  const l1p = b.vselect(b.vne(v.get(d), b.vconst(0)), exact, v.get(y));
  return v.let(b.vadd(b.vpmax(v.get(x), b.vconst(0)), l1p));
}

/**
 * exp(x + lo) for x <= 0, accurate to a few ulp; lo (optional) is the rounding error of x when x is
 * itself a difference (softmax's x - max). Inputs below -87.34 (-Infinity included) give ~1.2e-38
 * rather than 0; NaN stays NaN.
 */
export function emitExpNonPositive(v: Straight, x: Local, lo?: Local): Local {
  return expNeg(v, v.let(v.b.vpmax(v.get(x), v.b.vconst(EXP_CUTOFF))), lo);
}

/** log(x) for normal positive f32 x (softmax's row sums), a few ulp: x = 2^e * m, m in [1, 2). */
export function emitLogPositive(v: Straight, x: Local): Local {
  const b = v.b;
  const e = v.let(b.vconvertI(b.visub(b.vishrU(v.get(x), 23), b.vconstI(127))));
  const m = v.let(b.vor(b.vand(v.get(x), b.vconstI(0x007fffff)), b.vconstI(0x3f800000)));
  const lm = logOneTwo(v, m);
  return v.let(b.vadd(b.vmul(v.get(e), b.vconst(LN2_HI)), b.vadd(v.get(lm), b.vmul(v.get(e), b.vconst(LN2_LO)))));
}

/** Emits `a(x)` for an f32x4 local; returns the local holding the result. */
export function emitActivation(v: Straight, a: Activation, x: Local): Local {
  const b = v.b;
  const X = () => v.get(x);
  switch (a.name) {
    case 'Sigmoid': return sigmoid(v, x);
    case 'Tanh': return tanh(v, x);
    case 'Relu': return v.let(b.vpmax(X(), b.vconst(0)));
    case 'Affine': return v.let(b.vadd(b.vmul(X(), b.vconst(a.alpha)), b.vconst(a.beta)));
    case 'LeakyRelu': return v.let(b.vselect(b.vlt(X(), b.vconst(0)), b.vmul(X(), b.vconst(a.alpha)), X()));
    case 'ThresholdedRelu': return v.let(b.vand(X(), b.vgt(X(), b.vconst(a.alpha))));
    case 'ScaledTanh': {
      const t = tanh(v, v.let(b.vmul(X(), b.vconst(a.beta))));
      return v.let(b.vmul(v.get(t), b.vconst(a.alpha)));
    }
    case 'HardSigmoid':
      return v.let(b.vpmin(b.vpmax(b.vadd(b.vmul(X(), b.vconst(a.alpha)), b.vconst(a.beta)), b.vconst(0)), b.vconst(1)));
    case 'Elu': {
      const em1 = expm1Neg(v, v.let(b.vpmax(b.vpmin(X(), b.vconst(0)), b.vconst(-25))));
      return v.let(b.vselect(b.vlt(X(), b.vconst(0)), b.vmul(v.get(em1), b.vconst(a.alpha)), X()));
    }
    case 'Softsign': return v.let(b.vdiv(X(), b.vadd(b.vabs(X()), b.vconst(1))));
    case 'Softplus': return softplus(v, x);
  }
}
