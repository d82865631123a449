/** The activations' polynomials are the fits test/minimax.ts produces, within their stated error. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXP_POLY, EXPM1_TAIL } from '../compiler/emit/activations.js';
import { chebyshevGrid, EXP_PROBLEM, EXPM1_TAIL_PROBLEM, lawsonFit, relError, type FitProblem } from './minimax.js';

const cases: [string, FitProblem, readonly number[], number][] = [
  // exp: far under f32's half ulp (3e-8), so the f32 evaluation's rounding dominates.
  ['exp', EXP_PROBLEM, EXP_POLY.slice(2), 4e-9],
  // expm1's tail enters expm1(r) = r + r^2 * tail scaled by |r| / 2 <= 0.18: under 3e-8 there.
  ['expm1 tail', EXPM1_TAIL_PROBLEM, EXPM1_TAIL, 1.4e-7],
];

for (const [name, problem, shipped, bound] of cases) {
  test(`${name}: the shipped coefficients are the Lawson fit, relative error <= ${bound}`, () => {
    const fit = lawsonFit(problem);
    assert.equal(fit.coeffs, [...shipped], `${name}: refit gives ${fit.coeffs.join(', ')}`);
    const worst = Math.max(...chebyshevGrid(problem.lo, problem.hi, 20001).map((x) => relError(problem, shipped, x)));
    assert.ok(worst <= bound, `${name}: ${worst.toExponential(2)} > ${bound}`);
    // One coefficient fewer cannot reach the bound: the degree is the least that does.
    const lower = lawsonFit({ ...problem, powers: problem.powers.slice(0, -1) });
    assert.ok(lower.maxRelError > bound, `${name}: a degree lower reaches ${lower.maxRelError.toExponential(2)}`);
  });
}

test('EXP_POLY starts 1 + r (fixed, not fitted)', () => {
  assert.equal(EXP_POLY.slice(0, 2), [1, 1]);
});

test.run();
