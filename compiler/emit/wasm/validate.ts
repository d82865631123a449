/**
 * The engine's check of an encoded module, in place of binaryen's validator: every module rnnc
 * builds is validated before it is returned. An engine without relaxed SIMD (Node 20 without
 * --experimental-wasm-relaxed-simd) cannot read a module that uses it: such a module goes unchecked
 * here, and the encoder's tests check it with binaryen's validator instead.
 */
import { InternalError } from '../../../contract/errors.js';

// (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd))
const PROBE_BODY = [0x00, ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), 0xfd, 0x85, 0x02, 0x0b];
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, PROBE_BODY.length + 2, 0x01, PROBE_BODY.length, ...PROBE_BODY,
]);
let relaxed: boolean | undefined;

/** Whether this engine reads relaxed SIMD. */
export function engineHasRelaxedSimd(): boolean {
  return (relaxed ??= WebAssembly.validate(RELAXED_PROBE));
}

/** True when the engine accepts `wasm`, or cannot read the relaxed SIMD it uses. */
export function engineValidates(wasm: Uint8Array, f: { readonly relaxedSimd: boolean }): boolean {
  if (f.relaxedSimd && !engineHasRelaxedSimd()) return true;
  return WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>);
}

/** Throws an InternalError naming `what` and the engine's reason when it rejects `wasm`. */
export function checkModule(wasm: Uint8Array, f: { readonly relaxedSimd: boolean }, what: string): void {
  if (engineValidates(wasm, f)) return;
  let reason = 'rejected';
  try {
    new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  } catch (e) {
    reason = (e as Error).message;
  }
  throw new InternalError(`${what} does not validate: ${reason}`);
}
