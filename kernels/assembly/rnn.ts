// ONNX RNN, one direction, default activation (f = Tanh).
import { FLAG_CLIP, FLAG_REVERSE } from './flags';
import { active, project, zero } from './linalg';
import { clamp, tanh } from './activations';

/**
 * Runs one direction of a simple RNN over a whole sequence.
 *
 *   for s in 0..T:  t = reverse ? T-1-s : s
 *     gates[b] = Wb + W x[t, b];  gates[b] += Rb + R h[b];  h[b] = tanh(gates[b])
 *
 * x: [T, B, I]; w: [H, I]; r: [H, H]; bias: [2H] (Wb then Rb); lens: [B] i32 or 0;
 * h: [B, H] initial state in, final state out; y: this direction's Y[t = 0], steps `yStride`
 * floats apart; gates: scratch [B, H].
 */
export function rnn(
  T: i32, B: i32, I: i32, H: i32,
  x: usize, w: usize, r: usize, bias: usize, lens: usize,
  h: usize, y: usize, yStride: i32, gates: usize,
  flags: i32, clip: f32,
): void {
  const reverse = (flags & FLAG_REVERSE) != 0;
  const useClip = (flags & FLAG_CLIP) != 0;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    project(gates, H, H, bias, w, I, x + ((<usize>(t * B * I)) << 2), I, B, lens, t, false);
    project(gates, H, H, bias + ((<usize>H) << 2), r, H, h, H, B, lens, t, true);
    for (let b = 0; b < B; b++) {
      const yb = y + ((<usize>(t * yStride + b * H)) << 2);
      if (!active(lens, b, t)) {
        zero(yb, H);
        continue;
      }
      const gb = gates + ((<usize>(b * H)) << 2);
      const hb = h + ((<usize>(b * H)) << 2);
      for (let k = 0; k < H; k++) {
        const o4 = (<usize>k) << 2;
        const hNew = tanh(clamp(load<f32>(gb + o4), useClip, clip));
        store<f32>(hb + o4, hNew);
        store<f32>(yb + o4, hNew);
      }
    }
  }
}
