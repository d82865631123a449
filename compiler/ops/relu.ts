/** Relu: max(x, 0). */
import { unaryOp } from './unary.js';

export const relu = unaryOp({
  onnx: 'Relu', kind: 'relu', unroll: 4, tolerance: 0,
  f64: (x) => (x > 0 ? x : 0),
  simd: (v, x) => v.let(v.b.vpmax(v.get(x), v.b.vconst(0))),
});
