/**
 * Whole ONNX models -> programs. `lowerModel` decodes the graph, finds which graph-input axes
 * are the run-time seq and batch, folds the shape subgraphs, and lowers what remains into a list of
 * steps over buffers (see program.ts). Pure data: no wasm, no binaryen.
 */
import { UnsupportedError, internalAt } from '../../contract/errors.js';
import { cellOfOp } from '../cells/index.js';
import { resolveInputAxes } from './axes.js';
import { inferGraph } from './infer.js';
import { type LoadedGraph, loadGraph } from './load.js';
import { lowerGraph } from './lower.js';
import type { Program } from './program.js';

export type { Program } from './program.js';

/** Options of `lowerModel`. */
export interface LowerOptions {
  /** Largest batch the module is compiled for (`--batch`); default the batch the model declares, else 1. */
  batch?: number;
  /** Names the model (usually its path) in messages; default 'model'. */
  source?: string;
}

/**
 * Lowers a serialized ONNX ModelProto into a program, with a human-readable summary (one line
 * per step or view, then what was folded) for `rnnc compile --verbose`. Throws ModelError for a
 * malformed model and one UnsupportedError listing every node rnnc cannot compile.
 */
export function lowerModel(bytes: Uint8Array, options: LowerOptions = {}): { program: Program; summary: string[] } {
  const source = options.source ?? 'model';
  // The passes name the node at fault themselves; what fails outside a node is named by the model.
  return internalAt(source, () => lowerLoaded(loadGraph(bytes, source), source, options.batch));
}

function lowerLoaded(g: LoadedGraph, source: string, batch: number | undefined): { program: Program; summary: string[] } {
  if (!g.nodes.some((n) => cellOfOp(n.op))) {
    const ops = [...new Set(g.nodes.map((n) => n.op))];
    throw new UnsupportedError(`${source}: model has no LSTM, GRU or RNN node (ops found: ${ops.length ? ops.join(', ') : 'none'}); rnnc compiles recurrent models`);
  }
  const axes = resolveInputAxes(g, batch);
  return lowerGraph(g, inferGraph(g, axes));
}
