/**
 * `env`: process-wide settings, shaped like onnxruntime-web's `ort.env`, read when a session is
 * created. `env.wasm.numThreads` is the default worker count, `env.wasm.wasmPaths` where the
 * browser build finds rnnc-worker.js, `env.logLevel` which of rnnc's notes reach the console.
 */
import { InputError } from '../contract/errors.js';
import { MAX_WORKERS } from '../contract/control.js';
import { RNNC_VERSION } from '../contract/version.js';

/** Levels of `env.logLevel`, least severe first (onnxruntime's names). */
export const LOG_LEVELS = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings of `env.wasm`. */
export interface WasmEnv {
  /**
   * Workers a session runs on when its options name none (intraOpNumThreads, workers); 0 or
   * unset: the planner's recommendation for this machine's cores. 1 runs on the calling thread.
   */
  numThreads?: number;
  /**
   * Browser: the URL prefix (a directory, ending in '/') where rnnc-worker.js lies; default: next
   * to the rnnc module itself. Node ignores it.
   */
  wasmPaths?: string | { readonly href: string };
  /** Accepted for onnxruntime's sake; rnnc has no proxy worker (the compute workers never block the page). */
  proxy?: boolean;
  /** Accepted for onnxruntime's sake: rnnc picks SIMD by the artifact (and relaxed SIMD where the engine has it). */
  simd?: boolean;
}

/** rnnc's `env`. */
export interface Env {
  wasm: WasmEnv;
  /** Which notes reach the console (default 'warning': why a session runs on fewer workers). */
  logLevel?: LogLevel;
  /** Accepted for onnxruntime's sake; no effect. */
  debug?: boolean;
  /** Versions, as onnxruntime's `env.versions` (its keys name its packages; here rnnc's). */
  readonly versions: { readonly rnnc: string };
}

/** The process-wide settings (one object, shared by every entry of the package). */
export const env: Env = { wasm: {}, logLevel: 'warning', versions: { rnnc: RNNC_VERSION } };

/** The worker count `env.wasm.numThreads` asks for, or undefined (the recommendation); checked. */
export function envWorkers(): number | undefined {
  const n = env.wasm.numThreads;
  if (n === undefined || n === 0) return undefined;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS)) {
    throw new InputError(`env.wasm.numThreads must be an integer in 0..${MAX_WORKERS} (0: this machine's recommendation), got ${String(n)}`);
  }
  return n;
}

/** Writes a note to the console when `env.logLevel` lets `level` through. */
export function log(level: LogLevel, message: string): void {
  const at = LOG_LEVELS.indexOf(env.logLevel ?? 'warning');
  if (at < 0) throw new InputError(`env.logLevel must be one of ${LOG_LEVELS.map((l) => `'${l}'`).join(', ')}, got ${String(env.logLevel)}`);
  if (LOG_LEVELS.indexOf(level) < at) return;
  if (level === 'warning') console.warn(`rnnc: ${message}`);
  else if (level === 'error' || level === 'fatal') console.error(`rnnc: ${message}`);
  else console.log(`rnnc: ${message}`);
}
