/**
 * What a cell kind is: the typed description every pass reads instead of switching on LSTM, GRU or
 * RNN. One spec per kind (lstm.ts, gru.ts, rnn.ts), listed in index.ts.
 */
import type { Expr, Local } from '../emit/ir.js';
import type { Straight } from '../emit/vec.js';
import type { Activation, ActivationName } from './activations.js';

export type CellKind = 'lstm' | 'gru' | 'rnn';
export type Direction = 'forward' | 'reverse' | 'bidirectional';

/** The attributes of an ONNX LSTM, GRU or RNN node, normalized (defaults resolved). */
export interface CellAttributes {
  /** `direction` attribute. */
  readonly direction: Direction;
  /** `layout` attribute: 0 = [seq, batch, ...], 1 = [batch, seq, ...]. */
  readonly layout: 0 | 1;
  /**
   * Activations, per direction, in ONNX order: LSTM (f, g, h), GRU (f, g), RNN (f); a bidirectional
   * node lists the forward ones then the reverse ones.
   */
  readonly activations: readonly Activation[];
  /** `clip` threshold applied to gate pre-activations, or null for none. */
  readonly clip: number | null;
  /** GRU `linear_before_reset`. Always false for other cells. */
  readonly linearBeforeReset: boolean;
  /** LSTM `input_forget` (couples forget gate to 1 - input gate). Always false for other cells. */
  readonly inputForget: boolean;
}

/** What a cell computes. All sizes are compile-time constants except sequence length and batch. */
export interface CellDescriptor extends CellAttributes {
  /** Cell kind: ONNX `LSTM`, `GRU` or `RNN`. */
  readonly cell: CellKind;
  /** Input feature size I (last dim of X). */
  readonly inputSize: number;
  /** Hidden size H (`hidden_size`). */
  readonly hiddenSize: number;
  /** Largest batch the kernel accepts; any batch 1..maxBatch runs on the same module. */
  readonly maxBatch: number;
  /** LSTM peephole weights P are given. */
  readonly hasPeepholes: boolean;
  /** Input `sequence_lens` is given (per-batch lengths; steps past a length hold state, Y is zero). */
  readonly hasSequenceLens: boolean;
  /** Input `initial_h` is given (otherwise zeros). */
  readonly hasInitialH: boolean;
  /** Input `initial_c` is given (LSTM only; otherwise zeros). */
  readonly hasInitialC: boolean;
}

/** One pass over R in a timestep: the gates it accumulates, and the row it multiplies R with. */
export interface CellPhase {
  /** Gate indices in ONNX weight order. */
  readonly gates: readonly number[];
  /** `h` (the previous hidden state) or the name of a scratch row an earlier phase wrote (GRU's r*h). */
  readonly source: string;
}


/** What a cell's update sees of one group of four hidden units of one batch row (step.ts builds it). */
export interface UpdateContext {
  readonly v: Straight;
  readonly d: CellDescriptor;
  /** This direction's activations, in the cell's slot order. */
  readonly acts: readonly Activation[];
  /** The previous hidden state. */
  readonly hPrev: Local;
  /** Gate g's pre-activation as this phase accumulated it (ONNX gate index), loaded now. */
  pre(g: number): Local;
  /** Gate g's input projection alone (X·W + bias), for a gate whose recurrent part is kept apart. */
  input(g: number): Local;
  /** Loads scratch row `name`. */
  load(name: string): Local;
  /** Stores `value` to scratch row `name`. */
  store(name: string, value: Expr): void;
  /** The peephole weights of gates i, o, f when the node has them, else null. */
  peepholes(): readonly [Local, Local, Local] | null;
  /** `fresh` in rows active this timestep, `old` in rows past their sequence length. */
  keep(fresh: Local, old: Local): Expr;
  /**
   * Ends a group of the update's instructions with `value` (an activation's result) computed: the
   * engine may not move what comes after above it. Cells call it after each activation, so that the
   * next activation's constants load next to their use rather than all at the top of the update,
   * live (and spilled) across every activation. Call it after pre(0) is loaded (it reuses pre(0)'s slot).
   */
  fence(value: Local): void;
}

/** A cell kind: everything the front end, planner, emitters and reference need to know of it. */
export interface CellSpec {
  readonly kind: CellKind;
  /** The ONNX op type. */
  readonly onnxOp: string;
  /** Gate names in ONNX weight order (LSTM i, o, f, c); their count is the gates per unit. */
  readonly gates: readonly string[];
  /** Activation slots per direction in ONNX order (LSTM f, g, h). */
  readonly activationSlots: readonly string[];
  /** The spec's default activations for one direction. */
  readonly defaultActivations: readonly ActivationName[];
  /**
   * Activations the ONNX schema lists by default whatever the direction, when that differs from
   * `activationSlots` (RNN: [Tanh, Tanh]); exporters copy it, and onnxruntime reads the first.
   */
  readonly schemaActivations?: number;
  /** Operator inputs and outputs, at most (X, W, R, B, sequence_lens, initial_h[, initial_c, P]). */
  readonly maxInputs: number;
  readonly maxOutputs: number;
  /** ONNX attributes of this kind beyond those every cell has, with their attribute types. */
  readonly attributes: Readonly<Record<string, 'int' | 'float' | 'string'>>;
  /** Which descriptor options the kind takes (the others must stay off). */
  readonly takes: { readonly linearBeforeReset: boolean; readonly inputForget: boolean; readonly peepholes: boolean };
  /** The recurrent passes of a timestep. */
  phases(d: CellDescriptor): readonly CellPhase[];
  /** The gate whose recurrent bias stays apart from the input bias (GRU linear_before_reset's h), or null. */
  separateRecurrentBias(d: CellDescriptor): number | null;
  /**
   * A state carried from timestep to timestep beside h (LSTM's c), or null: zeroed when a call
   * starts fresh, read from the node's second initial-state input (initial_c) when given, written to
   * its last output (Y_c).
   */
  readonly carriedState: string | null;
  /**
   * The per-row buffers of the recurrent step beside h (one float per hidden unit and batch row), in
   * the order they are laid out: the carried state, and values one phase hands the next (GRU's z, r*h).
   */
  scratch(d: CellDescriptor): readonly string[];
  /**
   * The cell update of one group of four units after phase `phase`: the new hidden state, or null
   * when this phase only prepares scratch rows for the next.
   */
  emitUpdate(u: UpdateContext, phase: number): Local | null;
  /** The loop nest's words for what the update does after each phase (`rnnc plan`). */
  describeUpdate(d: CellDescriptor, phase: number): string;
  /** Float64: one timestep of one batch row; returns the new h and c (c unchanged where there is none). */
  referenceStep(r: ReferenceStep, x: Float64Array, h: Float64Array, c: Float64Array): [Float64Array, Float64Array];
}

/** One direction's weights, as views with the direction's offsets resolved. */
export interface DirectionWeights {
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

/** Everything one timestep needs besides the state. */
export interface ReferenceStep {
  readonly d: CellDescriptor;
  readonly w: DirectionWeights;
  readonly I: number;
  readonly H: number;
  readonly G: number;
}
