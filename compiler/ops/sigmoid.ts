/** Sigmoid, with the few-ulp SIMD sigmoid the RNN cells use. */
import { activation } from '../cells/activations.js';
import { emitActivation } from '../emit/activations.js';
import { unaryOp } from './unary.js';

const SIGMOID = activation('Sigmoid');

export const sigmoid = unaryOp({
  onnx: 'Sigmoid', kind: 'sigmoid', unroll: 2, tolerance: 1e-6,
  f64: (x) => 1 / (1 + Math.exp(-x)),
  simd: (v, x) => emitActivation(v, SIGMOID, x),
});
