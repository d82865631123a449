/**
 * Byte-level mutations of a serialized model: bit flips, truncation, insertions, deletions,
 * overwrites with boundary bytes and splices from another model. Each returns new bytes and a
 * description precise enough to redo the mutation by hand.
 */
import { chance, pick, randInt, type Rng } from '../random.js';

/** A mutated copy of the bytes and what was done to them. */
export interface ByteMutation {
  readonly bytes: Uint8Array;
  readonly what: string;
}

/** Another seed, the source of splices. */
export interface Donor {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A byte mutation of `bytes`; `other` is another seed, for splices. */
export type ByteMutator = (rng: Rng, bytes: Uint8Array, other: Donor) => ByteMutation;

/**
 * A position in `bytes`. Large models are mostly weights, where a change only alters numbers; the
 * graph's structure sits near the start (nodes, inputs) and the initializer headers near the end,
 * so half the positions are drawn from the first or last 2 KiB.
 */
function position(rng: Rng, length: number): number {
  if (length === 0) return 0;
  const edge = Math.min(2048, length);
  if (chance(rng, 0.25)) return randInt(rng, 0, edge - 1);
  if (chance(rng, 1 / 3)) return randInt(rng, length - edge, length - 1);
  return randInt(rng, 0, length - 1);
}

const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12];

function flip(rng: Rng, bytes: Uint8Array): ByteMutation {
  const out = bytes.slice();
  const flips: string[] = [];
  for (let n = randInt(rng, 1, 8); n > 0; n--) {
    const at = position(rng, out.length);
    const bit = randInt(rng, 0, 7);
    out[at] ^= 1 << bit;
    flips.push(`${at}.${bit}`);
  }
  return { bytes: out, what: `flip bits (byte.bit) ${flips.join(' ')}` };
}

function truncate(rng: Rng, bytes: Uint8Array): ByteMutation {
  const at = position(rng, bytes.length);
  return { bytes: bytes.slice(0, at), what: `truncate to ${at} of ${bytes.length} bytes` };
}

function insert(rng: Rng, bytes: Uint8Array): ByteMutation {
  const at = position(rng, bytes.length);
  const added = Uint8Array.from({ length: randInt(rng, 1, 16) }, () => (chance(rng, 0.5) ? pick(rng, BOUNDARY_BYTES) : randInt(rng, 0, 255)));
  const out = new Uint8Array(bytes.length + added.length);
  out.set(bytes.subarray(0, at));
  out.set(added, at);
  out.set(bytes.subarray(at), at + added.length);
  return { bytes: out, what: `insert [${hex(added)}] at ${at}` };
}

function remove(rng: Rng, bytes: Uint8Array): ByteMutation {
  const at = position(rng, bytes.length);
  const n = Math.min(randInt(rng, 1, chance(rng, 0.8) ? 8 : 512), bytes.length - at);
  const out = new Uint8Array(bytes.length - n);
  out.set(bytes.subarray(0, at));
  out.set(bytes.subarray(at + n), at);
  return { bytes: out, what: `delete ${n} bytes at ${at}` };
}

function overwrite(rng: Rng, bytes: Uint8Array): ByteMutation {
  const out = bytes.slice();
  const at = position(rng, out.length);
  const n = Math.min(randInt(rng, 1, 4), out.length - at);
  const value = pick(rng, BOUNDARY_BYTES);
  out.fill(value, at, at + n);
  return { bytes: out, what: `overwrite ${n} bytes at ${at} with 0x${value.toString(16)}` };
}

/** Replaces a range with a range of the same size or not, from another seed or this one. */
function splice(rng: Rng, bytes: Uint8Array, other: Donor): ByteMutation {
  const self = chance(rng, 0.3);
  const from = self ? bytes : other.bytes;
  const at = position(rng, bytes.length);
  const cut = Math.min(randInt(rng, 0, 64), bytes.length - at);
  const src = position(rng, from.length);
  const chunk = from.subarray(src, Math.min(from.length, src + randInt(rng, 1, 256)));
  const out = new Uint8Array(bytes.length - cut + chunk.length);
  out.set(bytes.subarray(0, at));
  out.set(chunk, at);
  out.set(bytes.subarray(at + cut), at + chunk.length);
  return { bytes: out, what: `splice ${chunk.length} bytes from ${self ? 'this model' : other.name} at ${src} over ${cut} bytes at ${at}` };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The byte mutations by kind name. */
export const BYTE_MUTATORS: Readonly<Record<string, ByteMutator>> = {
  'bytes:flip': flip,
  'bytes:truncate': truncate,
  'bytes:insert': insert,
  'bytes:delete': remove,
  'bytes:overwrite': overwrite,
  'bytes:splice': splice,
};
