/**
 * An ONNX model compiled in this process (api/node.ts), as a session sees it: what the model
 * declares and which of its inputs a call decides (its facts), and the compile for the sizes a call
 * is fed. The facts are read once by the compiler (api/in_process.ts) and kept in the artifact cache
 * beside the artifacts, so a session of a cached model is made from them without importing the
 * compiler; the compiler loads only when an artifact is missing.
 */
import { availableParallelism } from 'node:os';
import type { ModelCompileOptions } from '../compiler/index.js';
import type { Artifact } from '../contract/manifest.js';
import type { Declared } from '../runtime/session.js';
import { importCompiler } from './compiler_import.js';
import { engineRelaxedSimd } from '../runtime/features.js';

/** How to compile: the subset of the session options the compiler reads. */
export interface CompileSettings {
  readonly batch?: number;
  readonly workers?: number;
  readonly plan?: Record<string, unknown>;
  readonly shapes?: Readonly<Record<string, readonly number[]>>;
  readonly bind?: Readonly<Record<string, number | readonly number[]>>;
  readonly freeDimensionOverrides?: Readonly<Record<string, number>>;
}

/** What a session needs to know of a model before compiling it: plain JSON, kept in the cache. */
export interface ModelFacts {
  /** The inputs (less those the bind option binds) and outputs the model declares. */
  readonly declared: Declared;
  /** Inputs whose sizes a call decides (neither an RNN's sequence nor batch axis). */
  readonly open: readonly string[];
  /** Small integer inputs an If's condition comes from: compiled per value. */
  readonly control: readonly string[];
  /** Sizes of open inputs known before a run: the shapes option, and what freeDimensionOverrides fix. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

/** The options the facts depend on (the rest, plan and workers, only change the compile). */
export function factsOptions(source: string, settings: CompileSettings): Record<string, unknown> {
  return { source, batch: settings.batch, shapes: settings.shapes, bind: settings.bind, freeDimensionOverrides: settings.freeDimensionOverrides };
}

/** A model compiled in-process, for the sizes and control values each call brings. */
export interface InProcessModel extends ModelFacts {
  /** The model's bytes (the cache's key starts from them). */
  readonly bytes: Uint8Array;
  /** The compile options for these open sizes and control values, and batch up to `batch` (default: the option's). */
  settings(shapes: Record<string, number[]>, bind: Record<string, number[]>, batch?: number): ModelCompileOptions;
  /** Compiles with settings() options (importing the compiler the first time). */
  compile(options: ModelCompileOptions): Promise<Artifact>;
}

/** The model of `bytes` with these facts, compiled with `settings`. */
export function inProcessModel(bytes: Uint8Array, source: string, settings: CompileSettings, facts: ModelFacts): InProcessModel {
  const threads = settings.workers === undefined ? undefined : settings.workers > 1;
  return {
    ...facts, bytes,
    // The multi-worker module is built only if this machine's cores would run it (or workers ask for it).
    // Compiled for this engine: fused multiply-adds where it has relaxed SIMD, unless the plan says otherwise.
    settings: (open, control, batch) => ({
      source, batch: batch ?? settings.batch, threads, cores: availableParallelism(),
      shapes: { ...facts.shapes, ...open }, bind: { ...settings.bind, ...control }, ...(settings.plan ?? {}),
      relaxedSimd: engineRelaxedSimd(settings.plan?.relaxedSimd),
    }),
    compile: async (options) => (await importCompiler()).compileModel(bytes, options).artifact,
  };
}

/** The facts if `value` (read from the cache) has their form, else null. */
export function checkedFacts(value: unknown): ModelFacts | null {
  const f = value as Partial<ModelFacts> | null;
  const names = (a: unknown) => Array.isArray(a) && a.every((n) => typeof n === 'string');
  const values = (a: unknown) => Array.isArray(a) && a.every((v) => v && typeof v === 'object' && typeof v.name === 'string'
    && typeof v.type === 'string' && Array.isArray(v.shape));
  if (!f || typeof f !== 'object' || !names(f.open) || !names(f.control) || !f.shapes || typeof f.shapes !== 'object') return null;
  if (!f.declared || !values(f.declared.inputs) || !values(f.declared.outputs)) return null;
  return f as ModelFacts;
}
