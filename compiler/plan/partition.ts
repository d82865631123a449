/**
 * How a recurrent node's unit blocks split over P workers: worker w of P computes blocks
 * [floor(w*nb/P), floor((w+1)*nb/P)) (all gates of a unit stay together, so each worker's slice of R
 * is contiguous and stays in its core's cache). The split is data: a table in the node's static
 * memory, one row of P+1 boundaries for every P up to the runtime's MAX_WORKERS, which the module
 * reads for the call's worker count (and `rnnc plan` prints).
 */
import { MAX_WORKERS } from '../../contract/control.js';

/** The block boundaries for P workers: P+1 of them, from 0 to `blocks`. */
export function partitionBounds(blocks: number, P: number): number[] {
  return Array.from({ length: P + 1 }, (_, w) => Math.floor((w * blocks) / P));
}

/** i32 entries of the table: rows of 2, 3, ..., MAX_WORKERS + 1. */
export const PARTITION_INTS = (MAX_WORKERS * (MAX_WORKERS + 3)) / 2;

/** Byte offset of the row for P workers within the table: (P-1)(P+2)/2 entries before it. */
export function partitionRowBytes(P: number): number {
  return ((P - 1) * (P + 2)) / 2 * 4;
}

/** The table, boundaries in bytes of a state row (block * bytesPerBlock). */
export function partitionTable(blocks: number, bytesPerBlock: number): Int32Array {
  const t = new Int32Array(PARTITION_INTS);
  for (let P = 1; P <= MAX_WORKERS; P++) t.set(partitionBounds(blocks, P).map((j) => j * bytesPerBlock), partitionRowBytes(P) / 4);
  return t;
}
