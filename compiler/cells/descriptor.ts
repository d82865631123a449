/**
 * The cell descriptor: *what* one ONNX LSTM, GRU or RNN node computes, independent of how it is
 * scheduled. It is the single input of the planner, validated once at the border, frozen, and its
 * key names kernels, cache entries and snapshot files.
 */
import { ModelError, UnsupportedError } from '../../contract/errors.js';

export type CellKind = 'lstm' | 'gru' | 'rnn';
export type Direction = 'forward' | 'reverse' | 'bidirectional';

/** Activation names as ONNX spells them (case-sensitive, as in the operator spec). */
export const ACTIVATION_NAMES = [
  'Relu', 'Tanh', 'Sigmoid', 'Affine', 'LeakyRelu', 'ThresholdedRelu', 'ScaledTanh', 'HardSigmoid',
  'Elu', 'Softsign', 'Softplus',
] as const;
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** One activation function with its resolved parameters (ONNX defaults filled in). */
export interface Activation {
  readonly name: ActivationName;
  readonly alpha: number;
  readonly beta: number;
}

/** What a cell computes. All sizes are compile-time constants except sequence length and batch. */
export interface CellDescriptor {
  /** Cell kind: ONNX `LSTM`, `GRU` or `RNN`. */
  readonly cell: CellKind;
  /** Input feature size I (last dim of X). */
  readonly inputSize: number;
  /** Hidden size H (`hidden_size`). */
  readonly hiddenSize: number;
  /** Largest batch the kernel accepts; any batch 1..maxBatch runs on the same module. */
  readonly maxBatch: number;
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
  /** LSTM peephole weights P are given. */
  readonly hasPeepholes: boolean;
  /** Input `sequence_lens` is given (per-batch lengths; steps past a length hold state, Y is zero). */
  readonly hasSequenceLens: boolean;
  /** Input `initial_h` is given (otherwise zeros). */
  readonly hasInitialH: boolean;
  /** Input `initial_c` is given (LSTM only; otherwise zeros). */
  readonly hasInitialC: boolean;
}

/** Gates per cell in ONNX weight order: LSTM i,o,f,c; GRU z,r,h; RNN one. */
export function gateCount(cell: CellKind): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** Activations per direction: LSTM 3 (f, g, h), GRU 2 (f, g), RNN 1 (f). */
export function activationsPerDirection(cell: CellKind): number {
  return cell === 'lstm' ? 3 : cell === 'gru' ? 2 : 1;
}

export function numDirections(d: Direction): number {
  return d === 'bidirectional' ? 2 : 1;
}

/** ONNX default alpha/beta of each activation (the values of the corresponding ONNX operators). */
export const ACTIVATION_DEFAULTS: Record<ActivationName, { alpha: number; beta: number }> = {
  Relu: { alpha: 0, beta: 0 },
  Tanh: { alpha: 0, beta: 0 },
  Sigmoid: { alpha: 0, beta: 0 },
  Affine: { alpha: 1, beta: 0 },
  LeakyRelu: { alpha: 0.01, beta: 0 },
  ThresholdedRelu: { alpha: 1, beta: 0 },
  ScaledTanh: { alpha: 1, beta: 1 },
  HardSigmoid: { alpha: 0.2, beta: 0.5 },
  Elu: { alpha: 1, beta: 0 },
  Softsign: { alpha: 0, beta: 0 },
  Softplus: { alpha: 0, beta: 0 },
};

/** Default activations per direction, as the ONNX spec gives them. */
export function defaultActivations(cell: CellKind): ActivationName[] {
  return cell === 'lstm' ? ['Sigmoid', 'Tanh', 'Tanh'] : cell === 'gru' ? ['Sigmoid', 'Tanh'] : ['Tanh'];
}

export function activation(name: ActivationName, alpha?: number, beta?: number): Activation {
  const d = ACTIVATION_DEFAULTS[name];
  return Object.freeze({ name, alpha: alpha ?? d.alpha, beta: beta ?? d.beta });
}

/** Fields a caller may leave out of `describeCell`; the rest of CellDescriptor is required. */
export type CellDescriptorInit = Pick<CellDescriptor, 'cell' | 'inputSize' | 'hiddenSize'> &
  Partial<Omit<CellDescriptor, 'cell' | 'inputSize' | 'hiddenSize'>>;

const MAX_DIM = 1 << 16;

/**
 * Validates and normalizes a descriptor: fills defaults, checks every field, freezes. `where` names
 * the node (or flag) for error messages.
 */
export function describeCell(init: CellDescriptorInit, where = 'cell'): CellDescriptor {
  const { cell } = init;
  if (cell !== 'lstm' && cell !== 'gru' && cell !== 'rnn') {
    throw new UnsupportedError(`${where}: cell kind '${String(cell)}' is not supported; expected lstm, gru or rnn`);
  }
  const positive = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_DIM) {
      throw new ModelError(`${where}: ${what} must be an integer in 1..${MAX_DIM}, got ${String(v)}`);
    }
    return v;
  };
  const inputSize = positive(init.inputSize, 'input size');
  const hiddenSize = positive(init.hiddenSize, 'hidden_size');
  const maxBatch = positive(init.maxBatch ?? 1, 'batch');
  const direction = init.direction ?? 'forward';
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') {
    throw new ModelError(`${where}: direction '${String(direction)}' is invalid; expected forward, reverse or bidirectional`);
  }
  const layout = init.layout ?? 0;
  if (layout !== 0 && layout !== 1) throw new ModelError(`${where}: layout must be 0 or 1, got ${String(layout)}`);
  const nd = numDirections(direction);
  const per = activationsPerDirection(cell);
  let acts = init.activations ?? [];
  if (acts.length === 0) {
    const d = defaultActivations(cell).map((n) => activation(n));
    acts = nd === 2 ? [...d, ...d] : d;
  }
  if (acts.length !== per * nd) {
    throw new ModelError(`${where}: expected ${per * nd} activations for a ${direction} ${cell.toUpperCase()}, got ${acts.length}`);
  }
  for (const a of acts) {
    if (!(ACTIVATION_NAMES as readonly string[]).includes(a.name)) {
      throw new UnsupportedError(`${where}: activation '${a.name}' is not supported; expected one of ${ACTIVATION_NAMES.join(', ')}`);
    }
    if (!Number.isFinite(a.alpha) || !Number.isFinite(a.beta)) {
      throw new ModelError(`${where}: activation ${a.name} has a non-finite alpha or beta`);
    }
  }
  const clip = init.clip ?? null;
  if (clip !== null && !(clip > 0 && Number.isFinite(clip))) {
    throw new ModelError(`${where}: clip must be a positive finite number, got ${clip}`);
  }
  const linearBeforeReset = cell === 'gru' ? !!init.linearBeforeReset : false;
  if (cell !== 'gru' && init.linearBeforeReset) {
    throw new ModelError(`${where}: linear_before_reset applies only to GRU`);
  }
  const inputForget = cell === 'lstm' ? !!init.inputForget : false;
  if (cell !== 'lstm' && (init.inputForget || init.hasPeepholes || init.hasInitialC)) {
    throw new ModelError(`${where}: input_forget, peepholes (P) and initial_c apply only to LSTM`);
  }
  return Object.freeze({
    cell, inputSize, hiddenSize, maxBatch, direction, layout,
    activations: Object.freeze(acts.map((a) => activation(a.name, a.alpha, a.beta))),
    clip, linearBeforeReset, inputForget,
    hasPeepholes: !!init.hasPeepholes,
    hasSequenceLens: !!init.hasSequenceLens,
    hasInitialH: !!init.hasInitialH,
    hasInitialC: !!init.hasInitialC,
  });
}

/**
 * A short stable key naming the descriptor: `lstm_i256_h256_b1_fwd_l0` plus only the non-default
 * features, then a hash of the full descriptor so that distinct descriptors never share a key.
 */
export function descriptorKey(d: CellDescriptor): string {
  const dir = d.direction === 'forward' ? 'fwd' : d.direction === 'reverse' ? 'rev' : 'bidi';
  const parts = [d.cell, `i${d.inputSize}`, `h${d.hiddenSize}`, `b${d.maxBatch}`, dir, `l${d.layout}`];
  if (d.linearBeforeReset) parts.push('lbr');
  if (d.inputForget) parts.push('if');
  if (d.hasPeepholes) parts.push('p');
  if (d.clip !== null) parts.push('clip');
  if (d.hasSequenceLens) parts.push('sl');
  return `${parts.join('_')}_${fnv1a(JSON.stringify(d)).toString(16).padStart(8, '0')}`;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
