/** What every contestant of a case (rnnc or a peer) looks like to the harness. */

/** rnnc on 1 or 2 workers, onnxruntime-web on 1 or 2 threads, TensorFlow.js (wasm), native onnxruntime. */
export type ContestantId = 'rnnc-1w' | 'rnnc-2w' | 'rnnc-2w-fixed' | 'ort-web-1t' | 'ort-web-2t' | 'tfjs-1t' | 'ort-node-1t';

/** Every contestant, in column order. */
export const CONTESTANTS: readonly ContestantId[] = ['rnnc-1w', 'rnnc-2w', 'rnnc-2w-fixed', 'ort-web-1t', 'ort-web-2t', 'tfjs-1t', 'ort-node-1t'];

/**
 * Those a run has unless `--peers` names others. rnnc-2w-fixed (2 workers with adaptWorkers off) is
 * asked for by name: it shows what the adaptive call mode is worth, beside a CPU hog (`--hog`).
 */
export const DEFAULT_CONTESTANTS: readonly ContestantId[] = CONTESTANTS.filter((id) => id !== 'rnnc-2w-fixed');

/** Column titles. */
export const CONTESTANT_LABEL: Record<ContestantId, string> = {
  'rnnc-1w': 'rnnc 1 worker',
  'rnnc-2w': 'rnnc 2 workers',
  'rnnc-2w-fixed': 'rnnc 2 workers, adaptWorkers off',
  'ort-web-1t': 'ORT-web 1 thread',
  'ort-web-2t': 'ORT-web 2 threads',
  'tfjs-1t': 'TF.js wasm',
  'ort-node-1t': 'ORT native 1 thread',
};

/** Threads (workers) each contestant is asked to use; the % of peak is against this many cores. */
export const CONTESTANT_THREADS: Record<ContestantId, number> = {
  'rnnc-1w': 1, 'rnnc-2w': 2, 'rnnc-2w-fixed': 2, 'ort-web-1t': 1, 'ort-web-2t': 2, 'tfjs-1t': 1, 'ort-node-1t': 1,
};

/** One contestant, ready to run one case. */
export interface Contestant {
  readonly id: ContestantId;
  /**
   * One timed inference: a whole sequence, or one streaming step (the next frame, state carried
   * over). Resolves once the outputs are JS typed arrays.
   */
  run(): Promise<void>;
  /**
   * Untimed check: Y as [frames, batch, hidden] for the case's whole input, from the initial state
   * (a streaming contestant restarts and steps through every frame). run() may follow.
   */
  outputs(): Promise<Float32Array>;
  /** Something the reader must know about this contestant's run (e.g. fewer workers than asked). */
  readonly note: string | null;
  /** rnnc: calls run so far on every worker and on the calling thread alone (session.callCounts). */
  calls?(): { readonly all: number; readonly solo: number };
  release(): Promise<void>;
}
