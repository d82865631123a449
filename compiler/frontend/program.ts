/**
 * The program: what a whole ONNX graph lowers to once shape subgraphs are folded. A list of
 * steps over buffers, each step one kernel of the compiled module, run in order by one wasm call.
 * Plain data (JSON-serializable): the lowering produces it, the module builder and the runtime read it.
 */
import type { CellDescriptor } from '../cells/descriptor.js';

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

/** One RNN node. Weights are constants (initializers) or buffers fed as graph inputs. */
export interface RnnStep {
  readonly op: 'rnn';
  readonly node: string;
  readonly descriptor: CellDescriptor;
  /** X is [batch, seq, I] although the node's layout is 0 (a Transpose folded into the read). */
  readonly inputBatchMajor: boolean;
  readonly x: BufRef;
  readonly W: Operand;
  readonly R: Operand;
  readonly B: Operand | null;
  readonly P: Operand | null;
  readonly sequenceLens: BufRef | null;
  /** Absent when the graph builds zeros (the usual PyTorch Expand of a zero constant). */
  readonly initialH: Operand | null;
  readonly initialC: Operand | null;
  readonly y: BufRef | null;
  readonly yH: BufRef | null;
  readonly yC: BufRef | null;
}

/** Row lookup in an embedding table: out[..., :] = table[indices[...], :]. */
export interface GatherStep {
  readonly op: 'gather';
  readonly node: string;
  readonly table: ConstRef; // [V, E]
  readonly indices: BufRef; // int32, any shape
  readonly out: BufRef; // indices.dims ++ [E]
}

/** out[M, N] = a[M, K] * w[K, N] (+ bias[N]); M is the product of a's leading dims. MatMul, Gemm, MatMul+Add. */
export interface GemmStep {
  readonly op: 'gemm';
  readonly node: string;
  readonly a: BufRef;
  /** [K, N], already transposed at compile time when the model said transB. */
  readonly w: ConstRef;
  readonly bias: ConstRef | null;
  readonly out: BufRef;
}

export interface BinaryStep {
  readonly op: 'binary';
  readonly node: string;
  readonly kind: 'add' | 'sub' | 'mul' | 'div';
  readonly a: Operand;
  readonly b: Operand;
  readonly out: BufRef;
}

export interface UnaryStep {
  readonly op: 'unary';
  readonly node: string;
  readonly kind: 'relu' | 'tanh' | 'sigmoid';
  readonly x: BufRef;
  readonly out: BufRef;
}

/** Softmax or LogSoftmax over the last axis (other axes are transposed away at lowering, if ever needed). */
export interface SoftmaxStep {
  readonly op: 'softmax';
  readonly node: string;
  readonly log: boolean;
  readonly x: BufRef;
  readonly out: BufRef;
}

export interface TransposeStep {
  readonly op: 'transpose';
  readonly node: string;
  readonly perm: readonly number[];
  readonly x: BufRef;
  readonly out: BufRef;
}

export interface ConcatStep {
  readonly op: 'concat';
  readonly node: string;
  readonly axis: number;
  readonly inputs: readonly Operand[];
  readonly out: BufRef;
}

/** Slice with every start/end/step resolved; starts and ends may be symbolic only as `seq`/`batch` bounds. */
export interface SliceStep {
  readonly op: 'slice';
  readonly node: string;
  readonly x: BufRef;
  /** Per axis of x: [start, end, step] after ONNX clamping; end may be 'seq' or 'batch' for a whole axis. */
  readonly ranges: readonly (readonly [number, Dim, number])[];
  readonly out: BufRef;
}

/** A plain copy (a graph output that aliases an input or another output). */
export interface CopyStep {
  readonly op: 'copy';
  readonly node: string;
  readonly x: Operand;
  readonly out: BufRef;
}

export type Step = RnnStep | GatherStep | GemmStep | BinaryStep | UnaryStep | SoftmaxStep | TransposeStep | ConcatStep | SliceStep | CopyStep;

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

/** A whole lowered model. */
export interface Program {
  readonly maxBatch: number;
  readonly inputs: readonly ProgramIO[];
  readonly outputs: readonly ProgramIO[];
  readonly buffers: readonly BufferSpec[];
  readonly constants: readonly ConstantSpec[];
  readonly steps: readonly Step[];
}

export function isConst(o: Operand): o is ConstRef {
  return (o as ConstRef).constant !== undefined;
}
