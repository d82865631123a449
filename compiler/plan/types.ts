/** What a cell plan is: the knobs a caller may set, and the resolved decisions the emitters read. */
import type { KernelLayout } from '../../contract/layout.js';
import type { CellDescriptor, CellPhase } from '../cells/index.js';

/** Knobs a caller (or the tuner) may fix; the planner chooses the rest. */
export interface PlanOptions {
  /** Hidden units per recurrent register block: 4, 8 or 16. */
  readonly unitsPerBlock?: number;
  /** Batch rows sharing one pass over a weight panel in the recurrent step (1..4). */
  readonly rowsPerBlock?: number;
  /** Unroll factor of the recurrent k-loop (1..8). */
  readonly kUnroll?: number;
  /**
   * Sum the kUnroll products of an iteration among themselves before adding them to the accumulator
   * (one add per iteration on each loop-carried chain) rather than adding them one by one.
   */
  readonly kTree?: boolean;
  /**
   * Accumulators updated between two fences in the recurrent k-loop (0: none). A fence is a loop exit
   * that is never taken; its path reads the accumulators, so TurboFan must finish a group's sums before
   * the next group's loads, instead of issuing every load of an iteration first (which spills once the
   * accumulators and one iteration's panel vectors outnumber the 16 xmm registers). Needs kTree off.
   */
  readonly kFence?: number;
  /** Input projection tile: rows (1..6) x panel width (4, 8 or 12 floats). */
  readonly gemmRows?: number;
  readonly gemmWidth?: number;
  /** Unroll factor of the input projection k-loop (1..8). */
  readonly gemmKUnroll?: number;
  /**
   * k steps the recurrent k-loop sums into fresh accumulators before adding them to the block's
   * (0: one chain over all of H): shorter rounding chains. 0, 16, 32, 64, 128 or 256.
   */
  readonly kBlock?: number;
  /** The same for the input projection (its GEMM over I, and the per-step pass). */
  readonly gemmKBlock?: number;
  /**
   * Streams the recurrent k-loop reads a panel in: 1, front to back; 2 or 4, each iteration takes an
   * equal share of its k steps from each half or quarter of the panel (the prefetchers follow every
   * stream; kUnroll must be a multiple of the streams).
   */
  readonly kStreams?: number;
  /** Use relaxed SIMD (fused multiply-add); the artifact then needs an engine that has it. */
  readonly relaxedSimd?: boolean;
  /**
   * Walk the unit blocks' R panels last to first on every other timestep, so each step starts on the
   * panels the step before read last (still in the core's L2 when the worker's R share outgrows it).
   */
  readonly alternateBlocks?: boolean;
  /**
   * Where the input projection runs: 'hoisted', one GEMM over the whole sequence before the time
   * loop; 'fused', per timestep and batch row inside it (xpass.ts); 'auto' (default), fused in calls
   * of a single row (seq 1 x batch 1: a streaming step), else hoisted. Decided per call.
   */
  readonly inputProjection?: 'auto' | 'hoisted' | 'fused';
}

/** How a k-loop runs: the per-step input projection's (xpass.ts), and the recurrent step's defaults. */
export interface KSchedule {
  readonly kUnroll: number;
  readonly kTree: boolean;
  readonly kFence: number;
  /** k steps summed into fresh accumulators before they reach the block's (0: one chain; emit/kloop.ts). */
  readonly kBlock: number;
}

/** A cell's decisions: how it is blocked, unrolled and scheduled, before it is placed in memory. */
export interface CellPlan {
  readonly descriptor: CellDescriptor;
  /**
   * How weights, states and activations are stored and computed: f32, 4 bytes (the one type the
   * emitters implement; a narrower storage of R, widened in registers, would be a second value).
   */
  readonly element: { readonly type: 'f32'; readonly bytes: 4 };
  /** Names the descriptor (what is computed): tuning entries and snapshots go by it. */
  readonly descriptorKey: string;
  /**
   * Names the plan: a hash of the descriptor and every decision below, so two plans whose kernels
   * differ never share it (the placed plan's memory offsets are covered by the model plan's key).
   */
  readonly key: string;
  /**
   * Kernel name, what then how: e.g. `lstm_f32_u4r1__wasmsimd_k2`; a GEMM tile other than 4x8
   * adds `_g<rows>x<width>[k<unroll>]`. For people: the key, not the name, is complete.
   */
  readonly kernelName: string;
  /** X rows are batch-major ([batch, seq, I]): layout 1, or a folded batch-first Transpose. */
  readonly inputBatchMajor: boolean;
  /** The recurrent passes of a timestep (the cell's phases: gates, and the row R multiplies). */
  readonly phases: readonly CellPhase[];
  /** Hidden units per recurrent register block. */
  readonly unitsPerBlock: number;
  /** Batch rows per recurrent register block. */
  readonly rowsPerBlock: number;
  readonly kUnroll: number;
  readonly kTree: boolean;
  /** Accumulators between fences in the recurrent k-loop; 0: no fences (PlanOptions.kFence). */
  readonly kFence: number;
  /** k steps of the recurrent k-loop summed apart before they reach the accumulators (0: one chain). */
  readonly kBlock: number;
  /** Streams the recurrent k-loop reads each panel in (PlanOptions.kStreams). */
  readonly kStreams: number;
  readonly gemmRows: number;
  /** Input projection panel width in floats. */
  readonly gemmWidth: number;
  readonly gemmKUnroll: number;
  /** k steps of the input projection's tiles summed apart before they reach the accumulators (0: one chain). */
  readonly gemmKBlock: number;
  readonly relaxedSimd: boolean;
  /** Every other timestep accumulates the unit blocks last to first (PlanOptions.alternateBlocks). */
  readonly alternateBlocks: boolean;
  /**
   * A call with fewer rows (seq x batch) than this projects its input per step
   * (PlanOptions.inputProjection): 0 never, FUSE_ALWAYS always.
   */
  readonly fuseInputBelow: number;
  readonly inputPass: KSchedule;
  /** Unit blocks a worker claims at once from its own range of a recurrent phase (multi-worker module). */
  readonly claimBlocks: number;
  /** Hidden size rounded up to a whole number of blocks. */
  readonly hiddenPadded: number;
  /** Floats per row of the input projection output (G*Hp rounded up to the panel width). */
  readonly xwStride: number;
  /** Why each choice was made, for `rnnc plan`. */
  readonly reasons: readonly string[];
}

/** How one cell is computed, placed in a module's memory; the emitters' only input. */
export interface Plan extends CellPlan {
  /** Prefix of the wasm functions emitted for this node. */
  readonly symbol: string;
  readonly layout: KernelLayout;
  /** Scratch buffers of the recurrent step: two h ping-pong buffers, then the cell's rows (LSTM c, GRU z and r*h). */
  readonly scratch: { readonly hA: number; readonly hB: number;
    /** The cell's scratch rows (CellSpec.scratch) by name: [batch][Hp] floats each. */
    readonly rows: Readonly<Record<string, number>>;
    /** Gate pre-activations of one timestep, [batch][unit block][gate][unit]: the step's two passes meet here. */
    readonly pre: number;
    /** Per direction, the address of the h buffer holding the state after the last call (0: none yet). */
    readonly stateCell: number;
    /** One XW row per batch row, when the input projection runs per step. */
    readonly xwRows: number;
    /** The worker partition of the unit blocks (plan/partition.ts): a table the module reads. */
    readonly partition: number };
}

/** Plan.fuseInputBelow of inputProjection 'fused': above any seq x batch (an i32). */
export const FUSE_ALWAYS = 0x7fffffff;
