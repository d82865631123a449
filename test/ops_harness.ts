/**
 * Test harness for the emitters of compiler/emit: builds a one-kernel module (validated, then
 * optimized as kernels are), instantiates it over one shared memory, and hands out scratch regions.
 */
import * as assert from 'uvu/assert';
import { Builder } from '../compiler/emit/ir.js';
import { loadBinaryen } from '../compiler/emit/wasm/binaryen.js';

// The kernels here run after binaryen's -O3 too (`build`'s default), so binaryen is loaded.
await loadBinaryen();

const PAGE = 65536;
/** The memory every test module imports; regions are handed out from BASE upwards. */
export const memory = new WebAssembly.Memory({ initial: 64, maximum: 4096 });
const BASE = 1024;

/** An exported kernel: i32 arguments, no result. */
export type Kernel = (...args: number[]) => void;

/** Builds a module with `emit` (which adds the functions `names`), exports them and instantiates it. */
export function build(emit: (b: Builder) => void, names: readonly string[], optimize = true): Record<string, Kernel> {
  const b = new Builder({ simd: true, relaxedSimd: false, threads: false });
  try {
    b.importMemory(1, 32768);
    emit(b);
    for (const n of names) b.exportFunction(n);
    assert.ok(b.validate(), `module with ${names.join(', ')} validates`);
    if (optimize) b.optimize();
    const bytes = b.emitBinary();
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), { env: { memory } });
    return instance.exports as unknown as Record<string, Kernel>;
  } finally {
    b.dispose();
  }
}

/** A bump allocator over `memory`: regions of 4-byte elements, 16-byte aligned plus `skew` bytes. */
export class Arena {
  private next = BASE;
  /** Returns the byte offset of a new region of `n` elements. */
  alloc(n: number, skew = 0): number {
    const at = Math.ceil(this.next / 16) * 16 + skew;
    this.next = at + n * 4 + 64;
    const need = this.next - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / PAGE));
    return at;
  }
  f32(at: number, n: number): Float32Array {
    return new Float32Array(memory.buffer, at, n);
  }
  i32(at: number, n: number): Int32Array {
    return new Int32Array(memory.buffer, at, n);
  }
  /** Writes `data` into a new region and returns its offset. */
  put(data: Float32Array | Int32Array, skew = 0): number {
    const at = this.alloc(data.length, skew);
    (data instanceof Float32Array ? this.f32(at, data.length) : this.i32(at, data.length)).set(data);
    return at;
  }
}

/** Largest |got - want| / (rel ? max(|want|, 1e-30) : 1), NaN when the shapes differ or got has a NaN where want has none. */
export function maxError(got: ArrayLike<number>, want: ArrayLike<number>, rel = false): number {
  if (got.length !== want.length) return NaN;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    if (Number.isNaN(want[i]) && Number.isNaN(got[i])) continue;
    if (want[i] === got[i]) continue;
    const e = Math.abs(got[i] - want[i]) / (rel ? Math.max(Math.abs(want[i]), 1e-30) : 1);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

/** Random floats in [lo, hi). */
export function randomF32(rng: () => number, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}
