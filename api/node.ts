/**
 * The Node entry of rnnc (the package main): `InferenceSession.create(pathOrBytes)` loads an
 * artifact directory made by `rnnc compile`, or compiles an ONNX model (path or bytes) in-process.
 * It composes the two halves: the runtime (loading, workers) and, only when a model needs compiling,
 * the compiler (imported lazily, so a runtime-only user never loads binaryen).
 */
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { ModelError, RnncError } from '../contract/errors.js';
import type { Artifact } from '../contract/manifest.js';
import { createNodeEngine, readArtifact, type NodeRunOptions } from '../runtime/node.js';
import { ArtifactSession } from '../runtime/session.js';

export * from '../runtime/index.js';
export { readArtifact, spawnNodeWorker } from '../runtime/node.js';

/** Options of `InferenceSession.create`. */
export interface SessionOptions extends NodeRunOptions {
  /** Largest batch to compile for when an ONNX model leaves batch symbolic (default 1). */
  readonly batch?: number;
  /** Plan overrides (register block, unrolling, relaxed SIMD) when compiling an ONNX model. */
  readonly plan?: Record<string, unknown>;
}

/** An rnnc session in Node. */
export class InferenceSession extends ArtifactSession {
  /**
   * Creates a session from an artifact directory, an ONNX file path, ONNX model bytes, or a loaded
   * Artifact. ONNX models are compiled in-process (needs the compiler's dependencies).
   */
  static async create(model: string | Uint8Array | ArrayBuffer | Artifact, options: SessionOptions = {}): Promise<InferenceSession> {
    return new InferenceSession(await createNodeEngine(await loadArtifact(model, options), options));
  }
}

async function loadArtifact(model: string | Uint8Array | ArrayBuffer | Artifact, options: SessionOptions): Promise<Artifact> {
  if (typeof model === 'string') {
    let isDir: boolean;
    try {
      isDir = (await stat(model)).isDirectory();
    } catch {
      throw new ModelError(`${model}: no such file or directory`);
    }
    if (isDir) return readArtifact(model);
    return compileBytes(new Uint8Array(await readFile(model)), model, options);
  }
  if (model instanceof Uint8Array) return compileBytes(model, 'model bytes', options);
  if (model instanceof ArrayBuffer) return compileBytes(new Uint8Array(model), 'model bytes', options);
  if (model && typeof model === 'object' && 'manifest' in model) return model;
  throw new RnncError('InferenceSession.create expects a path, ONNX model bytes or an rnnc Artifact');
}

async function compileBytes(bytes: Uint8Array, source: string, options: SessionOptions): Promise<Artifact> {
  const { compileModel } = await import('../compiler/index.js');
  const threads = options.workers === undefined ? undefined : options.workers > 1;
  // The multi-worker module is built only if this machine's cores would run it (or workers ask for it).
  return compileModel(bytes, { source, batch: options.batch, threads, cores: availableParallelism(), ...(options.plan ?? {}) }).artifact;
}
