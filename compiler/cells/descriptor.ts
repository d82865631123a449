/**
 * The cell descriptor: *what* one ONNX LSTM, GRU or RNN node computes, independent of how it is
 * scheduled. It is the single input of the planner, validated once at the border, frozen, and its
 * key names kernels, cache entries and snapshot files.
 */
import { ModelError, UnsupportedError } from '../../contract/errors.js';
import { ACTIVATION_NAMES, activation, type Activation, type ActivationName } from './activations.js';
import { CELLS, cellSpec, isCellKind } from './index.js';
import type { CellDescriptor, CellKind, Direction } from './types.js';

export type { CellAttributes, CellDescriptor, CellKind, Direction } from './types.js';
export { ACTIVATION_DEFAULTS, ACTIVATION_NAMES, activation, type Activation, type ActivationName } from './activations.js';

/** Gates per unit in ONNX weight order: LSTM i,o,f,c; GRU z,r,h; RNN one. */
export function gateCount(cell: CellKind): number {
  return cellSpec(cell).gates.length;
}

/** Activations per direction: LSTM 3 (f, g, h), GRU 2 (f, g), RNN 1 (f). */
export function activationsPerDirection(cell: CellKind): number {
  return cellSpec(cell).activationSlots.length;
}

export function numDirections(d: Direction): number {
  return d === 'bidirectional' ? 2 : 1;
}

/** Default activations per direction, as the ONNX spec gives them. */
export function defaultActivations(cell: CellKind): ActivationName[] {
  return [...cellSpec(cell).defaultActivations];
}

/** The activations of direction `dir`, in the cell's slot order (LSTM f, g, h). */
export function directionActivations(d: CellDescriptor, dir: number): readonly Activation[] {
  const per = activationsPerDirection(d.cell);
  return d.activations.slice(dir * per, dir * per + per);
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
  if (!isCellKind(cell)) {
    throw new UnsupportedError(`${where}: cell kind '${String(cell)}' is not supported; expected ${CELLS.map((c) => c.kind).join(', ')}`);
  }
  const spec = cellSpec(cell);
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
  /** The ONNX ops of the cell kinds that take an option. */
  const takers = (takes: (c: typeof spec) => boolean) => CELLS.filter(takes).map((c) => c.onnxOp).join(' and ');
  const carries = (c: typeof spec) => c.carriedState !== null;
  if (!spec.takes.linearBeforeReset && init.linearBeforeReset) {
    throw new ModelError(`${where}: linear_before_reset applies only to ${takers((c) => c.takes.linearBeforeReset)}`);
  }
  if ((!spec.takes.inputForget && init.inputForget) || (!spec.takes.peepholes && init.hasPeepholes) || (!carries(spec) && init.hasInitialC)) {
    throw new ModelError(`${where}: input_forget, peepholes (P) and initial_c apply only to ${takers((c) => c.takes.inputForget && c.takes.peepholes && carries(c))}`);
  }
  const linearBeforeReset = !!init.linearBeforeReset;
  const inputForget = !!init.inputForget;
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
