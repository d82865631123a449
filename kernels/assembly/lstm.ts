// ONNX LSTM, one direction, default activations (f = Sigmoid, g = Tanh, h = Tanh), gate order i,o,f,c.
import { FLAG_CLIP, FLAG_INPUT_FORGET, FLAG_REVERSE } from './flags';
import { active, project, zero } from './linalg';
import { clamp, sigmoid, tanh } from './activations';

/**
 * Runs one direction of an LSTM over a whole sequence.
 *
 *   for s in 0..T:  t = reverse ? T-1-s : s
 *     gates[b, 0..4H] = Wb + W x[t, b]          (project)
 *     gates[b, 0..4H] += Rb + R h[b]            (project, accumulate)
 *     for b in 0..B:  past its length -> y[t, b] = 0, state kept
 *       for k in 0..H: i, f, c~ from C_{t-1} (peepholes), C_t, o from C_t, h = o * tanh(C_t)
 *
 * x: [T, B, I]; w: [4H, I]; r: [4H, H]; bias: [8H] (Wb then Rb); peep: [3H] (i, o, f) or 0;
 * lens: [B] i32 or 0; h, c: [B, H], in: initial state, out: final state; y: this direction's
 * Y[t = 0] with [B, H] per step, steps `yStride` floats apart; gates: scratch [B, 4H].
 */
export function lstm(
  T: i32, B: i32, I: i32, H: i32,
  x: usize, w: usize, r: usize, bias: usize, peep: usize, lens: usize,
  h: usize, c: usize, y: usize, yStride: i32, gates: usize,
  flags: i32, clip: f32,
): void {
  const G = 4 * H;
  const reverse = (flags & FLAG_REVERSE) != 0;
  const useClip = (flags & FLAG_CLIP) != 0;
  const inputForget = (flags & FLAG_INPUT_FORGET) != 0;
  const hasPeep = peep != 0;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    project(gates, G, G, bias, w, I, x + ((<usize>(t * B * I)) << 2), I, B, lens, t, false);
    project(gates, G, G, bias + ((<usize>G) << 2), r, H, h, H, B, lens, t, true);
    for (let b = 0; b < B; b++) {
      const yb = y + ((<usize>(t * yStride + b * H)) << 2);
      if (!active(lens, b, t)) {
        zero(yb, H);
        continue;
      }
      const gb = gates + ((<usize>(b * G)) << 2);
      const hb = h + ((<usize>(b * H)) << 2);
      const cb = c + ((<usize>(b * H)) << 2);
      for (let k = 0; k < H; k++) {
        const o4 = (<usize>k) << 2;
        const cPrev = load<f32>(cb + o4);
        let gi = load<f32>(gb + o4);
        let go = load<f32>(gb + o4 + ((<usize>H) << 2));
        let gf = load<f32>(gb + o4 + ((<usize>(2 * H)) << 2));
        let gc = load<f32>(gb + o4 + ((<usize>(3 * H)) << 2));
        if (hasPeep) {
          gi += load<f32>(peep + o4) * cPrev;
          gf += load<f32>(peep + o4 + ((<usize>(2 * H)) << 2)) * cPrev;
        }
        const i = sigmoid(clamp(gi, useClip, clip));
        const f = inputForget ? <f32>1 - i : sigmoid(clamp(gf, useClip, clip));
        const g = tanh(clamp(gc, useClip, clip));
        const cNew = f * cPrev + i * g;
        if (hasPeep) go += load<f32>(peep + o4 + ((<usize>H) << 2)) * cNew;
        const o = sigmoid(clamp(go, useClip, clip));
        const hNew = o * tanh(cNew);
        store<f32>(cb + o4, cNew);
        store<f32>(hb + o4, hNew);
        store<f32>(yb + o4, hNew);
      }
    }
  }
}
