/**
 * Builds tiny ONNX models in tests (no Python at test time): a mutable spec of one recurrent node,
 * its graph inputs, initializers and outputs, encoded with onnx-proto through compiler/onnx/proto.
 */
import { attr, valueInfo } from '../compiler/onnx/build.js';
import {
  DataType, type ModelProtoInit, type NodeProto, type TensorProto, type ValueInfoProto, onnx,
} from '../compiler/onnx/proto.js';

/** The pieces of a one-node model; tests edit them, then `encodeModel`. */
export interface ModelSpec {
  opset: number | null;
  node: NodeProto & { input: string[]; output: string[]; attribute: NonNullable<NodeProto['attribute']> };
  /** Nodes placed before the recurrent node (Constants, or ops rnnc rejects). */
  before: NodeProto[];
  inputs: ValueInfoProto[];
  initializers: TensorProto[];
  outputs: ValueInfoProto[];
}

/** A FLOAT tensor in float_data, filled with 0.01 * index unless values are given. */
export function floatTensor(name: string, dims: number[], values?: number[]): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, dataType: DataType.FLOAT, floatData: values ?? Array.from({ length: n }, (_, i) => 0.01 * i) };
}

export { attr, valueInfo } from '../compiler/onnx/build.js';

/**
 * A forward LSTM/GRU/RNN with hidden 3 and input 2: X fed as [seq, batch, 2], W, R and B as
 * initializers, outputs Y and Y_h with symbolic seq and batch.
 */
export function rnnSpec(op: 'LSTM' | 'GRU' | 'RNN' = 'LSTM', H = 3, I = 2): ModelSpec {
  const G = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
  return {
    opset: 14,
    node: { name: 'cell', opType: op, input: ['X', 'W', 'R', 'B'], output: ['Y', 'Y_h'], attribute: [attr.int('hidden_size', H)] },
    before: [],
    inputs: [valueInfo('X', ['seq', 'batch', I])],
    initializers: [floatTensor('W', [1, G * H, I]), floatTensor('R', [1, G * H, H]), floatTensor('B', [1, 2 * G * H])],
    outputs: [valueInfo('Y', ['seq', 1, 'batch', H]), valueInfo('Y_h', [1, 'batch', H])],
  };
}

/** Serializes a spec as a ModelProto. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model: ModelProtoInit = {
    irVersion: 8,
    producerName: 'rnnc-test',
    opsetImport: spec.opset === null ? [] : [{ domain: '', version: spec.opset }],
    graph: {
      name: 'test',
      node: [...spec.before, spec.node],
      input: spec.inputs,
      initializer: spec.initializers,
      output: spec.outputs,
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Removes the named initializer and declares it as a graph input with these dims instead. */
export function makeFeed(spec: ModelSpec, name: string, dims: (number | string | null)[] | null, elemType?: number): void {
  spec.initializers = spec.initializers.filter((t) => t.name !== name);
  spec.inputs.push(valueInfo(name, dims, elemType));
}
