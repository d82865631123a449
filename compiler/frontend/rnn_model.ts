/**
 * A single-RNN-node model as rnnc sees it after import: the descriptor (what to compile), which ONNX
 * inputs are fed at run time and which are constants baked into the artifact, and the outputs.
 */
import type { CellDescriptor } from '../cells/descriptor.js';

import type { InputRole, OutputRole } from '../onnx/shapes.js';

export { INPUT_ROLES, OUTPUT_ROLES, type InputRole, type OutputRole } from '../onnx/shapes.js';

/** Tensor element types rnnc exchanges. `sequence_lens` is int32; everything else float32. */
export type DType = 'float32' | 'int32';

/** A graph input the caller feeds at run time. */
export interface FeedSpec {
  /** The ONNX graph input name. */
  readonly name: string;
  /** Which operator input it binds to. */
  readonly role: InputRole;
  readonly dtype: DType;
  /** Dims as the graph declares them; a string is a symbolic dim (e.g. 'seq', 'batch'). */
  readonly dims: readonly (number | string)[];
}

/** A graph output. */
export interface OutputSpec {
  readonly name: string;
  readonly role: OutputRole;
}

/** A constant (initializer or Constant node) bound to an operator input. */
export interface ConstantTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array | Int32Array;
}

/** A model holding one LSTM, GRU or RNN node, ready for planning. */
export interface RnnModel {
  /** The node's name (or `<op>_0` when the node is unnamed), used in messages. */
  readonly nodeName: string;
  /** ONNX opset of the default domain. */
  readonly opset: number;
  readonly descriptor: CellDescriptor;
  /** Inputs fed at run time, in graph order. */
  readonly feeds: readonly FeedSpec[];
  /** Operator inputs bound to constants. */
  readonly constants: Partial<Record<InputRole, ConstantTensor>>;
  /** Graph outputs the node produces, in graph order. */
  readonly outputs: readonly OutputSpec[];
}
