/**
 * fileDigest's word-pair loop (artifact_digest.ts) as a tiny WebAssembly function. A process that
 * loads an artifact hashes its files once, while the JS loop still runs unoptimized: over a 1 MB
 * image it took 3-4 ms there, of a new process's 20 ms cached create. The engine compiles this
 * module's one function before it first runs, and it runs at compiled speed from the first word.
 * Same lanes, same words, same result (test/digest.test.ts compares the two). Node's runtime uses
 * it (artifact_digest.ts setPairLoop); the browser runtime keeps the JS loop, within its size budget.
 */

/** Signed LEB128 of a 32-bit integer. */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const I32 = 0x7f;
const op = {
  get: (i: number) => [0x20, i], set: (i: number) => [0x21, i], tee: (i: number) => [0x22, i],
  const: (n: number) => [0x41, ...sleb(n)],
  xor: [0x73], mul: [0x6c], shrU: [0x76], shl: [0x74], add: [0x6a], geU: [0x4f],
  load: (offset: number) => [0x28, 2, offset], store: (offset: number) => [0x36, 2, offset],
};

// Params a0 a1 b0 b1 pairs; locals i even odd p. Words start at byte 16; the lanes end at bytes 0..15.
const A0 = 0, A1 = 1, B0 = 2, B1 = 3, PAIRS = 4, I = 5, EVEN = 6, ODD = 7, P = 8;
const WORDS_AT = 16;

/** lane = imul(lane ^ word [^ i], k); lane ^= lane >>> shift */
const step = (lane: number, word: number, withIndex: boolean, k: number, shift: number) => [
  ...op.get(lane), ...op.get(word), ...op.xor, ...(withIndex ? [...op.get(I), ...op.xor] : []),
  ...op.const(k), ...op.mul, ...op.tee(lane), ...op.get(lane), ...op.const(shift), ...op.shrU, ...op.xor, ...op.set(lane),
];

const BODY = [
  0x01, 0x04, I32, // four i32 locals
  0x02, 0x40, 0x03, 0x40, // block, loop
  ...op.get(I), ...op.get(PAIRS), ...op.geU, 0x0d, 1, // br_if out
  ...op.get(I), ...op.const(2), ...op.shl, ...op.set(P),
  ...op.get(P), ...op.load(WORDS_AT), ...op.set(EVEN),
  ...op.get(P), ...op.load(WORDS_AT + 4), ...op.set(ODD),
  ...step(A0, EVEN, false, 0x01000193, 16),
  ...step(A1, ODD, false, 0x01000193, 16),
  ...step(B0, EVEN, true, 0x5bd1e995, 13),
  ...step(B1, ODD, true, 0x5bd1e995, 13),
  ...op.get(I), ...op.const(2), ...op.add, ...op.set(I),
  0x0c, 0, 0x0b, 0x0b, // br loop, end loop, end block
  ...[A0, A1, B0, B1].flatMap((lane, k) => [...op.const(0), ...op.get(lane), ...op.store(4 * k)]),
  0x0b,
];

const section = (id: number, body: number[]) => [id, ...sleb(body.length), ...body];
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // (i32 x5) -> ()
  ...section(3, [1, 0]),
  ...section(5, [1, 0x00, 1]), // one memory, at least a page
  ...section(7, [2, 1, 0x6d, 0x02, 0, 1, 0x66, 0x00, 0]), // "m": memory 0, "f": func 0
  ...section(10, [1, ...sleb(BODY.length), ...BODY]),
]);


let compiled: WebAssembly.Module | null | undefined;

/**
 * The lanes after every whole pair of `words` (the loop of fileDigest), or null where this engine
 * cannot run the module (then the caller's JS loop does it).
 */
export function pairLanes(words: Int32Array, pairs: number, lanes: readonly [number, number, number, number]): [number, number, number, number] | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(MODULE);
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return null;
  // An instance per file: its memory goes with it, however large the file was.
  const { exports } = new WebAssembly.Instance(compiled);
  const memory = exports.m as WebAssembly.Memory;
  const need = Math.ceil((WORDS_AT + pairs * 4) / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) memory.grow(need);
  new Int32Array(memory.buffer, WORDS_AT, pairs).set(words.subarray(0, pairs));
  (exports.f as (a0: number, a1: number, b0: number, b1: number, pairs: number) => void)(...lanes, pairs);
  const out = new Int32Array(memory.buffer, 0, 4);
  return [out[0], out[1], out[2], out[3]];
}
