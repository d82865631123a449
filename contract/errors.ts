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
