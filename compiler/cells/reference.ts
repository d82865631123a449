/**
 * The scalar float64 pieces every cell's reference step is written with (`referenceStep` in lstm.ts,
 * gru.ts, rnn.ts): one unit of one batch row at a time, straight from the ONNX operator equations.
 * reference_rnn.ts runs them over directions, batch rows and sequence lengths.
 */
import { applyActivation } from './activations.js';
import type { ReferenceStep } from './types.js';

export type { DirectionWeights, ReferenceStep } from './types.js';

function dot(M: ArrayLike<number>, off: number, v: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += M[off + k] * v[k];
  return s;
}

/** Xt·W[g]ᵀ for unit j. */
export function xw(r: ReferenceStep, g: number, j: number, x: Float64Array): number {
  return dot(r.w.W, r.w.wOff + (g * r.H + j) * r.I, x, r.I);
}

/** v·R[g]ᵀ for unit j. */
export function hr(r: ReferenceStep, g: number, j: number, v: Float64Array): number {
  return dot(r.w.R, r.w.rOff + (g * r.H + j) * r.H, v, r.H);
}

/** The input bias Wb of gate g, unit j. */
export function wb(r: ReferenceStep, g: number, j: number): number {
  return r.w.bias ? r.w.bias[r.w.bOff + g * r.H + j] : 0;
}

/** The recurrent bias Rb of gate g, unit j. */
export function rb(r: ReferenceStep, g: number, j: number): number {
  return r.w.bias ? r.w.bias[r.w.bOff + (r.G + g) * r.H + j] : 0;
}

/** Peephole weight for P order i = 0, o = 1, f = 2. */
export function peep(r: ReferenceStep, p: number, j: number): number {
  return r.w.P ? r.w.P[r.w.pOff + p * r.H + j] : 0;
}

function clip(r: ReferenceStep, v: number): number {
  const t = r.d.clip;
  return t === null ? v : Math.min(t, Math.max(-t, v));
}

/** Activation slot `k` of this direction applied to the clipped pre-activation. */
export function act(r: ReferenceStep, k: number, pre: number): number {
  return applyActivation(r.w.acts[k], clip(r, pre));
}

/** Full pre-activation of gate g (weights + both biases) for unit j. */
export function gatePre(r: ReferenceStep, g: number, j: number, x: Float64Array, h: Float64Array): number {
  return xw(r, g, j, x) + hr(r, g, j, h) + wb(r, g, j) + rb(r, g, j);
}
