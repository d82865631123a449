/**
 * Whole ONNX models -> programs. `lowerModel` decodes the graph, finds which graph-input axes
 * are the run-time seq and batch, folds the shape subgraphs, and lowers what remains into a list of
 * steps over buffers (see program.ts). Pure data: no wasm, no binaryen.
 */
import { UnsupportedError, internalAt } from '../../contract/errors.js';
import { cellOfOp } from '../cells/index.js';
import { boundInputs, resolveInputAxes } from './axes.js';
import { checkOpsKnown, inferGraph } from './infer.js';
import { type LoadedGraph, allNodes, inputsFeeding, loadGraph } from './load.js';
import { lowerGraph } from './lower.js';
import { DataType } from '../onnx/proto.js';
import { decodeIntTensor, decodeTensor } from '../onnx/tensor.js';
import type { Program } from './program.js';

export type { Program } from './program.js';

/** Options of `lowerModel`. */
export interface LowerOptions {
  /** Largest batch the module is compiled for (`--batch`); default the batch the model declares, else 1. */
  batch?: number;
  /** Names the model (usually its path) in messages; default 'model'. */
  source?: string;
  /**
   * Dims of graph inputs, replacing what the model declares (`--shape input=1x576`): a model whose
   * inputs have sizes that are neither its RNNs' sequence nor batch axes is compiled for given sizes.
   * A sequence or batch axis stays variable (a size given there is the largest batch).
   */
  shapes?: Readonly<Record<string, readonly number[]>>;
  /**
   * Graph inputs bound to a constant (`--bind sr=16000`): the compiler folds what depends on them (an
   * If on the value keeps one branch); the runtime still takes the input and checks its value.
   */
  bind?: Readonly<Record<string, number | readonly number[]>>;
}

/**
 * The graph's inputs and outputs; the inputs whose sizes the model leaves open (a compile needs them
 * given); and its control inputs: small integer inputs an If's condition is computed from (Silero
 * VAD's `sr`), which a caller that knows their value at run time may bind (one branch compiled).
 */
export function openInputs(bytes: Uint8Array, options: LowerOptions = {}): { open: string[]; control: string[]; inputs: string[]; outputs: string[] } {
  const g = loadGraph(bytes, options.source ?? 'model');
  checkRecurrent(g);
  const open = new Set<string>();
  resolveInputAxes(g, options.batch, options.shapes ?? {}, boundInputs(g, options.bind ?? {}), open);
  const control = controlInputs(g).filter((name) => !Object.hasOwn(options.bind ?? {}, name));
  // What can be refused before sizes are known is refused now, not at the first run: ops without
  // rules, and initializers whose data does not match their dims.
  if (open.size > 0 || control.length > 0) {
    checkOpsKnown(g);
    for (const [name, t] of g.initializers) {
      // Integer tensors as wide as they are (Slice ends of -2^63 + 1), floats as the kernels read them.
      if (t.dataType === DataType.INT64 || t.dataType === DataType.INT32 || t.dataType === DataType.BOOL) decodeIntTensor(t, `initializer '${name}'`);
      else decodeTensor(t, `initializer '${name}'`);
    }
  }
  return { open: [...open], control, inputs: g.inputs.map((i) => i.name), outputs: g.outputs.map((o) => o.name) };
}

/** Integer graph inputs of at most 16 elements (or undeclared size) that some If's condition depends on. */
function controlInputs(g: LoadedGraph): string[] {
  const conditions = [...allNodes(g.nodes)].filter((n) => n.op === 'If').map((n) => n.inputs[0]);
  return inputsFeeding(g, conditions).filter((input) => {
    const small = !input.dims || input.dims.every((d) => typeof d === 'number') && input.dims.reduce<number>((p, d) => p * (d as number), 1) <= 16;
    return small && (input.elemType === DataType.INT64 || input.elemType === DataType.INT32);
  }).map((i) => i.name);
}

/** rnnc compiles recurrent models: one without an LSTM, GRU or RNN node is refused, naming its ops. */
function checkRecurrent(g: LoadedGraph): void {
  if ([...allNodes(g.nodes)].some((n) => cellOfOp(n.op))) return;
  const ops = [...new Set([...allNodes(g.nodes)].map((n) => n.op))];
  throw new UnsupportedError(`${g.source}: model has no LSTM, GRU or RNN node (ops found: ${ops.length ? ops.join(', ') : 'none'}); rnnc compiles recurrent models`);
}

/**
 * Lowers a serialized ONNX ModelProto into a program, with a human-readable summary (one line
 * per step or view, then what was folded) for `rnnc compile --verbose`. Throws ModelError for a
 * malformed model and one UnsupportedError listing every node rnnc cannot compile.
 */
export function lowerModel(bytes: Uint8Array, options: LowerOptions = {}): { program: Program; summary: string[] } {
  const source = options.source ?? 'model';
  // The passes name the node at fault themselves; what fails outside a node is named by the model.
  return internalAt(source, () => {
    const g = loadGraph(bytes, source);
    checkRecurrent(g);
    const bound = boundInputs(g, options.bind ?? {});
    const axes = resolveInputAxes(g, options.batch, options.shapes ?? {}, bound);
    return lowerGraph(g, inferGraph(g, axes, bound), bound);
  });
}
