/**
 * The eleven activation functions of the ONNX LSTM, GRU and RNN operators: their names, their ONNX
 * default parameters, and their float64 values (the reference every SIMD activation is held to;
 * emit/activations.ts emits them). Written from the operator spec; where the spec's one-line formula
 * and the standalone ONNX operator differ (ThresholdedRelu at x == alpha), the standalone operator
 * and onnxruntime win: `x > alpha ? x : 0`.
 */

import type { Activation, ActivationName } from '../emit/activations.js';

export { ACTIVATION_NAMES, type Activation, type ActivationName } from '../emit/activations.js';

/** ONNX default alpha/beta of each activation (the values of the corresponding ONNX operators). */
export const ACTIVATION_DEFAULTS: Record<ActivationName, { alpha: number; beta: number }> = {
  Relu: { alpha: 0, beta: 0 },
  Tanh: { alpha: 0, beta: 0 },
  Sigmoid: { alpha: 0, beta: 0 },
  Affine: { alpha: 1, beta: 0 },
  LeakyRelu: { alpha: 0.01, beta: 0 },
  ThresholdedRelu: { alpha: 1, beta: 0 },
  ScaledTanh: { alpha: 1, beta: 1 },
  HardSigmoid: { alpha: 0.2, beta: 0.5 },
  Elu: { alpha: 1, beta: 0 },
  Softsign: { alpha: 0, beta: 0 },
  Softplus: { alpha: 0, beta: 0 },
};

/** The activation `name` with the given parameters, ONNX defaults for the ones left out; frozen. */
export function activation(name: ActivationName, alpha?: number, beta?: number): Activation {
  const d = ACTIVATION_DEFAULTS[name];
  return Object.freeze({ name, alpha: alpha ?? d.alpha, beta: beta ?? d.beta });
}

/** Logistic sigmoid without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x) without overflow for large x and without losing precision for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Applies one activation (with its resolved alpha/beta) to one float64 value. */
export function applyActivation(a: Activation, x: number): number {
  const { alpha, beta } = a;
  switch (a.name) {
    case 'Relu':
      return x > 0 ? x : 0;
    case 'Tanh':
      return Math.tanh(x);
    case 'Sigmoid':
      return sigmoid(x);
    case 'Affine':
      return alpha * x + beta;
    case 'LeakyRelu':
      return x >= 0 ? x : alpha * x;
    case 'ThresholdedRelu':
      return x > alpha ? x : 0;
    case 'ScaledTanh':
      return alpha * Math.tanh(beta * x);
    case 'HardSigmoid':
      return Math.max(0, Math.min(1, alpha * x + beta));
    case 'Elu':
      return x >= 0 ? x : alpha * Math.expm1(x);
    case 'Softsign':
      return x / (1 + Math.abs(x));
    case 'Softplus':
      return softplus(x);
  }
}
