/**
 * compiler/emit/ir.ts's constant pool: splat constants loaded from low memory, written by the module's
 * start function; zero and the constants past a full pool stay inline.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Builder } from '../compiler/emit/ir.js';
import { loadBinaryen } from '../compiler/emit/wasm/binaryen.js';

await loadBinaryen(); // the text form and -O3

/** A module whose `f(out)` stores the given splat constants at out, out+16, ...; pool of `slots`. */
function build(consts: readonly ({ f32: number } | { i32: number })[], slots: number) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  new Uint8Array(memory.buffer).fill(0xee); // the pool must be written by the start function
  const b = new Builder({ simd: true, relaxedSimd: false, threads: false });
  try {
    b.importMemory(1, 1);
    b.useConstantPool(256, 256 + 16 * slots);
    const s = b.scope(['i32']);
    const out = () => s.get(s.param(0));
    s.finish('f', b.seq(consts.map((c, i) => b.vstore(out(), 16 * i, 'f32' in c ? b.vconst(c.f32) : b.vconstI(c.i32)))), 'f');
    b.finishConstantPool();
    assert.ok(b.validate(), 'validates');
    b.optimize();
    const text = b.emitText();
    const instance = new WebAssembly.Instance(new WebAssembly.Module(b.emitBinary() as Uint8Array<ArrayBuffer>), { env: { memory } });
    return { memory, f: instance.exports.f as (out: number) => void, text };
  } finally {
    b.dispose();
  }
}

test('pooled constants are written at instantiation and loaded; a repeated one shares its slot', () => {
  const { memory, f } = build([{ f32: 1.5 }, { f32: -2 }, { i32: 0x3f800000 }, { f32: 1.5 }, { f32: -0 }], 8);
  const pool = new Uint32Array(memory.buffer, 256, 16);
  // 1.5, -2, then 0x3f800000 (1.0), then -0 (0x80000000): four slots, in order of first use.
  const bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
  assert.equal([...pool.subarray(0, 16)], [bits(1.5), bits(1.5), bits(1.5), bits(1.5), bits(-2), bits(-2), bits(-2), bits(-2),
    0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000, 0x80000000, 0x80000000, 0x80000000, 0x80000000]);
  f(4096);
  const got = new Float32Array(memory.buffer, 4096, 20);
  const want = [1.5, -2, 1, 1.5, -0].flatMap((x) => [x, x, x, x]);
  assert.equal([...got].map((x) => Object.is(x, -0) ? '-0' : x), want.map((x) => Object.is(x, -0) ? '-0' : x));
  assert.is(new Uint32Array(memory.buffer, 256 + 4 * 16, 4)[0], 0xeeeeeeee, 'nothing written past the used slots');
});

test('zero and the constants past a full pool stay inline, with the same values', () => {
  const { memory, f, text } = build([{ f32: 0 }, { f32: 3 }, { f32: 4 }, { f32: 5 }, { i32: 0 }], 2);
  f(4096);
  const got = new Float32Array(memory.buffer, 4096, 20);
  assert.equal([...got], [0, 3, 4, 5, 0].flatMap((x) => [x, x, x, x]));
  assert.is(new Float32Array(memory.buffer, 256, 8).join(), [3, 3, 3, 3, 4, 4, 4, 4].join(), 'two slots: 3 and 4');
  assert.match(text, /v128\.const i32x4 0x40a00000/, '5 is built inline');
});

test.run();
