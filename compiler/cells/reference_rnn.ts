/**
 * An independent float64 scalar reference of the ONNX LSTM, GRU and RNN operators: the oracle every
 * rnnc kernel is tested against. It is written for clarity, not speed: one unit of one batch row at a
 * time, straight from the operator equations.
 *
 * Semantics (ONNX spec, checked against onnxruntime's CPU kernels):
 * - `clip` bounds every gate pre-activation, after all its terms (weights, biases and, for LSTM, the
 *   peephole term) are summed and before the activation function. The cell state itself is not clipped.
 * - LSTM peepholes: i and f see C(t-1), o sees the new C(t).
 * - LSTM `input_forget`: f = 1 - i (the forget gate's weights, bias and peephole are ignored).
 * - GRU `linear_before_reset` = 1: h~ = g(Xt·Whᵀ + Wbh + r ⊙ (H(t-1)·Rhᵀ + Rbh)).
 * - `sequence_lens`: batch row b with length L runs the forward direction over t = 0..L-1 and the
 *   reverse direction over t = L-1 down to 0; Y is zero at t >= L for both directions; Y_h (Y_c) is
 *   the state after the last step run. A row with L = 0 runs no step, so its Y_h (Y_c) is the initial
 *   state (onnxruntime's LSTM and GRU give zeros instead; `zeroLengthState: 'zero'` reproduces that).
 *
 * This is the driver (directions, batch rows, sequence lengths); each cell kind's timestep is its
 * spec's `referenceStep`, written with the scalar pieces of reference.ts.
 */
import { activationsPerDirection, gateCount, numDirections } from './descriptor.js';
import { cellSpec } from './index.js';
import type { ReferenceStep } from './reference.js';
import type { CellDescriptor } from './types.js';

/** Operator inputs, in ONNX shapes. Optional inputs may be absent (null/undefined). */
export interface ReferenceInputs {
  /** layout 0: [T, B, I]; layout 1: [B, T, I]. */
  X: Float64Array | Float32Array;
  /** [D, G*H, I], gates in ONNX order (LSTM i, o, f, c; GRU z, r, h). */
  W: ArrayLike<number>;
  /** [D, G*H, H], same gate order. */
  R: ArrayLike<number>;
  /** [D, 2*G*H]: Wb then Rb per direction; absent = zeros. */
  B?: ArrayLike<number> | null;
  /** [B]; absent = every row has length T. */
  sequenceLens?: ArrayLike<number> | null;
  /** layout 0: [D, B, H]; layout 1: [B, D, H]; absent = zeros. */
  initialH?: ArrayLike<number> | null;
  /** LSTM only, same layout as initialH; absent = zeros. */
  initialC?: ArrayLike<number> | null;
  /** LSTM peepholes [D, 3H] in order i, o, f; absent = zeros. */
  P?: ArrayLike<number> | null;
  /** T. */
  seqLength: number;
  /** B. */
  batch: number;
}

/** Operator outputs, in float64. */
export interface ReferenceOutputs {
  /** layout 0: [T, D, B, H]; layout 1: [B, T, D, H]. */
  Y: Float64Array;
  /** layout 0: [D, B, H]; layout 1: [B, D, H]. */
  Y_h: Float64Array;
  /** LSTM only (else null), same layout as Y_h. */
  Y_c: Float64Array | null;
}

/** Knobs for comparing against other implementations' edge-case behaviour. */
export interface ReferenceOptions {
  /**
   * Final state of a batch row whose sequence length is 0: 'initial' (default; no step ran, so the
   * state is initial_h / initial_c) or 'zero' (what onnxruntime's LSTM and GRU kernels output).
   */
  zeroLengthState?: 'initial' | 'zero';
}

function check(what: string, a: ArrayLike<number> | null | undefined, n: number): void {
  if (a != null && a.length !== n) {
    throw new RangeError(`reference: ${what} has ${a.length} elements, expected ${n}`);
  }
}

/** Runs one LSTM, GRU or RNN node over a whole sequence in float64. */
export function referenceRnn(d: CellDescriptor, inp: ReferenceInputs, opts: ReferenceOptions = {}): ReferenceOutputs {
  const T = inp.seqLength;
  const nb = inp.batch;
  const I = d.inputSize;
  const H = d.hiddenSize;
  const D = numDirections(d.direction);
  const G = gateCount(d.cell);
  const A = activationsPerDirection(d.cell);
  const cell = cellSpec(d.cell);
  const carries = cell.carriedState !== null;
  if (!Number.isInteger(T) || T < 0 || !Number.isInteger(nb) || nb < 1) {
    throw new RangeError(`reference: bad seqLength ${T} or batch ${nb}`);
  }
  check('X', inp.X, T * nb * I);
  check('W', inp.W, D * G * H * I);
  check('R', inp.R, D * G * H * H);
  check('B', inp.B, D * 2 * G * H);
  check('sequence_lens', inp.sequenceLens, nb);
  check('initial_h', inp.initialH, D * nb * H);
  check('initial_c', inp.initialC, D * nb * H);
  check('P', inp.P, D * 3 * H);
  const lens = new Int32Array(nb);
  for (let b = 0; b < nb; b++) {
    const L = inp.sequenceLens ? inp.sequenceLens[b] : T;
    if (!Number.isInteger(L) || L < 0 || L > T) throw new RangeError(`reference: sequence_lens[${b}] = ${L} is outside 0..${T}`);
    lens[b] = L;
  }

  const layout1 = d.layout === 1;
  const xAt = (t: number, b: number) => (layout1 ? b * T + t : t * nb + b) * I;
  const stateAt = (dir: number, b: number) => (layout1 ? b * D + dir : dir * nb + b) * H;
  const yAt = (t: number, dir: number, b: number) => (layout1 ? (b * T + t) * D + dir : (t * D + dir) * nb + b) * H;

  const Y = new Float64Array(T * D * nb * H);
  const Y_h = new Float64Array(D * nb * H);
  const Y_c = carries ? new Float64Array(D * nb * H) : null;
  const x = new Float64Array(I);

  for (let dir = 0; dir < D; dir++) {
    const reverse = d.direction === 'reverse' || dir === 1;
    const ctx: ReferenceStep = {
      d, I, H, G,
      w: {
        W: inp.W, wOff: dir * G * H * I,
        R: inp.R, rOff: dir * G * H * H,
        bias: inp.B ?? null, bOff: dir * 2 * G * H,
        P: cell.takes.peepholes && inp.P ? inp.P : null, pOff: dir * 3 * H,
        acts: d.activations.slice(dir * A, dir * A + A),
      },
    };
    for (let b = 0; b < nb; b++) {
      const s0 = stateAt(dir, b);
      let h: Float64Array = new Float64Array(H);
      let c: Float64Array = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        h[j] = inp.initialH ? inp.initialH[s0 + j] : 0;
        c[j] = carries && inp.initialC ? inp.initialC[s0 + j] : 0;
      }
      const L = lens[b];
      for (let s = 0; s < L; s++) {
        const t = reverse ? L - 1 - s : s;
        const x0 = xAt(t, b);
        for (let k = 0; k < I; k++) x[k] = inp.X[x0 + k];
        [h, c] = cell.referenceStep(ctx, x, h, c);
        Y.set(h, yAt(t, dir, b));
      }
      if (L === 0 && opts.zeroLengthState === 'zero') {
        h.fill(0);
        c.fill(0);
      }
      Y_h.set(h, s0);
      Y_c?.set(c, s0);
    }
  }
  return { Y, Y_h, Y_c };
}
