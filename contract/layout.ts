/**
 * Memory layout and weight packing shared by the compiler (which bakes offsets into the kernel) and
 * the runtime (which writes weights and tensors at those offsets). Dependency-free: the browser
 * runtime uses it as is.
 */
import { InternalError } from './errors.js';

/** One recurrent pass over R: which gates it computes (indices in ONNX gate order). */
export type Phase = readonly number[];

/** Byte offsets of one direction's packed weights in linear memory. */
export interface DirectionOffsets {
  /** Input projection panels: Np/NR panels of [I][NR] floats. */
  readonly wPanels: number;
  /** Bias added by the input projection (Wb + Rb folded, in packed column order): Np floats. */
  readonly xwBias: number;
  /** Per phase, recurrent panels: per unit block, [H][gates of phase][U] floats. */
  readonly rPanels: readonly number[];
  /** The separate recurrent bias (GRU linear_before_reset's Rbh): Hp floats (0 when there is none). */
  readonly rbh: number;
  /** LSTM peepholes, [3][Hp] floats in ONNX order i, o, f (0 when absent). */
  readonly peep: number;
}

/**
 * Everything the runtime must know to lay out memory and pack weights: the sizes the kernel was
 * specialized for and the offsets it was compiled with.
 */
export interface KernelLayout {
  readonly cell: 'lstm' | 'gru' | 'rnn';
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly maxBatch: number;
  readonly directions: number;
  readonly layout: 0 | 1;
  /** Gates per cell (LSTM 4, GRU 3, RNN 1). */
  readonly gates: number;
  /** Hidden units per register block (a multiple of 4). */
  readonly unitsPerBlock: number;
  /** Hidden size rounded up to a whole number of blocks. */
  readonly hiddenPadded: number;
  /** Recurrent passes per step (GRU without linear_before_reset needs two). */
  readonly phases: readonly Phase[];
  /** Input projection panel width in floats. */
  readonly panelWidth: number;
  /** Floats per row of the input projection output (G*Hp rounded up to the panel width). */
  readonly xwStride: number;
  /** The gate whose recurrent bias Rb stays apart from the input bias (GRU linear_before_reset: h), or null. */
  readonly separateBias: number | null;
  readonly hasPeepholes: boolean;
  readonly offsets: readonly DirectionOffsets[];
  /** Packed weights occupy [weightsBegin, weightsEnd). */
  readonly weightsBegin: number;
  readonly weightsEnd: number;
  /**
   * The end of what the kernel keeps from weightsBegin on: the packed weights, the worker partition
   * table and, unless the compiler placed them apart (zeroed, outside the image), the scratch rows.
   */
  readonly staticEnd: number;
}

/** Unpacked ONNX weights of one node: W [D,G*H,I], R [D,G*H,H], B [D,2*G*H] | null, P [D,3H] | null. */
export interface NodeWeights {
  readonly W: Float32Array;
  readonly R: Float32Array;
  readonly B: Float32Array | null;
  readonly P: Float32Array | null;
}

/**
 * Packed column c (of the gate-interleaved order the kernels use: unit block, then gate, then unit
 * within the block) as [gate, unit], or null for a padding column.
 */
function packedColumn(k: KernelLayout, c: number): [number, number] | null {
  const U = k.unitsPerBlock, G = k.gates;
  if (c >= G * k.hiddenPadded) return null;
  const block = Math.floor(c / (G * U));
  const gate = Math.floor((c % (G * U)) / U);
  const unit = block * U + (c % U);
  return unit < k.hiddenSize ? [gate, unit] : null;
}

/** Writes the packed form of `w` into `mem` (a Float32Array view of linear memory). */
export function packWeights(k: KernelLayout, w: NodeWeights, mem: Float32Array): void {
  const { inputSize: I, hiddenSize: H, hiddenPadded: Hp, gates: G, unitsPerBlock: U, panelWidth: NR } = k;
  const expect = (a: Float32Array | null, n: number, what: string) => {
    // The compiler checks every weight's dims against the layout it plans: a mismatch here is a bug.
    if (a && a.length !== n) throw new InternalError(`packing ${k.cell} weights: ${what} has ${a.length} elements, the layout needs ${n}`);
  };
  expect(w.W, k.directions * G * H * I, 'W');
  expect(w.R, k.directions * G * H * H, 'R');
  expect(w.B, k.directions * 2 * G * H, 'B');
  expect(w.P, k.directions * 3 * H, 'P');
  for (let d = 0; d < k.directions; d++) {
    const o = k.offsets[d];
    const Wd = d * G * H * I, Rd = d * G * H * H, Bd = d * 2 * G * H;
    // Input projection panels and folded bias.
    for (let c = 0; c < k.xwStride; c++) {
      const gu = packedColumn(k, c);
      const panel = Math.floor(c / NR), q = c % NR;
      const base = o.wPanels / 4 + panel * I * NR + q;
      for (let i = 0; i < I; i++) mem[base + i * NR] = gu ? w.W[Wd + (gu[0] * H + gu[1]) * I + i] : 0;
      let bias = 0;
      if (gu && w.B) {
        const [g, u] = gu;
        bias = w.B[Bd + g * H + u];
        const rbFolded = k.separateBias !== g;
        if (rbFolded) bias += w.B[Bd + G * H + g * H + u];
      }
      mem[o.xwBias / 4 + c] = bias;
    }
    // Recurrent panels, one set per phase.
    // A block's panel is [H][gates][U]; each row of R is read once, in order (twice as fast as
    // reading R down its columns).
    k.phases.forEach((gates, p) => {
      const width = gates.length * U;
      for (let block = 0; block < Hp / U; block++) {
        const at = o.rPanels[p] / 4 + block * H * width;
        for (let gi = 0; gi < gates.length; gi++) {
          for (let u = 0; u < U; u++) {
            const unit = block * U + u, to = at + gi * U + u, from = Rd + (gates[gi] * H + unit) * H;
            for (let kk = 0; kk < H; kk++) mem[to + kk * width] = unit < H ? w.R[from + kk] : 0;
          }
        }
      }
    });
    if (k.separateBias !== null) {
      const g = k.separateBias;
      for (let u = 0; u < Hp; u++) mem[o.rbh / 4 + u] = w.B && u < H ? w.B[Bd + G * H + g * H + u] : 0;
    }
    if (k.hasPeepholes) {
      for (let g = 0; g < 3; g++) {
        for (let u = 0; u < Hp; u++) mem[o.peep / 4 + g * Hp + u] = w.P && u < H ? w.P[d * 3 * H + g * H + u] : 0;
      }
    }
  }
}
