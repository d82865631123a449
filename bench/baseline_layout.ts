/**
 * Where the baseline kernel's tensors live in its wasm memory, and the layout-1 transposes between
 * ONNX tensors and the kernel's canonical (layout 0) order. Plain functions, no state.
 */
import { gateCount, numDirections, type CellDescriptor } from '../compiler/cells/descriptor.js';

/** Byte offsets of one direction's weights. `peep` is 0 when there are no peepholes. */
export interface DirectionWeights {
  readonly w: number;
  readonly r: number;
  readonly bias: number;
  readonly peep: number;
}

/** Byte offsets of the weights region (placed once per prepared descriptor). */
export interface WeightsLayout {
  readonly dirs: readonly DirectionWeights[];
  /** First byte past the weights. */
  readonly end: number;
}

/** Byte offsets of the per-run region (depends on seqLength and batch). */
export interface RunLayout {
  readonly T: number;
  readonly batch: number;
  /** X in [T, B, I]. */
  readonly x: number;
  /** sequence_lens [B] i32, or 0 when absent. */
  readonly lens: number;
  /** Initial h (and c) in [D, B, H], copied into h/c before every execution. */
  readonly h0: number;
  readonly c0: number;
  /** Running and final state, [D, B, H]; c is 0 for GRU and RNN. */
  readonly h: number;
  readonly c: number;
  /** Y in [T, D, B, H]. */
  readonly y: number;
  /** Per-direction gate scratch, [B, scratchPerRow] floats. */
  readonly scratch: number;
  /** First byte past the region. */
  readonly end: number;
}

/** Scratch floats per batch row: LSTM gates 4H; GRU gx, gh (3H each) and r ⊙ h (H); RNN H. */
export function scratchPerRow(d: CellDescriptor): number {
  const H = d.hiddenSize;
  return d.cell === 'lstm' ? 4 * H : d.cell === 'gru' ? 7 * H : H;
}

/** Bump allocator over byte offsets, 16-byte aligned so every tensor starts on a v128 boundary. */
class Bump {
  constructor(private at: number) {}
  take(floats: number): number {
    const p = this.at;
    this.at = align16(p + floats * 4);
    return p;
  }
  get end(): number {
    return this.at;
  }
}

export function align16(n: number): number {
  return (n + 15) & ~15;
}

export function layoutWeights(d: CellDescriptor, base: number, peepholes: boolean): WeightsLayout {
  const G = gateCount(d.cell) * d.hiddenSize;
  const H = d.hiddenSize;
  const m = new Bump(align16(base));
  const dirs: DirectionWeights[] = [];
  for (let dir = 0; dir < numDirections(d.direction); dir++) {
    dirs.push({ w: m.take(G * d.inputSize), r: m.take(G * H), bias: m.take(2 * G), peep: peepholes ? m.take(3 * H) : 0 });
  }
  return { dirs, end: m.end };
}

export function layoutRun(d: CellDescriptor, base: number, T: number, batch: number, hasLens: boolean): RunLayout {
  const D = numDirections(d.direction);
  const H = d.hiddenSize;
  const state = D * batch * H;
  const m = new Bump(align16(base));
  const lstm = d.cell === 'lstm';
  return {
    T, batch,
    x: m.take(T * batch * d.inputSize),
    lens: hasLens ? m.take(batch) : 0,
    h0: m.take(state),
    c0: lstm ? m.take(state) : 0,
    h: m.take(state),
    c: lstm ? m.take(state) : 0,
    y: m.take(T * state),
    scratch: m.take(batch * scratchPerRow(d)),
    end: m.end, // last: object literal properties are evaluated in order
  };
}

/**
 * Copies a 3-D tensor [A, B, N] into `dst` at float offset `at` as [B, A, N] (swapping the two outer
 * dims), or straight when `swap` is false. Used for X, initial states, Y and Y_h under layout 1.
 */
export function copySwap(
  src: ArrayLike<number>, dst: Float32Array, at: number, A: number, B: number, N: number, swap: boolean,
): void {
  if (!swap) {
    if (src instanceof Float32Array) dst.set(src, at);
    else for (let i = 0; i < A * B * N; i++) dst[at + i] = src[i];
    return;
  }
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const s = (a * B + b) * N;
      const t = at + (b * A + a) * N;
      for (let k = 0; k < N; k++) dst[t + k] = src[s + k];
    }
  }
}

/** Reads [A, B, N] floats at float offset `at` of `src` into a new array, as [B, A, N] when `swap`. */
export function readSwap(src: Float32Array, at: number, A: number, B: number, N: number, swap: boolean): Float32Array {
  const view = src.subarray(at, at + A * B * N);
  if (!swap) return view.slice();
  const out = new Float32Array(A * B * N);
  copySwap(view, out, 0, A, B, N, true);
  return out;
}
