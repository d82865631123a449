// ONNX GRU, one direction, default activations (f = Sigmoid, g = Tanh), gate order z,r,h.
import { FLAG_CLIP, FLAG_LINEAR_BEFORE_RESET, FLAG_REVERSE } from './flags';
import { active, project, zero } from './linalg';
import { clamp, sigmoid, tanh } from './activations';

/**
 * Runs one direction of a GRU over a whole sequence.
 *
 *   for s in 0..T:  t = reverse ? T-1-s : s
 *     gx[b, 0..3H] = Wb + W x[t, b]
 *     gh[b, 0..2H] = Rb + R h[b]  (z, r rows; with linear_before_reset also the h rows)
 *     r = sigmoid(gx_r + gh_r);  lbr = 0: rh[b] = r * h[b], gh[b, 2H..3H] = Rbh + Rh rh[b]
 *     h~ = tanh(gx_h + gh_h)  or, lbr = 1, tanh(gx_h + r * gh_h);  h = (1 - z) h~ + z h
 *
 * x: [T, B, I]; w: [3H, I]; r: [3H, H]; bias: [6H] (Wb then Rb); lens: [B] i32 or 0;
 * h: [B, H] initial state in, final state out; y: this direction's Y[t = 0], steps `yStride`
 * floats apart; scratch: [B, 7H] (gx, gh, rh).
 */
export function gru(
  T: i32, B: i32, I: i32, H: i32,
  x: usize, w: usize, r: usize, bias: usize, lens: usize,
  h: usize, y: usize, yStride: i32, scratch: usize,
  flags: i32, clip: f32,
): void {
  const G = 3 * H;
  const reverse = (flags & FLAG_REVERSE) != 0;
  const useClip = (flags & FLAG_CLIP) != 0;
  const lbr = (flags & FLAG_LINEAR_BEFORE_RESET) != 0;
  const hBytes = (<usize>H) << 2;
  const rb = bias + ((<usize>G) << 2);
  const gx = scratch;
  const gh = gx + ((<usize>(B * G)) << 2);
  const rh = gh + ((<usize>(B * G)) << 2);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    project(gx, G, G, bias, w, I, x + ((<usize>(t * B * I)) << 2), I, B, lens, t, false);
    project(gh, G, lbr ? G : 2 * H, rb, r, H, h, H, B, lens, t, false);
    // Reset gate, kept in place of its pre-activation in gx.
    for (let b = 0; b < B; b++) {
      if (!active(lens, b, t)) continue;
      const xr = gx + ((<usize>(b * G)) << 2) + hBytes;
      const hr = gh + ((<usize>(b * G)) << 2) + hBytes;
      const hb = h + ((<usize>(b * H)) << 2);
      const rhb = rh + ((<usize>(b * H)) << 2);
      for (let k = 0; k < H; k++) {
        const o4 = (<usize>k) << 2;
        const rk = sigmoid(clamp(load<f32>(xr + o4) + load<f32>(hr + o4), useClip, clip));
        store<f32>(xr + o4, rk);
        if (!lbr) store<f32>(rhb + o4, rk * load<f32>(hb + o4));
      }
    }
    if (!lbr) project(gh + 2 * hBytes, G, H, rb + 2 * hBytes, r + 2 * hBytes * H, H, rh, H, B, lens, t, false);
    for (let b = 0; b < B; b++) {
      const yb = y + ((<usize>(t * yStride + b * H)) << 2);
      if (!active(lens, b, t)) {
        zero(yb, H);
        continue;
      }
      const xb = gx + ((<usize>(b * G)) << 2);
      const hgb = gh + ((<usize>(b * G)) << 2);
      const hb = h + ((<usize>(b * H)) << 2);
      for (let k = 0; k < H; k++) {
        const o4 = (<usize>k) << 2;
        const z = sigmoid(clamp(load<f32>(xb + o4) + load<f32>(hgb + o4), useClip, clip));
        const rk = load<f32>(xb + o4 + hBytes);
        const xh = load<f32>(xb + o4 + 2 * hBytes);
        const hh = load<f32>(hgb + o4 + 2 * hBytes);
        const n = tanh(clamp(lbr ? xh + rk * hh : xh + hh, useClip, clip));
        const hNew = (<f32>1 - z) * n + z * load<f32>(hb + o4);
        store<f32>(hb + o4, hNew);
        store<f32>(yb + o4, hNew);
      }
    }
  }
}
