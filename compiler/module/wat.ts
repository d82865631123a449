/** The text form of a kernel and an independent validation of its binary, both through wabt. */
import wabtInit from 'wabt';
import { EngineError } from '../../contract/errors.js';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | undefined;

const FEATURES = { simd: true, relaxed_simd: true, threads: true, bulk_memory: true, sat_float_to_int: true, sign_extension: true, mutable_globals: true };

/** Validates `wasm` with wabt and returns its text form. */
export async function toWat(wasm: Uint8Array, what = 'kernel'): Promise<string> {
  const w = await (wabt ??= wabtInit());
  const mod = w.readWasm(wasm, { readDebugNames: true, ...FEATURES });
  try {
    try {
      mod.validate();
    } catch (e) {
      throw new EngineError(`${what}: wabt rejects the module: ${(e as Error).message}`);
    }
    mod.generateNames();
    mod.applyNames();
    return mod.toText({ foldExprs: false, inlineExport: false });
  } finally {
    mod.destroy();
  }
}
