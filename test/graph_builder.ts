/**
 * Builds whole ONNX graphs in tests (no Python at test time): graph inputs, initializers, nodes and
 * outputs added in order, encoded with onnx-proto. Complements onnx_builder.ts (one-node models).
 */
import { DataType, type NodeProto, type TensorProto, type ValueInfoProto, onnx } from '../compiler/onnx/proto.js';
import { attr, floatTensor, valueInfo } from './onnx_builder.js';

type Attribute = NonNullable<NodeProto['attribute']>[number];

export { attr };

/** A graph under construction. Names given to `input`, `init`, `node` are returned for chaining. */
export class GraphBuilder {
  opset = 17;
  readonly nodes: NodeProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  readonly inits: TensorProto[] = [];
  private count = 0;

  /** A graph input; dims entries: number, dim_param name, or null for unknown. */
  input(name: string, dims: (number | string | null)[] | null, elemType: number = DataType.FLOAT): string {
    this.inputs.push(valueInfo(name, dims, elemType));
    return name;
  }

  /** A FLOAT initializer (values default to 0.01 * index). */
  init(name: string, dims: number[], values?: number[]): string {
    this.inits.push(floatTensor(name, dims, values));
    return name;
  }

  /** An INT64 initializer (dims default to [values.length]). */
  ints(name: string, values: number[], dims: number[] = [values.length]): string {
    this.inits.push({ name, dims, dataType: DataType.INT64, int64Data: values });
    return name;
  }

  /** A Constant node holding INT64 values (as PyTorch writes axes, shapes and indices). */
  constInts(values: number[], dims: number[] = [values.length]): string {
    const raw = new Uint8Array(8 * values.length);
    values.forEach((v, i) => new DataView(raw.buffer).setBigInt64(8 * i, BigInt(v), true));
    return this.node('Constant', [], [attr.tensor('value', { dims, dataType: DataType.INT64, rawData: raw })]);
  }

  /** A Constant node holding FLOAT values. */
  constFloats(values: number[], dims: number[] = [values.length]): string {
    return this.node('Constant', [], [attr.tensor('value', floatTensor('', dims, values))]);
  }

  /** Adds a node; returns its first output (named `<name>_out<i>` unless `outputs` names them). */
  node(op: string, inputs: string[], attrs: Attribute[] = [], opts: { name?: string; outputs?: string[] | number; domain?: string } = {}): string {
    return this.nodeOutputs(op, inputs, attrs, opts)[0];
  }

  /** Like `node`, returning every output name. */
  nodeOutputs(op: string, inputs: string[], attrs: Attribute[] = [], opts: { name?: string; outputs?: string[] | number; domain?: string } = {}): string[] {
    const name = opts.name ?? `${op}_${this.count++}`;
    const outputs = Array.isArray(opts.outputs) ? opts.outputs : Array.from({ length: opts.outputs ?? 1 }, (_, i) => `${name}_out${i}`);
    this.nodes.push({ name, opType: op, input: inputs, output: outputs, attribute: attrs, ...(opts.domain ? { domain: opts.domain } : {}) });
    return outputs;
  }

  /**
   * An LSTM/GRU/RNN node with initializer weights W, R, B of hidden size H for input size I;
   * `inputs` fills the optional slots by ONNX role. Returns [Y, Y_h, (Y_c)].
   */
  rnn(op: 'LSTM' | 'GRU' | 'RNN', x: string, H: number, I: number,
    opts: { name?: string; bidirectional?: boolean; layout?: 1; initialH?: string; initialC?: string; sequenceLens?: string; attrs?: Attribute[] } = {}): string[] {
    const name = opts.name ?? `${op}_${this.count++}`;
    const G = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
    const D = opts.bidirectional ? 2 : 1;
    const W = this.init(`${name}.W`, [D, G * H, I]);
    const R = this.init(`${name}.R`, [D, G * H, H]);
    const B = this.init(`${name}.B`, [D, 2 * G * H]);
    const inputs = [x, W, R, B, opts.sequenceLens ?? '', opts.initialH ?? '', opts.initialC ?? ''];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const attrs = [attr.int('hidden_size', H), ...(opts.bidirectional ? [attr.string('direction', 'bidirectional')] : []),
      ...(opts.layout ? [attr.int('layout', 1)] : []), ...(opts.attrs ?? [])];
    return this.nodeOutputs(op, inputs, attrs, { name, outputs: op === 'LSTM' ? 3 : 2 });
  }

  /** Marks a value as a graph output (dims and type optional). */
  output(name: string, dims: (number | string | null)[] | null = null, elemType: number = DataType.FLOAT): this {
    this.outputs.push(valueInfo(name, dims, elemType));
    return this;
  }

  /** The graph as a GraphProto (an If branch: build it with `output`s and no inputs). */
  graph(name = 'test'): NonNullable<Parameters<typeof onnx.ModelProto.encode>[0]['graph']> {
    return { name, node: this.nodes, input: this.inputs, initializer: this.inits, output: this.outputs };
  }

  encode(): Uint8Array {
    return onnx.ModelProto.encode({
      irVersion: 8,
      producerName: 'rnnc-test',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: { name: 'test', node: this.nodes, input: this.inputs, initializer: this.inits, output: this.outputs },
    }).finish();
  }
}
