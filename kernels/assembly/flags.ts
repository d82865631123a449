// Bits of the `flags` argument of every cell kernel (mirrored in kernels/baseline.ts).

/** Run t = T-1 .. 0 (ONNX `reverse`, or the second half of `bidirectional`). */
export const FLAG_REVERSE: i32 = 1;
/** Clamp every gate pre-activation to [-clip, clip]. */
export const FLAG_CLIP: i32 = 2;
/** LSTM `input_forget`: f = 1 - i. */
export const FLAG_INPUT_FORGET: i32 = 4;
/** GRU `linear_before_reset`. */
export const FLAG_LINEAR_BEFORE_RESET: i32 = 8;
