/**
 * LSTM: gates i, o, f, c in ONNX weight order; activations f (gates), g (candidate), h (output).
 *   C = f*C' + i*g(c);  H = o*h(C);  peepholes P add P_i*C' to i, P_f*C' to f, P_o*C to o;
 *   input_forget couples f = 1 - i. The cell state C is a second state carried over timesteps.
 */
import { emitActivation } from '../emit/activations.js';
import type { Local } from '../emit/ir.js';
import type { Straight } from '../emit/vec.js';
import { applyActivation, type Activation } from './activations.js';
import { act, gatePre, peep } from './reference.js';
import type { CellDescriptor, CellSpec } from './types.js';
import { gate } from './update.js';

/** LSTM gate pre-activations (ONNX order i, o, f, c) and the state they update. */
interface LstmIn {
  readonly i: Local; readonly o: Local; readonly f: Local; readonly c: Local;
  readonly cPrev: Local;
  /** Peephole weights for i, o, f, when the node has them. */
  readonly peep: readonly [Local, Local, Local] | null;
}

/** C = f*C' + i*g(c); H = o*h(C), with peepholes and input_forget. Returns [H, C]. */
function lstmCell(v: Straight, d: CellDescriptor, acts: readonly Activation[], x: LstmIn, fence: (value: Local) => void): [Local, Local] {
  const b = v.b;
  const [fa, ga, ha] = acts;
  const withPeep = (pre: Local, p: Local | undefined, c: Local) =>
    p ? v.let(b.vadd(v.get(pre), b.vmul(v.get(p), v.get(c)))) : pre;
  const it = gate(v, d, fa, withPeep(x.i, x.peep?.[0], x.cPrev), fence);
  const ft = d.inputForget
    ? v.let(b.vsub(b.vconst(1), v.get(it)))
    : gate(v, d, fa, withPeep(x.f, x.peep?.[2], x.cPrev), fence);
  const ct = gate(v, d, ga, x.c, fence);
  const C = v.let(b.vadd(b.vmul(v.get(ft), v.get(x.cPrev)), b.vmul(v.get(it), v.get(ct))));
  const ot = gate(v, d, fa, withPeep(x.o, x.peep?.[1], C), fence);
  const hC = emitActivation(v, ha, C); // not clipped: clip bounds gate pre-activations only
  return [v.let(b.vmul(v.get(ot), v.get(hC))), C];
}

export const LSTM: CellSpec = {
  kind: 'lstm',
  onnxOp: 'LSTM',
  gates: ['i', 'o', 'f', 'c'],
  activationSlots: ['f', 'g', 'h'],
  defaultActivations: ['Sigmoid', 'Tanh', 'Tanh'],
  maxInputs: 8,
  maxOutputs: 3,
  attributes: { input_forget: 'int' },
  takes: { linearBeforeReset: false, inputForget: true, peepholes: true },
  phases: () => [{ gates: [0, 1, 2, 3], source: 'h' }],
  separateRecurrentBias: () => null,
  carriedState: 'c',
  scratch: () => ['c'],
  emitUpdate(u) {
    const cPrev = u.load('c');
    const peepholes = u.peepholes();
    const [h, c] = lstmCell(u.v, u.d, u.acts, { i: u.pre(0), o: u.pre(1), f: u.pre(2), c: u.pre(3), cPrev, peep: peepholes }, u.fence);
    u.store('c', u.keep(c, cPrev));
    return h;
  },
  describeUpdate: () => "LSTM cell update on pre[b, j] -> h', c', Y[t, d, b, j]",
  referenceStep(r, x, h, c) {
    const H = r.H;
    const hNew = new Float64Array(H);
    const cNew = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      const cPrev = c[j];
      const i = act(r, 0, gatePre(r, 0, j, x, h) + peep(r, 0, j) * cPrev);
      const f = r.d.inputForget ? 1 - i : act(r, 0, gatePre(r, 2, j, x, h) + peep(r, 2, j) * cPrev);
      const g = act(r, 1, gatePre(r, 3, j, x, h));
      const C = f * cPrev + i * g;
      const o = act(r, 0, gatePre(r, 1, j, x, h) + peep(r, 1, j) * C);
      cNew[j] = C;
      hNew[j] = o * applyActivation(r.w.acts[2], C);
    }
    return [hNew, cNew];
  },
};
