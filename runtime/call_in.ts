/**
 * What a call writes into the module's memory before it runs, beside the buffer table: the fed
 * inputs (int64 narrowed to int32, checked), the range checks the compiler asked for, and RNN
 * weights fed as graph inputs, packed into the module's layout.
 */
import { InputError } from '../contract/errors.js';
import { packWeights } from '../contract/layout.js';
import type { Manifest, ManifestIO } from '../contract/manifest.js';
import type { Tensor } from './tensor.js';
import { resolve, type CallPlan } from './call.js';

/** Copies a fed tensor to `at`. */
export function copyIn(memory: WebAssembly.Memory, io: ManifestIO, t: Tensor, at: number): void {
  if (io.dtype === 'float32') {
    new Float32Array(memory.buffer, at, t.data.length).set(t.data as Float32Array);
    return;
  }
  const dst = new Int32Array(memory.buffer, at, t.data.length);
  if (t.data instanceof BigInt64Array) {
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i];
      if (v < -2147483648n || v > 2147483647n) throw new InputError(`input '${io.name}'[${i}] = ${v} does not fit in int32`);
      dst[i] = Number(v);
    }
  } else dst.set(t.data as Int32Array);
}

/** Gather indices within their table, sequence lengths within the call's seq. */
export function checkRanges(memory: WebAssembly.Memory, manifest: Manifest, call: CallPlan): void {
  const i32 = new Int32Array(memory.buffer);
  for (const c of manifest.checks) {
    // The compiler names the graph input the values come from where they come from one.
    const feed = manifest.inputs.find((i) => i.buffer === c.buffer);
    const what = feed && !c.what.startsWith(`input '${feed.name}'`) ? `input '${feed.name}' (${c.what})` : c.what;
    const dims = manifest.buffers[c.buffer].dims.map((d) => resolve(d, call));
    const n = dims.reduce((p, d) => p * d, 1);
    const base = call.offsets[c.buffer] / 4;
    const [lo, hi] = c.bound === 'seq' ? [0, call.seq] : [-c.bound, c.bound - 1];
    for (let k = 0; k < n; k++) {
      const v = i32[base + k];
      if (v < lo || v > hi) throw new InputError(`${what}[${k}] = ${v}; expected ${lo}..${hi}`);
    }
  }
}

/** RNN weights fed as graph inputs (as in ONNX's backend tests) are packed before every call. */
export function packFedWeights(memory: WebAssembly.Memory, manifest: Manifest, call: CallPlan): void {
  const f32 = new Float32Array(memory.buffer);
  const view = (id: number) => {
    if (id < 0) return null;
    const n = manifest.buffers[id].dims.reduce((p: number, d) => p * resolve(d, call), 1);
    return f32.slice(call.offsets[id] / 4, call.offsets[id] / 4 + n);
  };
  for (const w of manifest.fedWeights) {
    packWeights(w.layout, { W: view(w.W)!, R: view(w.R)!, B: view(w.B), P: view(w.P) }, f32);
  }
}
