/**
 * The runtime's Node platform glue: reading an artifact directory made by `rnnc compile`, compute
 * workers on worker_threads, and an engine over them with this machine's cores. The package's Node
 * entry (api/node.ts) builds InferenceSession on it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Spawn } from './pool.js';
import { Engine } from './engine.js';
import { ModelError } from '../contract/errors.js';
import type { Artifact } from '../contract/manifest.js';
import { checkManifest } from '../contract/manifest_check.js';
import { log } from './env.js';

/** How a session runs in Node (the options of `InferenceSession.create` that are not about compiling). */
export interface NodeRunOptions {
  /** Workers to run on (default: the planner's recommendation for os.availableParallelism() cores). */
  readonly workers?: number;
  /** A call that takes longer rejects with an EngineError and the workers are restarted (default 60000). */
  readonly timeoutMs?: number;
  /**
   * With several workers, this thread computes worker 0's share and `run` blocks the event loop for
   * the call, as it does with one worker (default true: no extra thread competing for the cores).
   * false: every share runs on a worker thread and `run` only awaits them.
   */
  readonly callerComputes?: boolean;
  /**
   * With several workers (and callerComputes): run a call on this thread alone while calls on every
   * worker have lately been slower, as when another process keeps a core busy; all workers are
   * tried again now and then (default true). false: always every worker.
   */
  readonly adaptWorkers?: boolean;
}

/** An engine for `artifact` on this machine's cores, its workers on worker_threads; warns when it runs on fewer workers than asked. */
export async function createNodeEngine(artifact: Artifact, options: NodeRunOptions = {}): Promise<Engine> {
  const engine = await Engine.create(artifact, {
    workers: options.workers, timeoutMs: options.timeoutMs, callerComputes: options.callerComputes,
    adaptWorkers: options.adaptWorkers, cores: availableParallelism(), spawn: spawnNodeWorker,
  });
  if (engine.note && (options.workers ?? 1) > 1) log('warning', engine.note);
  return engine;
}

/** Reads an artifact directory written by `rnnc compile`; Engine.create checks what it read. */
export async function readArtifact(dir: string): Promise<Artifact> {
  const manifestPath = path.join(dir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    throw new ModelError(`${manifestPath}: cannot read the artifact manifest (${(e as Error).message})`);
  }
  const manifest = checkManifest(json, manifestPath);
  const file = async (name: string) => {
    try {
      return new Uint8Array(await readFile(path.join(dir, name)));
    } catch (e) {
      throw new ModelError(`${path.join(dir, name)}: cannot read the artifact file (${(e as Error).message})`);
    }
  };
  // checkManifest confined every name to a plain file name, so each read stays in `dir`; the
  // engine checks each file's digest.
  return {
    manifest, wasm: await file(manifest.files.wasm), image: await file(manifest.files.image),
    wasmThreads: manifest.files.wasmThreads ? await file(manifest.files.wasmThreads) : null, source: dir,
  };
}

/** Starts a compute worker on worker_threads; unreferenced while idle so it never keeps Node alive. (Exported for tests.) */
export const spawnNodeWorker: Spawn = (init, events) => {
  const w = new Worker(new URL('./worker_node.js', import.meta.url), { workerData: init });
  let stopping = false;
  w.on('message', (m: { error?: string }) => { if (m.error) events.onFailure(m.error, false); });
  w.on('error', (e) => events.onFailure(`worker ${init.id} crashed: ${e.message}`, true));
  w.on('exit', (code) => { if (!stopping) events.onFailure(`worker ${init.id} exited (code ${code})`, true); });
  w.unref();
  return {
    terminate: () => { stopping = true; void w.terminate(); },
    terminateUnexpectedly: () => void w.terminate(),
    setBusy: (busy) => (busy ? w.ref() : w.unref()),
  };
};

