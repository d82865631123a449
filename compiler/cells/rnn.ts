/** The simple RNN: one gate, one activation f.  H = f(X·W + H'·R + Wb + Rb). */
import { act, gatePre } from './reference.js';
import type { CellSpec } from './types.js';
import { gate, noFence } from './update.js';

export const RNN: CellSpec = {
  kind: 'rnn',
  onnxOp: 'RNN',
  gates: ['i'],
  activationSlots: ['f'],
  defaultActivations: ['Tanh'],
  schemaActivations: 2,
  maxInputs: 6,
  maxOutputs: 2,
  attributes: {},
  takes: { linearBeforeReset: false, inputForget: false, peepholes: false },
  phases: () => [{ gates: [0], source: 'h' }],
  separateRecurrentBias: () => null,
  carriedState: null,
  scratch: () => [],
  emitUpdate: (u) => gate(u.v, u.d, u.acts[0], u.pre(0), noFence),
  describeUpdate: () => "RNN cell update on pre[b, j] -> h', Y[t, d, b, j]",
  referenceStep(r, x, h, c) {
    const hNew = new Float64Array(r.H);
    for (let j = 0; j < r.H; j++) hNew[j] = act(r, 0, gatePre(r, 0, j, x, h));
    return [hNew, c];
  },
};
