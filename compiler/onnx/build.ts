/**
 * Building ONNX messages: graph inputs and outputs, tensors and attributes, for the models rnnc makes
 * itself (a shape's one-node model, frontend/cell_model.ts) and those the tests and benchmarks build.
 */
import { AttributeType, DataType, type GraphProto, type TensorProto, type ValueInfoProto } from './proto.js';

/** A graph input/output of tensor type; `dims` null leaves the shape out, null entries are unknown dims. */
export function valueInfo(name: string, dims: readonly (number | string | null)[] | null, elemType: number = DataType.FLOAT): ValueInfoProto {
  const shape = dims && {
    dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})),
  };
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

/** A FLOAT tensor holding `data` (raw little-endian bytes). */
export function rawFloatTensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Attribute helpers, one per ONNX attribute type rnnc reads. */
export const attr = {
  int: (name: string, i: number) => ({ name, type: AttributeType.INT, i }),
  float: (name: string, f: number) => ({ name, type: AttributeType.FLOAT, f }),
  string: (name: string, s: string) => ({ name, type: AttributeType.STRING, s: utf8(s) }),
  strings: (name: string, ss: readonly string[]) => ({ name, type: AttributeType.STRINGS, strings: ss.map(utf8) }),
  floats: (name: string, floats: readonly number[]) => ({ name, type: AttributeType.FLOATS, floats: [...floats] }),
  ints: (name: string, ints: readonly number[]) => ({ name, type: AttributeType.INTS, ints: [...ints] }),
  tensor: (name: string, t: TensorProto) => ({ name, type: AttributeType.TENSOR, t }),
  graph: (name: string, g: GraphProto) => ({ name, type: AttributeType.GRAPH, g }),
};
