/**
 * The only file that imports binaryen, and only on demand: rnnc encodes its modules itself
 * (./module.ts), and needs binaryen for two things a default compile never does, its optimizer
 * (`optimize: 'full'`) and its text printer (`text: true`, the golden snapshots). Loading binaryen
 * costs one to four seconds (14.8 MB of JavaScript), so it is imported with `loadBinaryen()` by the
 * entry points that were asked for either, before the (synchronous) compile.
 */
import type BinaryenModule from 'binaryen';
import { InternalError, UnsupportedError } from '../../../contract/errors.js';

type Binaryen = typeof BinaryenModule;
let loaded: Binaryen | null = null;

/** What of binaryen's a module needs read. */
export interface BinaryenFeatures {
  readonly relaxedSimd: boolean;
  readonly threads: boolean;
}

/** Imports binaryen once per process; an UnsupportedError says how to install it where it is missing. */
export async function loadBinaryen(): Promise<void> {
  try {
    loaded ??= (await import('binaryen')).default;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' || !String((e as Error).message).includes("'binaryen'")) throw e;
    throw new UnsupportedError("binaryen's optimizer (optimize: 'full', --optimize full) and the modules' text form need rnnc's optional dependency "
      + "'binaryen', which is not installed (rnnc was installed without optional dependencies?); add it with `npm install binaryen`, or compile without them");
  }
}

/** True once `loadBinaryen` has finished. */
export function binaryenLoaded(): boolean {
  return loaded !== null;
}

function need(what: string): Binaryen {
  if (!loaded) throw new InternalError(`${what} needs binaryen, which loads on demand: await loadBinaryen() (rnnc's compiler exports it) before compiling`);
  return loaded;
}

/** Reads `wasm` with exactly the features rnnc's modules may use, so the optimizer adds no other. */
function read(b: Binaryen, wasm: Uint8Array, f: BinaryenFeatures): BinaryenModule.Module {
  let features = b.Features.MVP | b.Features.SIMD128 | b.Features.BulkMemory | b.Features.BulkMemoryOpt |
    b.Features.NontrappingFPToInt | b.Features.SignExt | b.Features.MutableGlobals;
  if (f.relaxedSimd) features |= b.Features.RelaxedSIMD;
  if (f.threads) features |= b.Features.Atomics;
  const m = b.readBinary(wasm);
  m.setFeatures(features);
  return m;
}

/**
 * binaryen's -O3 (speed) over `wasm`; deterministic for the same input. `keepNames` keeps the name
 * section (for the text form; an artifact's module has none).
 */
export function optimizeBinary(wasm: Uint8Array, f: BinaryenFeatures, keepNames = false): Uint8Array {
  const b = need("optimize: 'full'");
  const m = read(b, wasm, f);
  try {
    if (!m.validate()) throw new InternalError('binaryen rejects the module rnnc encoded (before optimizing)');
    b.setOptimizeLevel(3);
    b.setShrinkLevel(0);
    m.optimize();
    if (!m.validate()) throw new InternalError('the optimized module does not validate');
    b.setDebugInfo(keepNames);
    return m.emitBinary();
  } finally {
    b.setDebugInfo(false);
    m.dispose();
  }
}

/** binaryen's text form of `wasm` (names from its name section). */
export function binaryText(wasm: Uint8Array, f: BinaryenFeatures): string {
  const b = need('the text form of a module');
  const m = read(b, wasm, f);
  try {
    return m.emitText();
  } finally {
    m.dispose();
  }
}

/** Whether binaryen's validator accepts `wasm` (the encoder's tests check it against the engine's). */
export function binaryenValidates(wasm: Uint8Array, f: BinaryenFeatures): boolean {
  const b = need('validating with binaryen');
  const m = read(b, wasm, f);
  try {
    return !!m.validate();
  } finally {
    m.dispose();
  }
}
