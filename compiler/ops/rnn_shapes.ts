/**
 * The dims the ONNX spec prescribes for every input and output of an LSTM, GRU or RNN node, and the
 * check of a tensor's actual (or declared) dims against them.
 */
import { ModelError } from '../../contract/errors.js';

/** The ONNX RNN/GRU/LSTM input slots, in operator order. */
export const INPUT_ROLES = ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'] as const;
export type InputRole = (typeof INPUT_ROLES)[number];

/** The ONNX RNN/GRU/LSTM output slots, in operator order. */
export const OUTPUT_ROLES = ['Y', 'Y_h', 'Y_c'] as const;
export type OutputRole = (typeof OUTPUT_ROLES)[number];

/** The sizes that fix the node's tensor dims; null where the model leaves a size open. */
export interface NodeSizes {
  /** num_directions (1 or 2). */
  readonly directions: number;
  /** Gates per cell (LSTM 4, GRU 3, RNN 1). */
  readonly gates: number;
  readonly hidden: number;
  readonly input: number;
  readonly batch: number | null;
  readonly seq: number | null;
  readonly layout: 0 | 1;
}

/** One expected dim: its size (null = any) and what it is, for messages. */
export interface ExpectedDim {
  readonly size: number | null;
  readonly label: string;
}

/** The dims the spec gives to an operator input or output, outermost first. */
export function expectedDims(role: InputRole | OutputRole, s: NodeSizes): ExpectedDim[] {
  const dim = (size: number | null, label: string): ExpectedDim => ({ size, label });
  const D = dim(s.directions, 'num_directions');
  const H = dim(s.hidden, 'hidden_size');
  const I = dim(s.input, 'input_size');
  const N = dim(s.batch, 'batch');
  const T = dim(s.seq, 'seq_length');
  const gh = (k: number) => dim(k * s.gates * s.hidden, k * s.gates === 1 ? 'hidden_size' : `${k * s.gates}*hidden_size`);
  const batchwise = s.layout === 1;
  switch (role) {
    case 'X': return batchwise ? [N, T, I] : [T, N, I];
    case 'W': return [D, gh(1), I];
    case 'R': return [D, gh(1), H];
    case 'B': return [D, gh(2)];
    case 'sequence_lens': return [N];
    case 'initial_h':
    case 'initial_c':
    case 'Y_h':
    case 'Y_c': return batchwise ? [N, D, H] : [D, N, H];
    case 'P': return [D, dim(3 * s.hidden, '3*hidden_size')];
    case 'Y': return batchwise ? [N, T, D, H] : [T, D, N, H];
  }
}

/** Formats expected dims, e.g. `[num_directions=1, 12*hidden_size=12, input_size=2]`. */
export function formatExpected(dims: readonly ExpectedDim[]): string {
  return `[${dims.map((d) => (d.size === null ? d.label : `${d.label}=${d.size}`)).join(', ')}]`;
}

/**
 * Checks dims against the expected ones: same rank, and every numeric dim equal to the expected size
 * when both are known (symbolic dims match anything). Throws ModelError naming `what` otherwise.
 */
export function checkDims(what: string, expected: readonly ExpectedDim[], actual: readonly (number | string)[]): void {
  const ok =
    actual.length === expected.length &&
    expected.every((e, i) => e.size === null || typeof actual[i] !== 'number' || actual[i] === e.size);
  if (!ok) {
    throw new ModelError(`${what}: expected dims ${formatExpected(expected)}, got [${actual.join(', ')}]`);
  }
}
