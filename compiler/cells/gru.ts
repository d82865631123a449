/**
 * GRU: gates z, r, h in ONNX weight order; activations f (z, r) and g (candidate).
 *   z = f(..z), r = f(..r);  H = (1-z)*h~ + z*H'
 *   h~ = g(X·Wh + Wbh + (r*H')·Rh + Rbh)            two passes over R a timestep: z and r first,
 *                                                    then r*H' times Rh
 *   h~ = g(X·Wh + Wbh + r*(H'·Rh + Rbh))             linear_before_reset: one pass, Rbh kept apart
 */
import type { Local } from '../emit/ir.js';
import type { Straight } from '../emit/vec.js';
import type { Activation } from './activations.js';
import { act, gatePre, hr, rb, wb, xw } from './reference.js';
import type { CellDescriptor, CellSpec } from './types.js';
import { gate, noFence } from './update.js';

/** z and r from their pre-activations. */
function updateReset(v: Straight, d: CellDescriptor, acts: readonly Activation[], zPre: Local, rPre: Local, fence: (value: Local) => void): [Local, Local] {
  return [gate(v, d, acts[0], zPre, fence), gate(v, d, acts[0], rPre, fence)];
}

/**
 * The candidate and the output. With linear_before_reset the candidate is g(xh + r*(hR + Rbh)), the
 * recurrent part given as `recurrent` and the input part as `input`; otherwise `input` already holds
 * the whole pre-activation and `r`/`recurrent` are null. Returns H = (1-z)*h~ + z*H'.
 */
function output(v: Straight, d: CellDescriptor, acts: readonly Activation[], z: Local, hPrev: Local,
  input: Local, r: Local | null, recurrent: Local | null): Local {
  const b = v.b;
  const pre = r && recurrent ? v.let(b.vadd(v.get(input), b.vmul(v.get(r), v.get(recurrent)))) : input;
  const hh = gate(v, d, acts[1], pre, noFence); // the last activation: nothing after it to keep apart
  // (1-z)*hh + z*hPrev = hh + z*(hPrev - hh)
  return v.let(b.vadd(v.get(hh), b.vmul(v.get(z), b.vsub(v.get(hPrev), v.get(hh)))));
}

const twoPhases = (d: CellDescriptor) => !d.linearBeforeReset;

export const GRU: CellSpec = {
  kind: 'gru',
  onnxOp: 'GRU',
  gates: ['z', 'r', 'h'],
  activationSlots: ['f', 'g'],
  defaultActivations: ['Sigmoid', 'Tanh'],
  maxInputs: 6,
  maxOutputs: 2,
  attributes: { linear_before_reset: 'int' },
  takes: { linearBeforeReset: true, inputForget: false, peepholes: false },
  phases: (d) => (twoPhases(d) ? [{ gates: [0, 1], source: 'h' }, { gates: [2], source: 'rh' }] : [{ gates: [0, 1, 2], source: 'h' }]),
  separateRecurrentBias: (d) => (d.linearBeforeReset ? 2 : null),
  carriedState: null,
  scratch: (d) => (twoPhases(d) ? ['z', 'rh'] : []),
  emitUpdate(u, phase) {
    const { v, d, acts } = u;
    const b = v.b;
    if (!twoPhases(d)) {
      const [z, r] = updateReset(v, d, acts, u.pre(0), u.pre(1), u.fence);
      const xh = u.input(2);
      return output(v, d, acts, z, u.hPrev, xh, r, u.pre(2));
    }
    if (phase === 0) {
      const [z, r] = updateReset(v, d, acts, u.pre(0), u.pre(1), u.fence);
      u.store('z', v.get(z));
      u.store('rh', b.vmul(v.get(r), v.get(u.hPrev)));
      return null;
    }
    return output(v, d, acts, u.load('z'), u.hPrev, u.pre(2), null, null);
  },
  describeUpdate: (d, phase) => (twoPhases(d) && phase === 0 ? 'z, r*h from pre[b, j] -> scratch' : "GRU cell update on pre[b, j] -> h', Y[t, d, b, j]"),
  referenceStep(r, x, h, c) {
    const H = r.H;
    const z = new Float64Array(H);
    const rh = new Float64Array(H); // r ⊙ H(t-1), needed whole before any h~ when linear_before_reset = 0
    const rg = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      z[j] = act(r, 0, gatePre(r, 0, j, x, h));
      rg[j] = act(r, 0, gatePre(r, 1, j, x, h));
      rh[j] = rg[j] * h[j];
    }
    const hNew = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const pre = r.d.linearBeforeReset
        ? xw(r, 2, j, x) + wb(r, 2, j) + rg[j] * (hr(r, 2, j, h) + rb(r, 2, j))
        : xw(r, 2, j, x) + wb(r, 2, j) + hr(r, 2, j, rh) + rb(r, 2, j);
      const hTilde = act(r, 1, pre);
      hNew[j] = (1 - z[j]) * hTilde + z[j] * h[j];
    }
    return [hNew, c];
  },
};
