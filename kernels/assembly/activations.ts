// The ONNX default activations, scalar and accurate (musl-derived Mathf), and the `clip` clamp.

// @ts-ignore: decorator
@inline
export function sigmoid(x: f32): f32 {
  return 1 / (1 + Mathf.exp(-x));
}

// @ts-ignore: decorator
@inline
export function tanh(x: f32): f32 {
  return Mathf.tanh(x);
}

/** Clamps a gate pre-activation to [-clip, clip] when `on`; otherwise returns it unchanged. */
// @ts-ignore: decorator
@inline
export function clamp(x: f32, on: bool, clip: f32): f32 {
  return on ? min(max(x, -clip), clip) : x;
}
