/**
 * Errors are part of rnnc's interface: one class per kind, each message naming the node, tensor or
 * flag at fault and what was expected. Every class extends RnncError so callers can catch them all.
 */

/** Base class of every error rnnc throws on purpose. */
export class RnncError extends Error {
  override name = 'RnncError';
}

/** The model file is malformed, truncated, or inconsistent (e.g. a weight of the wrong shape). */
export class ModelError extends RnncError {
  override name = 'ModelError';
}

/** The model is valid ONNX but uses an op, attribute value or data type rnnc does not support. */
export class UnsupportedError extends RnncError {
  override name = 'UnsupportedError';
}

/** A feed passed to `run` has the wrong name, data type or dims. */
export class InputError extends RnncError {
  override name = 'InputError';
}

/** The engine lacks a feature the artifact needs, or a kernel failed while running. */
export class EngineError extends RnncError {
  override name = 'EngineError';
}

/**
 * A bug in rnnc itself (an emitted module that does not validate, a plan the emitters cannot read):
 * never the model's or the caller's fault. The message says what was being built.
 */
export class InternalError extends RnncError {
  override name = 'InternalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`internal error (a bug in rnnc, please report it): ${message}`, options);
  }
}

/**
 * What an error thrown while processing `where` (a node, a step) is to the caller: one of rnnc's
 * errors as it is; anything else (a TypeError, a RangeError, a stack overflow) is a bug in rnnc,
 * an InternalError naming `where`.
 */
export function asRnncError(where: string, e: unknown): RnncError {
  if (e instanceof RnncError) return e;
  return new InternalError(`${where}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
}

/** Runs `f` as the processing of `where`; an error that is not one of rnnc's becomes an InternalError naming it. */
export function internalAt<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw asRnncError(where, e);
  }
}
