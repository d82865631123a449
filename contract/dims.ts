/** Dimensions as compiler and runtime exchange them. */

/**
 * A dimension: a number fixed at compile time, or one of the two run-time symbols. `seq` is the
 * sequence length of the call (any value >= 1); `batch` is the batch (1..maxBatch).
 */
export type Dim = number | 'seq' | 'batch';

/** The value of a dim in a call of `seq` steps and `batch` rows. */
export function resolveDim(d: Dim, call: { readonly seq: number; readonly batch: number }): number {
  return d === 'seq' ? call.seq : d === 'batch' ? call.batch : d;
}

/** The element count of dims in a call. */
export function elementCount(dims: readonly Dim[], call: { readonly seq: number; readonly batch: number }): number {
  return dims.reduce((p: number, d) => p * resolveDim(d, call), 1);
}
