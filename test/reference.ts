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
 */
import {
  activationsPerDirection, gateCount, numDirections,
  type Activation, type CellDescriptor,
} from '../compiler/cells/descriptor.js';
import { applyActivation } from './reference_activations.js';

export { applyActivation } from './reference_activations.js';

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

/** Per-direction weights, as views with the direction's offsets resolved. */
interface DirWeights {
  readonly W: ArrayLike<number>;
  readonly wOff: number;
  readonly R: ArrayLike<number>;
  readonly rOff: number;
  /** Wb[g*H + j] is at bias[bOff + g*H + j]; Rb is G*H further. Null = zeros. */
  readonly bias: ArrayLike<number> | null;
  readonly bOff: number;
  readonly P: ArrayLike<number> | null;
  readonly pOff: number;
  readonly acts: readonly Activation[];
}

/** Everything one recurrence step needs besides the state. */
interface StepContext {
  readonly d: CellDescriptor;
  readonly w: DirWeights;
  readonly I: number;
  readonly H: number;
  readonly G: number;
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
  const isLstm = d.cell === 'lstm';
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
  const Y_c = isLstm ? new Float64Array(D * nb * H) : null;
  const x = new Float64Array(I);

  for (let dir = 0; dir < D; dir++) {
    const reverse = d.direction === 'reverse' || dir === 1;
    const ctx: StepContext = {
      d, I, H, G,
      w: {
        W: inp.W, wOff: dir * G * H * I,
        R: inp.R, rOff: dir * G * H * H,
        bias: inp.B ?? null, bOff: dir * 2 * G * H,
        P: isLstm && inp.P ? inp.P : null, pOff: dir * 3 * H,
        acts: d.activations.slice(dir * A, dir * A + A),
      },
    };
    for (let b = 0; b < nb; b++) {
      const s0 = stateAt(dir, b);
      let h: Float64Array = new Float64Array(H);
      let c: Float64Array = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        h[j] = inp.initialH ? inp.initialH[s0 + j] : 0;
        c[j] = isLstm && inp.initialC ? inp.initialC[s0 + j] : 0;
      }
      const L = lens[b];
      for (let s = 0; s < L; s++) {
        const t = reverse ? L - 1 - s : s;
        const x0 = xAt(t, b);
        for (let k = 0; k < I; k++) x[k] = inp.X[x0 + k];
        [h, c] = step(ctx, x, h, c);
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

/** One time step: returns the new hidden state and (LSTM) cell state. */
function step(ctx: StepContext, x: Float64Array, h: Float64Array, c: Float64Array): [Float64Array, Float64Array] {
  switch (ctx.d.cell) {
    case 'lstm':
      return lstmStep(ctx, x, h, c);
    case 'gru':
      return [gruStep(ctx, x, h), c];
    case 'rnn':
      return [rnnStep(ctx, x, h), c];
  }
}

function dot(M: ArrayLike<number>, off: number, v: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += M[off + k] * v[k];
  return s;
}

/** Xt·W[g]ᵀ for unit j. */
function xw(ctx: StepContext, g: number, j: number, x: Float64Array): number {
  return dot(ctx.w.W, ctx.w.wOff + (g * ctx.H + j) * ctx.I, x, ctx.I);
}

/** v·R[g]ᵀ for unit j. */
function hr(ctx: StepContext, g: number, j: number, v: Float64Array): number {
  return dot(ctx.w.R, ctx.w.rOff + (g * ctx.H + j) * ctx.H, v, ctx.H);
}

function wb(ctx: StepContext, g: number, j: number): number {
  return ctx.w.bias ? ctx.w.bias[ctx.w.bOff + g * ctx.H + j] : 0;
}

function rb(ctx: StepContext, g: number, j: number): number {
  return ctx.w.bias ? ctx.w.bias[ctx.w.bOff + (ctx.G + g) * ctx.H + j] : 0;
}

/** Peephole weight for P order i = 0, o = 1, f = 2. */
function peep(ctx: StepContext, p: number, j: number): number {
  return ctx.w.P ? ctx.w.P[ctx.w.pOff + p * ctx.H + j] : 0;
}

function clip(ctx: StepContext, v: number): number {
  const t = ctx.d.clip;
  return t === null ? v : Math.min(t, Math.max(-t, v));
}

/** Activation `k` of this direction applied to the clipped pre-activation. */
function act(ctx: StepContext, k: number, pre: number): number {
  return applyActivation(ctx.w.acts[k], clip(ctx, pre));
}

/** Full pre-activation of gate g (weights + both biases) for unit j. */
function gatePre(ctx: StepContext, g: number, j: number, x: Float64Array, h: Float64Array): number {
  return xw(ctx, g, j, x) + hr(ctx, g, j, h) + wb(ctx, g, j) + rb(ctx, g, j);
}

// LSTM gates in W/R/B order: i = 0, o = 1, f = 2, c = 3. Activations: f = 0, g = 1, h = 2.
function lstmStep(ctx: StepContext, x: Float64Array, h: Float64Array, c: Float64Array): [Float64Array, Float64Array] {
  const H = ctx.H;
  const hNew = new Float64Array(H);
  const cNew = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const cPrev = c[j];
    const i = act(ctx, 0, gatePre(ctx, 0, j, x, h) + peep(ctx, 0, j) * cPrev);
    const f = ctx.d.inputForget ? 1 - i : act(ctx, 0, gatePre(ctx, 2, j, x, h) + peep(ctx, 2, j) * cPrev);
    const g = act(ctx, 1, gatePre(ctx, 3, j, x, h));
    const C = f * cPrev + i * g;
    const o = act(ctx, 0, gatePre(ctx, 1, j, x, h) + peep(ctx, 1, j) * C);
    cNew[j] = C;
    hNew[j] = o * applyActivation(ctx.w.acts[2], C);
  }
  return [hNew, cNew];
}

// GRU gates in W/R/B order: z = 0, r = 1, h = 2. Activations: f = 0, g = 1.
function gruStep(ctx: StepContext, x: Float64Array, h: Float64Array): Float64Array {
  const H = ctx.H;
  const z = new Float64Array(H);
  const rh = new Float64Array(H); // r ⊙ H(t-1), needed whole before any h~ when linear_before_reset = 0
  const r = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    z[j] = act(ctx, 0, gatePre(ctx, 0, j, x, h));
    r[j] = act(ctx, 0, gatePre(ctx, 1, j, x, h));
    rh[j] = r[j] * h[j];
  }
  const hNew = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const pre = ctx.d.linearBeforeReset
      ? xw(ctx, 2, j, x) + wb(ctx, 2, j) + r[j] * (hr(ctx, 2, j, h) + rb(ctx, 2, j))
      : xw(ctx, 2, j, x) + wb(ctx, 2, j) + hr(ctx, 2, j, rh) + rb(ctx, 2, j);
    const hTilde = act(ctx, 1, pre);
    hNew[j] = (1 - z[j]) * hTilde + z[j] * h[j];
  }
  return hNew;
}

function rnnStep(ctx: StepContext, x: Float64Array, h: Float64Array): Float64Array {
  const hNew = new Float64Array(ctx.H);
  for (let j = 0; j < ctx.H; j++) hNew[j] = act(ctx, 0, gatePre(ctx, 0, j, x, h));
  return hNew;
}
