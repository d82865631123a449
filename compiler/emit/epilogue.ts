/**
 * The elementwise function a kernel applies to its results in registers before storing them (the
 * ONNX node that followed fused away): an activation with its parameters, or a clip.
 */
import { type Activation, emitActivation } from './activations.js';
import type { Local } from './ir.js';
import type { Straight } from './vec.js';

/** What the kernel applies to each result (bias included) before storing it. */
export type Epilogue =
  | { readonly kind: 'activation'; readonly activation: Activation }
  | { readonly kind: 'clip'; readonly min: number; readonly max: number };

/** Applies the epilogue to four lanes; NaN stays NaN through a clip (pmax/pmin return their first operand then). */
export function emitEpilogue(v: Straight, e: Epilogue | null, x: Local): Local {
  if (!e) return x;
  if (e.kind === 'activation') return emitActivation(v, e.activation, x);
  const b = v.b;
  let y = v.get(x);
  if (e.min > -Infinity) y = b.vpmax(y, b.vconst(e.min));
  if (e.max < Infinity) y = b.vpmin(y, b.vconst(e.max));
  return v.let(y);
}
