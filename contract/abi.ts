/**
 * The wasm ABI of a model module, declared once: what the compiler emits and the runtime calls.
 *
 *   imports  env.memory                  the linear memory (shared in the multi-worker module)
 *            env.expired() -> i32        non-zero once the call overran its time limit
 *   exports  run(seq, batch, resume)                     the single-worker module
 *            run(seq, batch, resume, worker, workers)    the multi-worker module, on every worker
 *
 * Memory: [0, RESERVED) is never a buffer (a zero pointer never aliases data); the module's constant
 * pool lives in [CONSTANT_POOL, RESERVED); the control block, the buffer table and the static image
 * follow at the offsets the manifest gives.
 */

/** The module that holds the imports. */
export const IMPORT_MODULE = 'env';
/** The imported memory. */
export const MEMORY_IMPORT = 'memory';
/** The imported clock check of both modules: `() -> i32`, non-zero once the call has overrun. */
export const EXPIRED_IMPORT = 'expired';

/** The one function a model module exports. */
export const ENTRY = 'run';
/** Its i32 parameters in order; the single-worker module takes the first SINGLE_WORKER_PARAMS. */
export const ENTRY_PARAMS = ['seq', 'batch', 'resume', 'worker', 'workers'] as const;
export const SINGLE_WORKER_PARAMS = 3;
/** `run` of the single-worker module. */
export type SingleWorkerEntry = (seq: number, batch: number, resume: number) => void;
/** `run` of the multi-worker module: this worker's share of the call. */
export type WorkerEntry = (seq: number, batch: number, resume: number, worker: number, workers: number) => void;

/** Bytes of a wasm page. */
export const PAGE_BYTES = 65536;
/** The largest memory a module may grow to (2 GiB keeps every address positive as an i32). */
export const MAX_PAGES = 32768;
/** Low memory no buffer uses: [0, RESERVED). */
export const RESERVED = 1024;
/** The module's constant pool: [CONSTANT_POOL, RESERVED), written by its start function. */
export const CONSTANT_POOL = 256;
