/**
 * The artifact manifest: what `rnnc compile` writes next to the module and what the runtime reads.
 * It is the whole contract between compiler and runtime; the runtime needs nothing else.
 */
import type { KernelLayout } from './layout.js';

export const MANIFEST_FORMAT = 'rnnc-artifact';
/**
 * 3: the multi-worker module imports env.expired (the calling thread's clock check).
 * 4: the barrier counts each worker's arrivals on a line of its own (a larger control block), and
 * modules keep their constants in low memory.
 * 5: the worker recommendation lists a count per number of cores (workers.byCores), and each
 * recurrent node reads its worker partition from a table in the image.
 * 6: the manifest records a digest of each file (digests), and each module carries the digest of
 * the manifest's bound fields in its custom section `rnnc.manifest` (contract/artifact_digest.ts);
 * graph inputs bound to a constant at compile time are listed (bound); the single-worker module
 * imports env.expired too (its time loop checks the clock).
 */
export const MANIFEST_VERSION = 6;

import type { Dim } from './dims.js';

export type { Dim } from './dims.js';

/** Wasm features the module needs; the runtime refuses an artifact the engine cannot run. */
export interface RequiredFeatures {
  readonly simd: true;
  readonly relaxedSimd: boolean;
  readonly threads: boolean;
}

/** A graph input or output and the buffer behind it. */
export interface ManifestIO {
  readonly name: string;
  /** Element type in memory. */
  readonly dtype: 'float32' | 'int32';
  /** Type the caller may also pass (int64 indices are narrowed to int32). */
  readonly accepts: readonly ('float32' | 'int32' | 'int64')[];
  readonly dims: readonly Dim[];
  readonly buffer: number;
  /** When an axis is a product (seq*batch after a Reshape): axis i spans `groups[i]` entries of dims. */
  readonly groups?: readonly number[];
}

/**
 * A graph input the compiler bound to a constant (`--bind sr=16000`): the module no longer reads it;
 * a call may leave it out, and one that feeds it must feed this value.
 */
export interface ManifestBound {
  readonly name: string;
  readonly accepts: readonly ('float32' | 'int32' | 'int64')[];
  readonly dims: readonly number[];
  readonly value: readonly number[];
}

/** A run-time buffer; the runtime places it after the static area for each call. */
export interface ManifestBuffer {
  readonly dims: readonly Dim[];
  /** Extra bytes past the end that a kernel may touch (e.g. full-width GEMM stores). */
  readonly slack: number;
}

/** Where an RNN node fed its weights as graph inputs wants them packed, before each call. */
export interface FedWeights {
  readonly node: string;
  readonly layout: KernelLayout;
  /** Buffer ids (or -1 when absent) of W, R, B, P. */
  readonly W: number;
  readonly R: number;
  readonly B: number;
  readonly P: number;
}

/** Values the runtime checks before a call: gather indices within a table, lengths within seq. */
export interface RangeCheck {
  readonly buffer: number;
  /** Indices in [-rows, rows) (ONNX Gather), or lengths in [0, seq] when 'seq'. */
  readonly bound: number | 'seq';
  /** Names the tensor and the node in messages. */
  readonly what: string;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  /** The model (graph name or file). */
  readonly model: string;
  /** Names exactly one artifact: a hash of the rnnc version, the program, the image and every step's plan. */
  readonly key: string;
  /** Kernel names of the RNN nodes, in step order (what, then how). */
  readonly kernels: readonly string[];
  readonly features: RequiredFeatures;
  /** The largest batch the module accepts. */
  readonly maxBatch: number;
  readonly inputs: readonly ManifestIO[];
  /** Graph inputs bound to constants at compile time. */
  readonly bound: readonly ManifestBound[];
  readonly outputs: readonly ManifestIO[];
  readonly buffers: readonly ManifestBuffer[];
  /** The static memory image [imageBegin, imageEnd): packed weights and constants. */
  readonly imageBegin: number;
  readonly imageEnd: number;
  /** Where the runtime writes the buffer offsets (one i32 per buffer) before each call. */
  readonly tableOffset: number;
  /** The control block of multi-worker runs (contract/control.ts). */
  readonly controlOffset: number;
  /**
   * The planner's worker count for this model by the target's cores, and why: byCores[c - 1] on a
   * machine with c cores, the last entry for machines with more (recommendedWorkers).
   */
  readonly workers: { readonly byCores: readonly number[]; readonly reasons: readonly string[] };
  /** First byte free for run-time buffers. */
  readonly staticEnd: number;
  readonly fedWeights: readonly FedWeights[];
  /** Buffers of inputs that only feed RNN initial states (optional when a streaming call resumes). */
  readonly stateInputs: readonly number[];
  /** Whether every RNN runs forward, so the model can be streamed step by step. */
  readonly streamable: boolean;
  readonly checks: readonly RangeCheck[];
  /** File names inside the artifact directory. */
  readonly files: {
    /** The single-worker module (plain memory). */
    readonly wasm: string;
    /** The multi-worker module (shared memory, atomics), when built. */
    readonly wasmThreads: string | null;
    readonly image: string;
  };
  /**
   * fileDigest (contract/artifact_digest.ts) of each file as written, null where `files` names
   * none: the runtime refuses a file changed, truncated or swapped after compiling.
   */
  readonly digests: {
    readonly wasm: string;
    readonly wasmThreads: string | null;
    readonly image: string;
  };
  /** The program and the plans, for people and tools (`rnnc plan`); the runtime does not read it. */
  readonly summary: readonly string[];
  /**
   * A directory in this one holding the same model compiled with fused multiply-adds (relaxed SIMD;
   * `rnnc compile --also-fused`): a loader whose engine has relaxed SIMD takes it instead.
   */
  readonly fused?: string;
  /**
   * The fused flavour's `key` (written with `fused`): a loader takes that directory only when its
   * manifest has this key, so a fused/ of another build of the model is never run in its place.
   */
  readonly fusedKey?: string;
}

/** The files of an artifact, by their key in `files` and `digests`. */
export type ArtifactFile = keyof Manifest['files'];

/** A loaded artifact: manifest plus file contents. */
export interface Artifact {
  readonly manifest: Manifest;
  readonly wasm: Uint8Array | WebAssembly.Module;
  readonly wasmThreads: Uint8Array | WebAssembly.Module | null;
  /** Bytes of the static image, [imageBegin, imageEnd). */
  readonly image: Uint8Array;
  /** Where it was read from (a directory or URL), to name its files in messages. */
  readonly source?: string;
}

/**
 * Whether `fused` may run in `plain`'s place: the key `plain` names for it (artifacts written before
 * `fusedKey`: the same name, batch, inputs, outputs and streaming).
 */
export function isFusedOf(fused: Manifest, plain: Manifest): boolean {
  return plain.fusedKey !== undefined ? fused.key === plain.fusedKey : sameInterface(fused, plain);
}

/** Whether two manifests are of the same model to a caller: its name, inputs and outputs. */
export function sameInterface(a: Manifest, b: Manifest): boolean {
  const face = (m: Manifest) => JSON.stringify([m.model, m.maxBatch, m.inputs, m.outputs, m.streamable]);
  return face(a) === face(b);
}

/** The planner's worker count for a machine with `cores` cores. */
export function recommendedWorkers(m: Pick<Manifest, 'workers'>, cores: number): number {
  const by = m.workers.byCores;
  return by[Math.min(Math.max(1, Math.floor(cores)), by.length) - 1] ?? 1;
}
