/**
 * Seeded randomness for tests: a small PRNG, random valid cell descriptors covering every feature,
 * and random operator inputs consistent with a descriptor, scaled so outputs stay around |y| <= 1.
 */
import {
  ACTIVATION_NAMES, activation, activationsPerDirection, describeCell, gateCount, numDirections,
  type Activation, type ActivationName, type CellDescriptor, type CellKind, type Direction,
} from '../compiler/cells/descriptor.js';
import { applyActivation, referenceRnn, type ReferenceInputs } from './reference.js';

/** A source of uniform floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: a 32-bit-state PRNG, plenty for test-case generation. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform float in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Uniform integer in [lo, hi] (inclusive). */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** True with probability p. */
export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

/** n values uniform in [-scale, scale), as float32 (what kernels are fed). */
export function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * rng() - 1) * scale;
  return a;
}

/**
 * alpha/beta ranges per activation, chosen so every activation is exercised in its interesting range
 * while recurrences with pre-activations of magnitude ~0.5 stay bounded.
 */
const PARAM_RANGES: Record<ActivationName, { alpha: [number, number]; beta: [number, number] } | null> = {
  Relu: null,
  Tanh: null,
  Sigmoid: null,
  Softsign: null,
  Softplus: null,
  Affine: { alpha: [0.1, 1.5], beta: [-0.5, 0.5] },
  LeakyRelu: { alpha: [0.01, 1], beta: [0, 0] },
  ThresholdedRelu: { alpha: [0, 0.5], beta: [0, 0] },
  ScaledTanh: { alpha: [0.1, 1.5], beta: [-1.5, 1.5] },
  HardSigmoid: { alpha: [0.1, 1.5], beta: [-0.2, 0.8] },
  Elu: { alpha: [0.1, 1.5], beta: [0, 0] },
};

/** A random activation; parameterless ones get the ONNX defaults. */
export function randomActivation(rng: Rng, names: readonly ActivationName[] = ACTIVATION_NAMES): Activation {
  const name = pick(rng, names);
  const r = PARAM_RANGES[name];
  return r ? activation(name, uniform(rng, r.alpha[0], r.alpha[1]), uniform(rng, r.beta[0], r.beta[1])) : activation(name);
}

/** Constraints on randomDescriptor; anything left out is drawn at random. */
export interface RandomDescriptorOptions {
  cell?: CellKind;
  direction?: Direction;
  layout?: 0 | 1;
  /** Largest input and hidden size drawn (default 37). */
  maxSize?: number;
  /** Largest maxBatch drawn (default 10). */
  maxBatch?: number;
  /** Probability of drawing non-default activations (default 0.5). */
  customActivations?: number;
}

/** Largest |Y|, |Y_h|, |Y_c| a random descriptor may produce on the probe inputs. */
const TAME_BOUND = 3;
/** Sequence length of the probe runs; random descriptors are checked to stay bounded this long. */
export const TAME_SEQ_LENGTH = 64;

/**
 * A random valid descriptor (through describeCell), small sizes favoured. Activations and clip are
 * redrawn until two probe runs of TAME_SEQ_LENGTH steps stay within |y| <= 3: some combinations (an
 * unbounded forget gate, input_forget with a gate outside [0, 1], Relu feeding a cell state) make the
 * recurrence grow geometrically, and those test rounding, not kernels.
 */
export function randomDescriptor(rng: Rng, opts: RandomDescriptorOptions = {}): CellDescriptor {
  const cell = opts.cell ?? pick(rng, ['lstm', 'gru', 'rnn'] as const);
  const direction = opts.direction ?? pick(rng, ['forward', 'reverse', 'bidirectional'] as const);
  const maxSize = opts.maxSize ?? 37;
  const size = () => (chance(rng, 0.3) ? randInt(rng, 1, Math.min(4, maxSize)) : randInt(rng, 1, maxSize));
  const fixed = {
    cell,
    inputSize: size(),
    hiddenSize: size(),
    maxBatch: randInt(rng, 1, opts.maxBatch ?? 10),
    direction,
    layout: opts.layout ?? pick(rng, [0, 1] as const),
    linearBeforeReset: cell === 'gru' && chance(rng, 0.5),
    inputForget: cell === 'lstm' && chance(rng, 0.3),
    hasPeepholes: cell === 'lstm' && chance(rng, 0.4),
    hasSequenceLens: chance(rng, 0.4),
    hasInitialH: chance(rng, 0.5),
    hasInitialC: cell === 'lstm' && chance(rng, 0.5),
  };
  const nActs = activationsPerDirection(cell) * numDirections(direction);
  const custom = chance(rng, opts.customActivations ?? 0.5);
  for (let attempt = 0; ; attempt++) {
    const activations = custom && attempt < 100 ? Array.from({ length: nActs }, () => randomActivation(rng)) : undefined;
    const clip = chance(rng, 0.3) ? uniform(rng, 0.1, 3) : null;
    const d = describeCell({ ...fixed, activations, clip }, 'randomDescriptor');
    if (isTame(d)) return d;
  }
}

/**
 * Whether `d` stays bounded: the gate activation (LSTM and GRU `f`, which multiplies the carried
 * state) must map every reachable pre-activation into [-1, 1] (into [0, 1] with input_forget, where
 * 1 - i is the forget gate), and two fixed probe sequences (full length, batch 1) must stay small.
 */
export function isTame(d: CellDescriptor): boolean {
  if (d.cell !== 'rnn') {
    const per = activationsPerDirection(d.cell);
    const reach = d.clip ?? 1e3;
    for (let k = 0; k < d.activations.length; k += per) {
      for (let n = -200; n <= 200; n++) {
        const y = applyActivation(d.activations[k], (reach * n) / 200);
        if (!(d.inputForget ? y >= 0 && y <= 1 : Math.abs(y) <= 1)) return false;
      }
    }
  }
  const probe: CellDescriptor = { ...d, hasSequenceLens: false };
  for (const seed of [0x5eed, 0xbeef]) {
    const out = referenceRnn(probe, randomInputs(mulberry32(seed), probe, TAME_SEQ_LENGTH, 1));
    for (const a of [out.Y, out.Y_h, out.Y_c ?? []]) {
      for (const v of a) if (!(Math.abs(v) <= TAME_BOUND)) return false;
    }
  }
  return true;
}

/**
 * Random inputs for `d`: X in [-1, 1), W ~ 1/sqrt(I), R ~ 0.5/sqrt(H), biases and initial states
 * small, sequence lengths in 0..T (mixed) when the descriptor has them. B is always given.
 */
export function randomInputs(rng: Rng, d: CellDescriptor, seqLength: number, batch: number): ReferenceInputs {
  if (batch < 1 || batch > d.maxBatch) throw new RangeError(`randomInputs: batch ${batch} outside 1..${d.maxBatch}`);
  const D = numDirections(d.direction);
  const G = gateCount(d.cell);
  const H = d.hiddenSize;
  const I = d.inputSize;
  let sequenceLens: Int32Array | null = null;
  if (d.hasSequenceLens) {
    sequenceLens = new Int32Array(batch);
    for (let b = 0; b < batch; b++) sequenceLens[b] = chance(rng, 0.3) ? seqLength : randInt(rng, 0, seqLength);
  }
  return {
    X: randomArray(rng, seqLength * batch * I, 1),
    W: randomArray(rng, D * G * H * I, 1 / Math.sqrt(I)),
    R: randomArray(rng, D * G * H * H, 0.5 / Math.sqrt(H)),
    B: randomArray(rng, D * 2 * G * H, 0.2),
    sequenceLens,
    initialH: d.hasInitialH ? randomArray(rng, D * batch * H, 0.5) : null,
    initialC: d.hasInitialC ? randomArray(rng, D * batch * H, 0.5) : null,
    P: d.hasPeepholes ? randomArray(rng, D * 3 * H, 0.5) : null,
    seqLength,
    batch,
  };
}
