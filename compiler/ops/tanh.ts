/** Tanh, with the few-ulp SIMD tanh the RNN cells use. */
import { activation } from '../cells/activations.js';
import { emitActivation } from '../emit/activations.js';
import { unaryOp } from './unary.js';

const TANH = activation('Tanh');

export const tanh = unaryOp({
  onnx: 'Tanh', kind: 'tanh', unroll: 2, tolerance: 1e-6,
  f64: Math.tanh,
  simd: (v, x) => emitActivation(v, TANH, x),
});
