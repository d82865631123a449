/**
 * How a variant ended. `ok` and `rnnc` (one of contract/errors.ts's classes, named) are what rnnc
 * may do with any input; every other class is a failure: a plain JS error (TypeError, RangeError,
 * ...), an InternalError (rnnc's own word for its bugs), a trap in the compiled module, an
 * out-of-range index that ran without an error, outputs that disagree with the seed's data set or
 * with their own dims, a hang, a crash, running out of memory, or a fault of the fuzzer itself.
 */
import { EngineError, InternalError, RnncError } from '../../contract/errors.js';

export type OutcomeClass =
  | 'ok' | 'rnnc' | 'js' | 'internal' | 'trap' | 'unchecked' | 'mismatch' | 'bad-output' | 'hang' | 'crash' | 'oom' | 'harness';

export const OUTCOME_CLASSES: readonly OutcomeClass[] = [
  'ok', 'rnnc', 'js', 'internal', 'trap', 'unchecked', 'mismatch', 'bad-output', 'hang', 'crash', 'oom', 'harness',
];

export interface Outcome {
  readonly cls: OutcomeClass;
  /** The error class (ModelError, TypeError, ...), or '' when there was none. */
  readonly name: string;
  readonly message: string;
  /** The first frame of rnnc's code in the stack (`compiler/onnx/graph.js:41`), or ''. */
  readonly where: string;
  /** The stack, for replays. */
  readonly stack?: string;
}

export const OK: Outcome = { cls: 'ok', name: '', message: '', where: '' };

export function isFailure(o: Outcome): boolean {
  return o.cls !== 'ok' && o.cls !== 'rnnc';
}

/** The first stack frame inside rnnc's compiled product code (dist/{compiler,runtime,api,contract}). */
export function rnncFrame(stack: string | undefined): string {
  const m = /\/dist\/((?:compiler|runtime|api|contract)\/[^:)\s]+):(\d+)/.exec(stack ?? '');
  return m ? `${m[1]}:${m[2]}` : '';
}

const firstLine = (s: string) => s.split('\n')[0].slice(0, 400);

/** The outcome of an error thrown by compiling or running a variant. */
export function classifyError(e: unknown): Outcome {
  if (!(e instanceof Error)) return { cls: 'js', name: typeof e, message: firstLine(String(e)), where: '' };
  const base = { name: e.name, message: firstLine(e.message), where: rnncFrame(e.stack), stack: e.stack };
  if (e instanceof InternalError) return { cls: 'internal', ...base };
  // A module rnnc compiled and whose feeds it checked must not trap: the kernel read or wrote out of bounds.
  if (e instanceof EngineError && e.cause instanceof WebAssembly.RuntimeError) {
    return { cls: 'trap', ...base, name: `RuntimeError (${e.cause.message})`, where: rnncFrame(e.cause.stack) || base.where };
  }
  if (e instanceof RnncError) return { cls: 'rnnc', ...base };
  return { cls: 'js', ...base };
}

/** An outcome of the fuzzer's own code (building feeds, comparing): a bug to fix in test/fuzz. */
export function harnessFault(e: unknown, doing: string): Outcome {
  const err = e instanceof Error ? e : new Error(String(e));
  return { cls: 'harness', name: err.name, message: `${doing}: ${firstLine(err.message)}`, where: '', stack: err.stack };
}

/**
 * Failures with the same signature are one finding: the class, the error's class, the rnnc frame
 * that threw, and the message with its numbers and quoted names blanked.
 */
export function signature(o: Outcome): string {
  const message = o.message.replace(/'[^']*'/g, "'_'").replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/g, 'N').slice(0, 80);
  return `${o.cls} ${o.name} @${o.where} ${message}`;
}
