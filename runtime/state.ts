/**
 * The static bytes a call may change, and snapshots of them: how one module's memory serves any
 * number of streams. Every byte a call writes in the static area is scratch the compiler reserved
 * and left zero in the image (the RNNs' h and c rows, the pointer to the current h, per-step rows),
 * in 16-byte aligned blocks; packed weights and constants are never written. So the 16-byte blocks
 * that are all zero once the image is placed hold every byte of state (and, harmlessly, the few
 * zero blocks of the weights): saving and restoring them saves and restores a stream's state.
 */

/** Absolute [begin, end) byte ranges, flattened: begin0, end0, begin1, end1, ... */
export type ByteRanges = Int32Array;

/** Zero blocks this close are taken as one range: copying a few constant bytes costs less than a range. */
const MERGE_GAP = 64;
const BLOCK = 16;

/** The 16-byte blocks of memory[begin, end) that are all zero, as merged ranges (begin is 16-byte aligned). */
export function zeroBlocks(memory: ArrayBufferLike, begin: number, end: number): ByteRanges {
  const words = new Int32Array(memory, begin, (end - begin) >> 2);
  const out: number[] = [];
  for (let w = 0; w + 4 <= words.length; w += 4) {
    if (words[w] !== 0 || words[w + 1] !== 0 || words[w + 2] !== 0 || words[w + 3] !== 0) continue;
    const at = begin + w * 4;
    const last = out.length - 1;
    if (last > 0 && at - out[last] <= MERGE_GAP) out[last] = at + BLOCK;
    else out.push(at, at + BLOCK);
  }
  return Int32Array.from(out);
}

/** The bytes of a stream's state, and the batch they hold rows for. */
export interface StateSnapshot {
  readonly bytes: Uint8Array;
  readonly batch: number;
}

/** Copies memory's `ranges` out (into `into`'s bytes when they fit). */
export function saveRanges(memory: Uint8Array, ranges: ByteRanges, batch: number, into: StateSnapshot | null): StateSnapshot {
  let total = 0;
  for (let i = 0; i < ranges.length; i += 2) total += ranges[i + 1] - ranges[i];
  const bytes = into && into.bytes.length === total ? into.bytes : new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    bytes.set(memory.subarray(ranges[i], ranges[i + 1]), at);
    at += ranges[i + 1] - ranges[i];
  }
  return { bytes, batch };
}

/** Puts a snapshot's bytes back into memory's `ranges`. */
export function restoreRanges(memory: Uint8Array, ranges: ByteRanges, s: StateSnapshot): void {
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    const n = ranges[i + 1] - ranges[i];
    memory.set(s.bytes.subarray(at, at + n), ranges[i]);
    at += n;
  }
}
