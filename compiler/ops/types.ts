/**
 * What an op module is. Each module (one file in this folder, listed in index.ts) holds everything
 * rnnc knows of an ONNX op or family: for the ONNX op types it reads, the shape/type rule, how the
 * seq/batch axes trace through it and its lowering to a program step; for the step kinds it lowers
 * to, the plan of its kernel, its memory, its emitter and its float64 interpretation. The passes
 * (frontend/infer, frontend/axes, frontend/lower, plan/model, module/module, the test interpreter)
 * iterate the registry; none of them names an op.
 */
import type { RangeCheck } from '../../contract/manifest.js';
import type { Dim } from '../../contract/dims.js';
import type { ProgramBuilder } from '../frontend/builder.js';
import type { Ctx } from '../frontend/ctx.js';
import type { GraphNode, LoadedGraph } from '../frontend/load.js';
import type { BufRef, ConstRef, Operand, Program, Step } from '../frontend/program.js';
import type { Val } from '../frontend/value.js';
import type { Builder, Expr, FunctionScope, Local } from '../emit/ir.js';
import type { MachineModel } from '../plan/machine.js';
import type { PlanOptions } from '../plan/cell.js';
import type { CellDescriptor } from '../cells/types.js';

/** Which axes of a value the axis trace follows: its rank when known, axes counted from the end (-1 = last). */
export interface Trail {
  readonly rank: number | null;
  readonly fromEnd: ReadonlyMap<number, 'seq' | 'batch'>;
}

/** What an op's trace hook sees: the node, the trail reaching its output, and the way on. */
export interface TraceCtx {
  readonly node: GraphNode;
  /** The output of the node the trail reached. */
  readonly output: string;
  readonly graph: LoadedGraph;
  readonly trail: Trail;
  /** Follows `trail` on to the value `name` (an input of the node). */
  follow(name: string, trail: Trail): void;
  /** Whether `name` is an initializer or a Constant node's output. */
  isConstant(name: string): boolean;
  /** The integers of an initializer or Constant output, or null. */
  constInts(name: string): number[] | null;
  /** The rank of an initializer or Constant output, or null. */
  constRank(name: string): number | null;
}

/** What an op's lowering sees: its node, its inferred values and the program under construction. */
export interface LowerCtx<D = unknown> {
  readonly node: GraphNode;
  /** What the node's rule recorded with `c.detail` (undefined if nothing). */
  readonly detail: D | undefined;
  readonly b: ProgramBuilder;
  /** The inferred value of a graph value. */
  val(name: string): Val;
  /** The nodes with run-time outputs that read `name`. */
  consumers(name: string): readonly GraphNode[];
  /** What another node's rule recorded. */
  detailOf(node: GraphNode): unknown;
  /** The rules of another node's op. */
  rulesOf(node: GraphNode): NodeRules<any> | undefined;
  isGraphOutput(name: string): boolean;
  /** Whether a run-time consumer or a graph output reads `name`. */
  needed(name: string): boolean;
  /** Marks a consumer this node's step took over (an Add fused into a GEMM as its bias). */
  fuse(node: GraphNode): void;
  /** Records that the value `name` is `x` permuted, read so by its one consumer (no copy). */
  foldTranspose(name: string, x: BufRef, by: GraphNode): void;
  /** The transposed read folded into `name`, if any. */
  foldedTranspose(name: string): { readonly x: BufRef; readonly by: GraphNode } | undefined;
}

/** The rules of one ONNX op type. */
export interface NodeRules<D = unknown> {
  /** Shape/type rule: the values of the node's outputs (null for one it does not produce). */
  infer(c: Ctx<D>): (Val | null)[];
  /** Carries the seq/batch axes of the node's output back to its inputs; absent: the trace stops. */
  trace?(t: TraceCtx): void;
  /** Where the seq and batch axes are known: inputs of this node that carry them (an RNN's X, states, lengths). */
  axisRoots?(node: GraphNode): readonly { readonly input: string; readonly trail: Trail }[];
  /** Lowers the node when some output is computed at run time (else it was folded); absent: always folded. */
  lower?(l: LowerCtx<D>): void;
  /**
   * Whether input `input` may arrive transposed by `perm` and be read so (the consumer side of a
   * folded Transpose: an RNN reading a batch-first X).
   */
  absorbsTranspose?(node: GraphNode, detail: D | undefined, input: number, perm: readonly number[]): boolean;
}

/** Pass 1 of the model plan: a step's decisions, and run-time scratch buffers. */
export interface PlanPass {
  readonly index: number;
  readonly program: Program;
  readonly machine: MachineModel;
  /** The plan options for an RNN node of this descriptor (the model's, a tuned entry's over them). */
  options(d?: CellDescriptor): PlanOptions;
  /** A run-time scratch buffer of these dims (and `slack` bytes past its end); returns its id. */
  buffer(dims: readonly Dim[], slack?: number): number;
  /**
   * `bytes` of static memory that start zeroed and keep their contents between calls (a recurrent
   * state), outside the artifact's image; returns a handle that pass 2 turns into an offset.
   */
  zeroedStatic(bytes: number): number;
}

/** Pass 2 of the model plan: static memory, placed after the buffer table and the constants. */
export interface PlacePass {
  readonly index: number;
  readonly program: Program;
  /** `bytes` of static memory at a 16-byte aligned offset (returned); `fill` writes them into the image. */
  reserve(bytes: number, fill?: (image: Float32Array) => void): number;
  /** The next free static offset (16-byte aligned): where the next `reserve` lands. */
  readonly next: number;
  /** The data of a constant. */
  constant(c: ConstRef): Float32Array | Int32Array;
  /** The offset of a `zeroedStatic` reservation of pass 1. */
  zeroedOffset(handle: number): number;
}

/** Emitting a step inside the module's `run`: where its operands are and how big the call is. */
export interface CallContext {
  readonly b: Builder;
  readonly s: FunctionScope;
  readonly seq: Local;
  readonly batch: Local;
  /** The prefix of this step's wasm functions, unique in the module. */
  readonly name: string;
  /** Address of a buffer (from the table) or a constant (fixed). */
  addr(o: Operand): Expr;
  /** The address of buffer `id`. */
  bufferAddr(id: number): Expr;
  /** Product of dims as an i32 expression (seq and batch from run's parameters). */
  count(dims: readonly Dim[]): Expr;
  /**
   * Multi-worker module: this worker, the worker count and the control block's byte offset (its
   * shared jobs, compiler/emit/share.ts); null in the single-worker one.
   */
  readonly threads: { readonly worker: () => Expr; readonly workers: () => Expr; readonly control: number } | null;
  /** Whether the call continues the previous call's recurrent state (streaming). */
  readonly resume: () => Expr;
  /** The items [from, to) of a kernel that declares `items` (a range of its work); null otherwise. */
  readonly items: { readonly from: () => Expr; readonly to: () => Expr } | null;
}

/** What the float64 interpreter (tests) offers a step. */
export interface Interpreter {
  readonly seq: number;
  readonly batch: number;
  dim(d: Dim): number;
  read(o: Operand): Float64Array;
  write(r: BufRef, v: ArrayLike<number>): void;
}

/** The kernel of one step kind. P is its plan (pass 1), Q its placed plan (pass 2). */
export interface StepKernel<S extends Step = Step, P = unknown, Q = unknown> {
  /** Pass 1: how the kernel runs (tile, SIMD flavour...) and the scratch buffers it needs. */
  plan?(step: S, c: PlanPass): P;
  /** Pass 2: static memory (packed weights, state); the placed plan the emitter reads. */
  place?(step: S, plan: P, c: PlacePass): Q;
  /** Emits the kernel's functions and returns the statement that calls it from `run`. */
  emit(c: CallContext, step: S, placed: Q): Expr;
  /**
   * The kernel shares its work out itself (the recurrence: shared jobs, compiler/emit/share.ts);
   * otherwise the whole step is one job of one item, worker 0's unless another worker gets there first.
   */
  readonly everyWorker?: boolean;
  /** Float64 reference of the step, for tests. */
  interpret(step: S, io: Interpreter): void;
  /**
   * Items the step's work divides into (1..65535), computed alike by whoever takes them: a shared
   * job of that many items (compiler/emit/share.ts), `emit` computing c.items' range. Without it the
   * step is one item.
   */
  items?(step: S, placed: Q): number;
  /**
   * The ranges the step needs its int operands in (Gather indices within the table, lengths within
   * seq), on the buffers it reads. frontend/range_checks.ts moves each back to the graph inputs
   * the values come from, where the runtime checks them before a call.
   */
  checks?(step: S): RangeCheck[];
  /**
   * Present on steps that only move values (a transpose, a slice, a concatenation, a copy): every
   * element of `out` is an element of one of `from`. Range checks are followed back through them.
   */
  moves?(step: S): { readonly out: BufRef; readonly from: readonly Operand[] };
  /** Whether a call may run a timestep at a time, resuming the state the last call left (default yes). */
  streamable?(step: S): boolean;
  /** Operands read only as initial state: a streaming call that resumes may leave them out. */
  stateOperands?(step: S): readonly (Operand | null)[];
  /**
   * Constant operands the kernel reads only in `place`, packing them into its own static memory: a
   * constant no kernel reads otherwise is left out of the module's memory and the artifact.
   */
  packs?(step: S): readonly (Operand | null)[];
  /** Whether the placed plan's kernel uses relaxed SIMD (the module then needs an engine that has it). */
  relaxedSimd?(placed: Q): boolean;
  /** The RNN nodes' cell plans (for the summary, the worker choice and the manifest's kernel names). */
  cellPlan?(placed: Q): import('../plan/cell.js').Plan;
  /** Run-time weights to pack before each call (RNN weights fed as graph inputs). */
  fedWeights?(step: S, placed: Q): import('../../contract/manifest.js').FedWeights | null;
}

/** One op module: the ONNX ops it reads and the step kinds it lowers to. */
export interface OpModule {
  /** Names the module in the "what rnnc compiles" list, e.g. 'MatMul and Gemm (constant weights)'. */
  readonly summary: string;
  /** Folded at compile time only (shape subgraphs): listed apart. */
  readonly foldedOnly?: boolean;
  readonly nodes?: Readonly<Record<string, NodeRules<any>>>;
  readonly steps?: Readonly<Record<string, StepKernel<any, any, any>>>;
}
