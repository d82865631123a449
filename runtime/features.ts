/** Feature detection: what this engine can run, probed once with tiny modules. */
import { EngineError, InputError } from '../contract/errors.js';
import type { RequiredFeatures } from '../contract/manifest.js';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const V128_CONST = [0xfd, 0x0c, ...new Array(16).fill(0)];

/** A module with one function `() -> v128` whose body is `ops`. */
function probe(ops: number[]): Uint8Array<ArrayBuffer> {
  const body = [0x00, ...ops, 0x0b];
  return new Uint8Array([
    ...HEADER,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
    0x03, 0x02, 0x01, 0x00, // function section
    0x0a, body.length + 2, 0x01, body.length, ...body, // code section
  ]);
}

export interface EngineFeatures {
  readonly simd: boolean;
  readonly relaxedSimd: boolean;
  /** Shared memory and atomics (in browsers: a cross-origin isolated page). */
  readonly threads: boolean;
}

let cached: EngineFeatures | undefined;

export function detectFeatures(): EngineFeatures {
  if (cached) return cached;
  const ok = (bytes: Uint8Array<ArrayBuffer>) => {
    try {
      return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
    } catch {
      return false;
    }
  };
  const simd = ok(probe(V128_CONST));
  const relaxedSimd = ok(probe([...V128_CONST, ...V128_CONST, ...V128_CONST, 0xfd, 0x85, 0x02])); // f32x4.relaxed_madd
  let threads = false;
  try {
    threads = typeof SharedArrayBuffer === 'function' &&
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    threads = false;
  }
  cached = { simd, relaxedSimd, threads };
  return cached;
}

/**
 * Whether a compile for this engine (a session's, not an artifact to ship) fuses its multiply-adds:
 * as the plan says, else wherever the engine validates relaxed SIMD (Chrome >= 114, Node >= 22). The
 * fused kernels are faster on every shape measured, and a fused product rounds once, not twice.
 */
export function engineRelaxedSimd(asked: unknown): boolean {
  if (asked !== undefined && typeof asked !== 'boolean') throw new InputError(`option relaxedSimd must be a boolean, got ${typeof asked}`);
  return asked ?? detectFeatures().relaxedSimd;
}

/**
 * Whether this thread may block in Atomics.wait: yes in Node and in Web Workers, no on a browser's
 * main thread (it throws there).
 */
export function callerCanBlock(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Throws an EngineError naming every feature `kernel` needs that this engine lacks. */
export function requireFeatures(need: RequiredFeatures, kernel: string, have: EngineFeatures = detectFeatures()): void {
  const missing: string[] = [];
  if (need.simd && !have.simd) missing.push('WebAssembly SIMD (fixed-width simd128: Chrome >= 91, Firefox >= 89, Safari >= 16.4, Node >= 16.4)');
  if (need.relaxedSimd && !have.relaxedSimd) {
    missing.push('WebAssembly relaxed SIMD (Chrome >= 114, Node >= 22, or Node 20 with --experimental-wasm-relaxed-simd); recompile without --relaxed-simd to run here');
  }
  if (need.threads && !have.threads) missing.push('shared memory and atomics (in a browser: a cross-origin isolated page, COOP/COEP headers)');
  if (missing.length) throw new EngineError(`kernel ${kernel} cannot run on this engine: it needs ${missing.join('; and ')}`);
}
