/**
 * Reads the attributes of an ONNX LSTM, GRU or RNN node into the fields of a cell descriptor:
 * type-checked, unknown names rejected, activation names canonicalized and alpha/beta resolved.
 */
import {
  ACTIVATION_NAMES, type Activation, type ActivationName, type CellAttributes, type CellKind, type Direction, activation,
  activationsPerDirection, defaultActivations, numDirections,
} from '../cells/descriptor.js';
import { cellSpec } from '../cells/index.js';
import { ModelError, UnsupportedError } from '../../contract/errors.js';
import { type AttributeProto, AttributeType, type NodeProto, attributeTypeName, int64ToNumber, utf8 } from '../onnx/proto.js';

/** The node's attributes, normalized; absent ones are null (hiddenSize) or the ONNX default. */
export interface RnnAttributes extends CellAttributes {
  /** `hidden_size`, or null when the node leaves it out (the importer infers it from W or R). */
  readonly hiddenSize: number | null;
}

const COMMON: Record<string, number> = {
  hidden_size: AttributeType.INT,
  direction: AttributeType.STRING,
  layout: AttributeType.INT,
  activations: AttributeType.STRINGS,
  activation_alpha: AttributeType.FLOATS,
  activation_beta: AttributeType.FLOATS,
  clip: AttributeType.FLOAT,
};

/**
 * Which activations take alpha and beta from the node's lists. Mirrors onnxruntime's
 * NameToArgUsageMap in onnxruntime/core/providers/cpu/rnn/rnn_helpers.cc.
 */
export const ACTIVATION_PARAMS: Record<ActivationName, { alpha: boolean; beta: boolean }> = {
  Relu: { alpha: false, beta: false },
  Tanh: { alpha: false, beta: false },
  Sigmoid: { alpha: false, beta: false },
  Affine: { alpha: true, beta: true },
  LeakyRelu: { alpha: true, beta: false },
  ThresholdedRelu: { alpha: true, beta: false },
  ScaledTanh: { alpha: true, beta: true },
  HardSigmoid: { alpha: true, beta: true },
  Elu: { alpha: true, beta: false },
  Softsign: { alpha: false, beta: false },
  Softplus: { alpha: false, beta: false },
};

const BY_LOWER = new Map<string, ActivationName>(ACTIVATION_NAMES.map((n) => [n.toLowerCase(), n]));

/**
 * Reads and checks the attributes of `node`, a `cell` node of a model importing `opset`. `where`
 * names the node in errors. Unknown attributes and activations throw UnsupportedError; values of the
 * wrong type or out of range throw ModelError.
 */
export function readRnnAttributes(node: NodeProto, cell: CellKind, opset: number, where: string): RnnAttributes {
  const types = { int: AttributeType.INT, float: AttributeType.FLOAT, string: AttributeType.STRING };
  const own = Object.entries(cellSpec(cell).attributes).map(([name, t]) => [name, types[t]] as const);
  const known: Record<string, number> = { ...COMMON, ...Object.fromEntries(own) };
  const attrs = new Map<string, AttributeProto>();
  for (const a of node.attribute ?? []) {
    const name = a.name ?? '';
    if (!(name in known)) {
      throw new UnsupportedError(
        `${where}: attribute '${name}' is not supported on ${cell.toUpperCase()}; rnnc reads ${Object.keys(known).join(', ')}`,
      );
    }
    if (attrs.has(name)) throw new ModelError(`${where}: attribute '${name}' is given twice`);
    // Type UNDEFINED comes from old exporters that only fill the value field: accept it.
    if (a.type && a.type !== known[name]) {
      throw new ModelError(`${where}: attribute '${name}' must be ${attributeTypeName(known[name])}, got ${attributeTypeName(a.type)}`);
    }
    attrs.set(name, a);
  }
  const int = (name: string): number | null => {
    const a = attrs.get(name);
    if (!a) return null;
    const v = int64ToNumber(a.i);
    if (v === null) throw new ModelError(`${where}: attribute '${name}' is out of range`);
    return v;
  };

  const hiddenSize = int('hidden_size');
  if (hiddenSize !== null && hiddenSize < 1) {
    throw new ModelError(`${where}: hidden_size must be a positive integer, got ${hiddenSize}`);
  }
  const dirText = attrs.has('direction') ? utf8(attrs.get('direction')!.s) : 'forward';
  if (dirText !== 'forward' && dirText !== 'reverse' && dirText !== 'bidirectional') {
    throw new ModelError(`${where}: direction '${dirText}' is invalid; expected forward, reverse or bidirectional`);
  }
  const direction: Direction = dirText;
  const layout = int('layout') ?? 0;
  if (layout !== 0 && layout !== 1) throw new ModelError(`${where}: layout must be 0 or 1, got ${layout}`);
  if (attrs.has('layout') && opset < 14) {
    throw new ModelError(`${where}: attribute 'layout' exists since opset 14, but the model imports opset ${opset}`);
  }
  const clipAttr = attrs.get('clip');
  return {
    hiddenSize,
    direction,
    layout,
    activations: readActivations(attrs, cell, direction, where),
    clip: clipAttr ? clipAttr.f ?? 0 : null,
    linearBeforeReset: (int('linear_before_reset') ?? 0) !== 0,
    inputForget: (int('input_forget') ?? 0) !== 0,
  };
}

/**
 * Resolves `activations`, `activation_alpha` and `activation_beta`: each activation that takes an
 * alpha (beta) consumes the next unused value of that list, in activation order; values left over
 * are ignored; once a list runs out the ONNX default of the activation applies (ACTIVATION_DEFAULTS).
 * Source: onnxruntime/core/providers/cpu/rnn/rnn_helpers.cc, ActivationFuncs, used by LSTM and GRU.
 * Known differences: onnxruntime's fallback is 0 except for LeakyRelu, HardSigmoid and Elu (ONNX
 * gives Affine and ThresholdedRelu alpha 1, ScaledTanh 1/1), and its RNN kernel (rnn.cc) indexes
 * the lists by direction instead, defaulting to 0.
 */
function readActivations(attrs: Map<string, AttributeProto>, cell: CellKind, direction: Direction, where: string): Activation[] {
  const given = (attrs.get('activations')?.strings ?? []).map((s) => utf8(s));
  let names: ActivationName[];
  if (given.length === 0) {
    const d = defaultActivations(cell);
    names = numDirections(direction) === 2 ? [...d, ...d] : d;
  } else {
    names = given.map((g) => {
      const name = BY_LOWER.get(g.toLowerCase());
      if (!name) {
        throw new UnsupportedError(`${where}: activation '${g}' is not supported; expected one of ${ACTIVATION_NAMES.join(', ')}`);
      }
      return name;
    });
    // The ONNX RNN schema's own default for `activations` is [Tanh, Tanh] whatever the direction, so
    // exporters may write two for one direction; onnxruntime (rnn.h) then uses the first.
    const schema = cellSpec(cell).schemaActivations;
    if (schema !== undefined && numDirections(direction) === 1 && names.length === schema) names = names.slice(0, activationsPerDirection(cell));
  }
  const alphas = attrs.get('activation_alpha')?.floats ?? [];
  const betas = attrs.get('activation_beta')?.floats ?? [];
  let nextAlpha = 0;
  let nextBeta = 0;
  return names.map((name) => {
    const alpha = ACTIVATION_PARAMS[name].alpha && nextAlpha < alphas.length ? alphas[nextAlpha++] : undefined;
    const beta = ACTIVATION_PARAMS[name].beta && nextBeta < betas.length ? betas[nextBeta++] : undefined;
    return activation(name, alpha, beta);
  });
}
