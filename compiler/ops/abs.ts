/** Abs: |x|, elementwise (one instruction: the sign bit cleared). */
import { unaryOp } from './unary.js';

export const abs = unaryOp({
  onnx: 'Abs', kind: 'abs', unroll: 4, tolerance: 0,
  f64: Math.abs,
  simd: (v, x) => v.let(v.b.vabs(v.get(x))),
});
