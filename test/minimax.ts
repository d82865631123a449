/**
 * Where the activations' polynomial coefficients come from (compiler/emit/activations.ts): a
 * near-minimax fit of the relative error by Lawson's algorithm (iteratively reweighted least squares
 * on a Chebyshev-spaced grid, in float64), then rounded to f32. The test beside it refits and checks
 * the shipped coefficients against the fit and against their stated error bounds.
 *
 *   node dist/test/minimax.js      prints the fits
 */
import { pathToFileURL } from 'node:url';

export interface Fit {
  /** Coefficients of the fitted powers, in the order given, rounded to f32. */
  readonly coeffs: number[];
  /** Max relative error of the f32-rounded polynomial, evaluated in float64 on the grid. */
  readonly maxRelError: number;
}

export interface FitProblem {
  /** The function to approximate (float64). */
  readonly f: (x: number) => number;
  /** Powers of x whose coefficients are fitted. */
  readonly powers: readonly number[];
  /** A fixed part of the approximation, not fitted (e.g. 1 + x for exp). */
  readonly fixed?: (x: number) => number;
  readonly lo: number;
  readonly hi: number;
}

/** Least squares min |A c - y| by Householder QR (A: m x n, m >> n). */
function leastSquares(A: number[][], y: number[]): number[] {
  const m = A.length, n = A[0].length;
  const a = A.map((r) => r.slice());
  const b = y.slice();
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i][k] * a[i][k];
    norm = Math.sqrt(norm);
    const alpha = a[k][k] > 0 ? -norm : norm;
    const v = new Float64Array(m);
    for (let i = k; i < m; i++) v[i] = a[i][k];
    v[k] -= alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * a[i][j];
      const s = (2 * dot) / vv;
      for (let i = k; i < m; i++) a[i][j] -= s * v[i];
    }
    let dot = 0;
    for (let i = k; i < m; i++) dot += v[i] * b[i];
    const s = (2 * dot) / vv;
    for (let i = k; i < m; i++) b[i] -= s * v[i];
  }
  const c = new Array<number>(n).fill(0);
  for (let k = n - 1; k >= 0; k--) {
    let sum = b[k];
    for (let j = k + 1; j < n; j++) sum -= a[k][j] * c[j];
    c[k] = sum / a[k][k];
  }
  return c;
}

/** Relative error of fixed + sum(c_k x^p_k) against f at x. */
export function relError(p: FitProblem, coeffs: readonly number[], x: number): number {
  let s = p.fixed?.(x) ?? 0;
  p.powers.forEach((k, i) => { s += coeffs[i] * x ** k; });
  const fx = p.f(x);
  return Math.abs((s - fx) / fx);
}

/** Grid of n Chebyshev-spaced points on [lo, hi] (dense near the ends, where minimax errors peak). */
export function chebyshevGrid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (Math.cos((Math.PI * i) / (n - 1)) * (hi - lo)) / 2 + (hi + lo) / 2);
}

/** Lawson's algorithm: weights grow where the error is largest until the fit equioscillates. */
export function lawsonFit(p: FitProblem, n = 4000, iterations = 200): Fit {
  const xs = chebyshevGrid(p.lo, p.hi, n);
  const rows = xs.map((x) => p.powers.map((k) => x ** k / p.f(x)));
  const rhs = xs.map((x) => (p.f(x) - (p.fixed?.(x) ?? 0)) / p.f(x));
  let w = new Array<number>(n).fill(1 / n);
  let c: number[] = [];
  for (let it = 0; it < iterations; it++) {
    const sw = w.map(Math.sqrt);
    c = leastSquares(rows.map((r, i) => r.map((v) => v * sw[i])), rhs.map((v, i) => v * sw[i]));
    const err = rows.map((r, i) => Math.abs(r.reduce((s, v, j) => s + v * c[j], 0) - rhs[i]));
    w = w.map((wi, i) => wi * err[i]);
    const total = w.reduce((s, v) => s + v, 0);
    w = w.map((v) => v / total);
  }
  const coeffs = c.map(Math.fround);
  return { coeffs, maxRelError: Math.max(...xs.map((x) => relError(p, coeffs, x))) };
}

const HALF_LN2 = Math.LN2 / 2;

/** exp(r) = 1 + r + c2 r^2 + ... + c6 r^6 on |r| <= ln2/2 (activations.ts EXP_POLY[2..]). */
export const EXP_PROBLEM: FitProblem = { f: Math.exp, powers: [2, 3, 4, 5, 6], fixed: (x) => 1 + x, lo: -HALF_LN2, hi: HALF_LN2 };

/** (expm1(r) - r) / r^2 = c0 + c1 r + ... + c4 r^4 on |r| <= ln2/2 (activations.ts EXPM1_TAIL). */
export const EXPM1_TAIL_PROBLEM: FitProblem = {
  f: (x) => (Math.abs(x) < 1e-4 ? 0.5 + x / 6 + (x * x) / 24 : (Math.expm1(x) - x) / (x * x)),
  powers: [0, 1, 2, 3, 4], lo: -HALF_LN2, hi: HALF_LN2,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [name, p] of [['exp', EXP_PROBLEM], ['expm1 tail', EXPM1_TAIL_PROBLEM]] as const) {
    const fit = lawsonFit(p);
    console.log(`${name}: powers ${p.powers.join(', ')}: [${fit.coeffs.join(', ')}], max relative error ${fit.maxRelError.toExponential(2)}`);
  }
}
