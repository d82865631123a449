/** The cell registry: every cell kind rnnc compiles, by kind and by ONNX op. */
import { InternalError } from '../../contract/errors.js';
import { GRU } from './gru.js';
import { LSTM } from './lstm.js';
import { RNN } from './rnn.js';
import type { CellKind, CellSpec } from './types.js';

/** Every cell kind, in the order messages list them. */
export const CELLS: readonly CellSpec[] = [LSTM, GRU, RNN];

const BY_KIND = new Map(CELLS.map((c) => [c.kind, c]));
const BY_OP = new Map(CELLS.map((c) => [c.onnxOp, c]));

/** The spec of a cell kind the descriptor was validated with. */
export function cellSpec(kind: CellKind): CellSpec {
  const c = BY_KIND.get(kind);
  if (!c) throw new InternalError(`no cell spec for kind '${String(kind)}'`);
  return c;
}

/** The spec of an ONNX op type (LSTM, GRU, RNN), or undefined for other ops. */
export function cellOfOp(opType: string): CellSpec | undefined {
  return BY_OP.get(opType);
}

/** Whether `kind` names a cell kind. */
export function isCellKind(kind: unknown): kind is CellKind {
  return BY_KIND.has(kind as CellKind);
}

export type { CellDescriptor, CellKind, CellPhase, CellSpec, Direction, UpdateContext } from './types.js';
