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
import { hearWorker, type SupervisorReport, type SupervisorRequest } from './supervisor_protocol.js';
import { Engine } from './engine.js';
import { ModelError } from '../contract/errors.js';
import { isFusedOf, type Artifact } from '../contract/manifest.js';
import { detectFeatures } from './features.js';
import { checkFileDigests } from './verify.js';
import { checkManifest } from '../contract/manifest_check.js';
import { setPairLoop } from '../contract/artifact_digest.js';
import { pairLanes } from '../contract/digest_wasm.js';
import { log } from './env.js';

// A new process hashes an artifact's files before its JS is optimized: large files in WebAssembly.
setPairLoop(pairLanes);

/** How a session runs in Node (the options of `InferenceSession.create` that are not about compiling). */
export interface NodeRunOptions {
  /**
   * Workers to run on (default: the planner's recommendation for os.availableParallelism() cores,
   * kept only if the first calls run faster on them than on this thread alone; session.note says).
   */
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
  if (engine.workers < (options.workers ?? 1)) log('warning', engine.note);
  return engine;
}

/**
 * Reads an artifact directory written by `rnnc compile`; Engine.create checks what it read. Where
 * the manifest names a fused flavour and this engine has relaxed SIMD, that directory's artifact
 * (the same model's, else a warning and this one).
 */
export async function readArtifact(dir: string, flavours = true): Promise<Artifact> {
  const manifestPath = path.join(dir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    throw new ModelError(`${manifestPath}: cannot read the artifact manifest (${(e as Error).message})`);
  }
  const manifest = checkManifest(json, manifestPath);
  if (flavours && manifest.fused && detectFeatures().relaxedSimd) {
    const fusedDir = path.join(dir, manifest.fused);
    try {
      const fused = await readArtifact(fusedDir, false);
      checkFileDigests(fused, true); // a damaged flavour falls back here, not at the engine
      if (isFusedOf(fused.manifest, manifest)) return fused;
      log('warning', `${fusedDir}: not the fused flavour of ${dir} (${manifest.fusedKey ? `key ${fused.manifest.key}, where the manifest names ${manifest.fusedKey}` : 'name, inputs or outputs differ'}); running the plain flavour`);
    } catch (e) {
      log('warning', `${fusedDir}: cannot read the fused flavour (${(e as Error).message}); running the plain one`);
    }
  }
  const file = async (name: string) => {
    try {
      return new Uint8Array(await readFile(path.join(dir, name)));
    } catch (e) {
      throw new ModelError(`${path.join(dir, name)}: cannot read the artifact file (${(e as Error).message})`);
    }
  };
  // checkManifest confined every name to a plain file name, so each read stays in `dir`; the
  // engine checks each file's digest.
  // The files are read at once: one after another they wait on the disk in turn.
  const [wasm, image, wasmThreads] = await Promise.all([file(manifest.files.wasm), file(manifest.files.image),
    manifest.files.wasmThreads ? file(manifest.files.wasmThreads) : null]);
  return { manifest, wasm, image, wasmThreads, source: dir };
}

/** The supervisor thread (supervisor_node.ts) and what it started, made with the first worker. */
type Supervisor = { thread: Worker; failures: Map<number, (r: SupervisorReport) => void>; busy: number; next: number; idle: ReturnType<typeof setTimeout> | null };
let supervisor: Supervisor | null = null;

/** How long the supervisor outlives its last worker (a session created right after reuses it). */
const SUPERVISOR_IDLE_MS = 1000;

/**
 * Ends the supervisor once it has had no worker for SUPERVISOR_IDLE_MS. Every pool's memory passed
 * through its heap, which collects them as workers exit (supervisor_node.ts) but kept one session's
 * (about 290 MB of charlm fed 50000 tokens) until the thread ends; the next worker starts a new one.
 */
function retireWhenIdle(s: Supervisor): void {
  if (s.failures.size > 0) return;
  if (s.idle) clearTimeout(s.idle);
  s.idle = setTimeout(() => {
    s.idle = null;
    if (s.failures.size > 0) return;
    if (supervisor === s) supervisor = null;
    void s.thread.terminate();
  }, SUPERVISOR_IDLE_MS);
  s.idle.unref();
}

function supervising(): NonNullable<typeof supervisor> {
  if (supervisor) return supervisor;
  const thread = new Worker(new URL('./supervisor_node.js', import.meta.url));
  const s: Supervisor = { thread, failures: new Map<number, (r: SupervisorReport) => void>(), busy: 0, next: 0, idle: null };
  thread.on('message', (r: SupervisorReport) => s.failures.get(r.key)?.(r));
  thread.on('exit', () => {
    // Its workers went with it: every pool hears of a death.
    if (supervisor === s) supervisor = null;
    for (const fail of s.failures.values()) fail({ key: -1, message: 'the thread that supervises the workers exited', died: true });
  });
  thread.unref();
  supervisor = s;
  return s;
}

/**
 * Starts a compute worker on worker_threads, through the supervisor thread, which hears it die
 * even while this thread computes its share of a call; unreferenced while idle so it never keeps
 * Node alive. (Exported for tests.)
 */
export const spawnNodeWorker: Spawn = (init, events) => {
  const s = supervising();
  const key = s.next++;
  let busy = false, stopped = false;
  const exited = hearWorker(s.failures, key, (m, died) => events.onFailure(m, died), () => stopped);
  void exited.then(() => retireWhenIdle(s));
  s.thread.postMessage({ start: key, init } satisfies SupervisorRequest);
  const setBusy = (on: boolean) => {
    if (on === busy) return;
    busy = on;
    s.busy += on ? 1 : -1;
    if (s.busy > 0) s.thread.ref();
    else s.thread.unref();
  };
  return {
    terminate: () => {
      stopped = true;
      // Referenced until the thread is gone: a fresh pool may be waiting for it.
      setBusy(true);
      void exited.then(() => setBusy(false));
      s.thread.postMessage({ stop: key, expected: true } satisfies SupervisorRequest);
      return exited;
    },
    terminateUnexpectedly: (afterMs) => {
      // Kept alive until the death is reported (a test awaits it, with nothing else running).
      setBusy(true);
      const fail = s.failures.get(key);
      s.failures.set(key, (r) => { if (r.died) setBusy(false); fail?.(r); });
      s.thread.postMessage({ stop: key, expected: false, afterMs } satisfies SupervisorRequest);
    },
    setBusy,
  };
};
