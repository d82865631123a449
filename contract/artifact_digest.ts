/**
 * How the parts of an artifact vouch for each other. The manifest records a digest of each file
 * (`digests`); each module carries, in a custom section, the digest of the manifest's bound fields:
 * every field the module was compiled against. The runtime checks both directions, so an edited
 * field or a swapped, truncated or corrupted file is refused at load instead of running wrong.
 * The digests catch accidents and edits, not forgery: whoever rewrites the files can recompute them.
 */
import type { Manifest } from './manifest.js';

/** The custom section of a model module naming the manifest it was compiled with. */
export const MANIFEST_SECTION = 'rnnc.manifest';

/** The modules of an artifact, by their key in `files`. */
export type ModuleFile = 'wasm' | 'wasmThreads';

/** Fields no module depends on: the model's name and the notes (messages only), the files and their digests, the fused flavour's directory and key. */
const UNBOUND: ReadonlySet<string> = new Set(['model', 'summary', 'files', 'digests', 'fused', 'fusedKey']);

/** The digest of the manifest's bound fields; key order and whitespace of the JSON do not matter. */
export function manifestDigest(m: Omit<Manifest, 'digests'>): string {
  const bound = Object.fromEntries(Object.entries(m).filter(([k]) => !UNBOUND.has(k)));
  return fileDigest(new TextEncoder().encode(JSON.stringify(bound, sortedKeys)));
}

/** What a module's MANIFEST_SECTION holds: which of the artifact's modules it is, and the manifest digest. */
export function manifestSection(m: Omit<Manifest, 'digests'>, file: ModuleFile): string {
  return `${file} ${manifestDigest(m)}`;
}

/** The lanes after a file's whole word pairs, or null where it cannot run (digest_wasm.ts pairLanes). */
export type PairLoop = (words: Int32Array, pairs: number, lanes: readonly [number, number, number, number]) => [number, number, number, number] | null;

/** Files of at least this many words go through the pair loop, when one is set. */
const LOOP_FROM_WORDS = 1 << 14;
let pairLoop: PairLoop | null = null;

/**
 * Hashes large files' word pairs with `loop` (null: the JS loop below). Node's runtime sets the
 * WebAssembly loop (digest_wasm.ts); the browser runtime keeps the JS one, within its size budget.
 */
export function setPairLoop(loop: PairLoop | null): void {
  pairLoop = loop;
}

/**
 * A 64-bit digest of a file, as 16 hex digits. Each lane's step is a bijection of the lane (xor a
 * 32-bit word, multiply by an odd constant, fold the high half down), so one changed word always
 * changes the digest and no bit position is left unmixed. Even and odd words run in chains of their
 * own, so the multiplies overlap: several times faster than the byte-wise digestBytes, which keeps
 * the check a small part of loading the weights.
 */
export function fileDigest(bytes: Uint8Array): string {
  // Words in the platform's byte order: little-endian wherever rnnc runs (its views of wasm memory assume it too).
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const words = new Int32Array(aligned.buffer, aligned.byteOffset, bytes.length >>> 2);
  let a0 = 0x811c9dc5 ^ bytes.length, a1 = 0x01000193, b0 = 0x2545f491 ^ bytes.length, b1 = 0x5bd1e995;
  const pairs = words.length & ~1;
  // Large files through the pair loop if set (in WebAssembly: the same loop, compiled before it first runs).
  const lanes = pairs >= LOOP_FROM_WORDS && pairLoop ? pairLoop(words, pairs, [a0, a1, b0, b1]) : null;
  if (lanes) [a0, a1, b0, b1] = lanes;
  for (let i = lanes ? pairs : 0; i < pairs; i += 2) {
    const even = words[i], odd = words[i + 1];
    a0 = Math.imul(a0 ^ even, 0x01000193);
    a0 ^= a0 >>> 16;
    a1 = Math.imul(a1 ^ odd, 0x01000193);
    a1 ^= a1 >>> 16;
    b0 = Math.imul(b0 ^ even ^ i, 0x5bd1e995);
    b0 ^= b0 >>> 13;
    b1 = Math.imul(b1 ^ odd ^ i, 0x5bd1e995);
    b1 ^= b1 >>> 13;
  }
  // A last odd word, then the bytes past the last whole word (the length tells them apart).
  const rest = [...words.subarray(pairs), ...bytes.subarray(words.length * 4)];
  for (let i = 0; i < rest.length; i++) {
    a0 = Math.imul(a0 ^ rest[i], 0x01000193);
    a0 ^= a0 >>> 16;
    b0 = Math.imul(b0 ^ rest[i] ^ i, 0x5bd1e995);
    b0 ^= b0 >>> 13;
  }
  return ((a0 ^ a1) >>> 0).toString(16).padStart(8, '0') + ((b0 ^ b1) >>> 0).toString(16).padStart(8, '0');
}

/** A JSON.stringify replacer writing every object's keys in sorted order. */
function sortedKeys(_key: string, v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
