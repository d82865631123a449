/**
 * What a page asks the compiler worker (compiler/browser_worker.ts, started by
 * runtime/browser_compile.ts): the model's bytes, the name messages give it, and the compile options.
 * Both sides of the message read this one declaration.
 */
export interface CompileRequest {
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly batch?: number;
  readonly threads?: boolean;
  readonly cores?: number;
  /** Fused multiply-adds (relaxed SIMD): the page's engine validates them. */
  readonly relaxedSimd?: boolean;
  readonly shapes?: Record<string, number[]>;
  readonly bind?: Record<string, number[]>;
}
