/**
 * The artifact manifest: what `rnnc compile` writes next to the kernel and what the runtime reads.
 * It is the contract between compiler and runtime; the runtime needs nothing else from the compiler.
 */
import type { KernelLayout } from './layout.js';

export const MANIFEST_FORMAT = 'rnnc-artifact';
export const MANIFEST_VERSION = 1;

export type InputRole = 'X' | 'W' | 'R' | 'B' | 'sequence_lens' | 'initial_h' | 'initial_c' | 'P';
export type OutputRole = 'Y' | 'Y_h' | 'Y_c';

/** Wasm features the kernel needs; the runtime refuses an artifact the engine cannot run. */
export interface RequiredFeatures {
  readonly simd: true;
  readonly relaxedSimd: boolean;
  readonly threads: boolean;
}

export interface ManifestInput {
  readonly name: string;
  readonly role: InputRole;
  readonly dtype: 'float32' | 'int32';
  /** Declared dims; strings are symbolic. */
  readonly dims: readonly (number | string)[];
}

export interface ManifestOutput {
  readonly name: string;
  readonly role: OutputRole;
}

/** A constant operator input stored raw in the artifact (`constants` file, little-endian). */
export interface ManifestConstant {
  readonly role: InputRole;
  readonly dtype: 'float32' | 'int32';
  readonly dims: readonly number[];
  /** Byte offset in the constants file. */
  readonly offset: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  /** The node compiled (for messages). */
  readonly node: string;
  /** Descriptor key and kernel name (what, then how). */
  readonly key: string;
  readonly kernel: string;
  readonly features: RequiredFeatures;
  /** Feature flags of the descriptor the runtime acts on. */
  readonly cell: {
    readonly direction: 'forward' | 'reverse' | 'bidirectional';
    readonly hasSequenceLens: boolean;
    readonly hasInitialH: boolean;
    readonly hasInitialC: boolean;
  };
  readonly layout: KernelLayout;
  readonly inputs: readonly ManifestInput[];
  readonly outputs: readonly ManifestOutput[];
  readonly constants: readonly ManifestConstant[];
  /** File names inside the artifact directory. */
  readonly files: {
    readonly wasm: string;
    /** Image of linear memory [weightsBegin, weightsEnd) when every weight is a constant. */
    readonly weights: string | null;
    readonly constants: string | null;
  };
  /** The plan, for people and tools (`rnnc plan`); the runtime does not read it. */
  readonly plan: unknown;
}

/** A loaded artifact: manifest plus file contents. */
export interface Artifact {
  readonly manifest: Manifest;
  readonly wasm: Uint8Array | WebAssembly.Module;
  readonly weights: Uint8Array | null;
  readonly constants: Uint8Array | null;
}
