/**
 * The program: what a whole ONNX graph lowers to once shape subgraphs are folded. A list of
 * steps over buffers, each step one kernel of the compiled module, run in order by one wasm call.
 * Plain data (JSON-serializable): the lowering produces it, the module builder and the runtime read it.
 */

import type { Dim } from '../../contract/dims.js';

export type { Dim } from '../../contract/dims.js';

export type ElemType = 'float32' | 'int32';

/** A run-time buffer in linear memory; its size is the product of its dims (elements of 4 bytes). */
export interface BufferSpec {
  readonly id: number;
  readonly dtype: ElemType;
  readonly dims: readonly Dim[];
  /** The graph value it holds (for messages and `--verbose`). */
  readonly name: string;
}

/** A buffer seen with some dims (views: Squeeze/Unsqueeze/Reshape/Flatten/Identity need no copy). */
export interface BufRef {
  readonly buffer: number;
  readonly dims: readonly Dim[];
}

/** A compile-time constant, stored in the artifact's constants and placed in linear memory. */
export interface ConstRef {
  readonly constant: number;
  readonly dims: readonly number[];
}

export interface ConstantSpec {
  readonly id: number;
  readonly dtype: ElemType;
  readonly dims: readonly number[];
  readonly name: string;
  /** The values (float32 or int32). */
  readonly data: Float32Array | Int32Array;
}

/** An operand of an elementwise op: a buffer or a constant, broadcast (NumPy rules) to the output. */
export type Operand = BufRef | ConstRef;

/**
 * One step of the program: a kernel of the compiled module, run in order by one wasm call. `op` is
 * the step kind an op module defines (ops/: 'rnn', 'gemm', 'binary', ...), which gives the rest of
 * its fields, its plan, its emitter and its float64 interpretation.
 */
export interface Step {
  readonly op: string;
  /** The ONNX node it comes from (for messages and `--verbose`). */
  readonly node: string;
  /** Runs only when each guard holds: a step of an If branch chosen at run time. */
  readonly when?: readonly Guard[];
}

/** A condition computed at run time: the first element of an int32 buffer, nonzero (or zero). */
export interface Guard {
  readonly buffer: number;
  readonly is: boolean;
}

/** A graph input or output and the buffer behind it. */
export interface ProgramIO {
  readonly name: string;
  readonly dtype: ElemType;
  readonly dims: readonly Dim[];
  readonly buffer: number;
  /** The ONNX element type the graph declares, e.g. 'INT64' for token ids exchanged as int32. */
  readonly onnxType?: string;
  /**
   * Present when an axis of the ONNX value is a product of dims (seq*batch after a Reshape): `dims`
   * then lists the factors and axis i of the value spans `groups[i]` consecutive entries of `dims`.
   */
  readonly groups?: readonly number[];
}

/** A graph input bound to a constant at compile time (`--bind`): not fed to the module. */
export interface BoundIO {
  readonly name: string;
  readonly dtype: ElemType;
  readonly dims: readonly number[];
  readonly value: readonly number[];
}

/** A whole lowered model. */
export interface Program {
  readonly maxBatch: number;
  readonly inputs: readonly ProgramIO[];
  /** Graph inputs bound to constants (absent: none). */
  readonly bound?: readonly BoundIO[];
  readonly outputs: readonly ProgramIO[];
  readonly buffers: readonly BufferSpec[];
  readonly constants: readonly ConstantSpec[];
  readonly steps: readonly Step[];
}

/** How messages name a step: `step #3 (gather of node 'emb')`. */
export function stepLabel(step: Step, index: number): string {
  return `step #${index} (${step.op} of node '${step.node}')`;
}

export function isConst(o: Operand): o is ConstRef {
  return (o as ConstRef).constant !== undefined;
}
