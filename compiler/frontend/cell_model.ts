/**
 * A one-node ONNX model for a cell descriptor: what `rnnc kernel`, the tuner, the benchmarks and the
 * tests compile when they start from a shape rather than a file, so that they take the same path as
 * `rnnc compile` (ONNX bytes -> program -> plan -> module).
 */
import { ACTIVATION_PARAMS } from '../ops/rnn_attributes.js';
import { attr, rawFloatTensor, valueInfo } from '../onnx/build.js';
import { DataType, onnx, type AttributeProto, type TensorProto, type ValueInfoProto } from '../onnx/proto.js';
import { type InputRole, type NodeSizes, expectedDims, INPUT_ROLES, OUTPUT_ROLES, type OutputRole } from '../ops/rnn_shapes.js';
import { activationsPerDirection, gateCount, numDirections, type CellDescriptor } from '../cells/descriptor.js';
import { cellSpec } from '../cells/index.js';

/** The node's weights in ONNX shapes (W [D, G*H, I], R [D, G*H, H], B [D, 2*G*H], P [D, 3*H]). */
export interface CellWeights {
  readonly W: Float32Array;
  readonly R: Float32Array;
  readonly B?: Float32Array | null;
  readonly P?: Float32Array | null;
}

export interface CellModelOptions {
  /** The weights; default deterministic values of a sensible scale (1/sqrt(fan-in)). */
  readonly weights?: CellWeights;
  /** W, R, B and P as graph inputs fed at run time (as ONNX's backend tests do), not initializers. */
  readonly fedWeights?: boolean;
  /** Graph input and output names by operator slot (default the slot's name: X, W, ..., Y, Y_h, Y_c). */
  readonly names?: Partial<Record<InputRole | OutputRole, string>>;
  /** The graph outputs (default every output the cell has). */
  readonly outputs?: readonly OutputRole[];
  /** The node's name (default 'cell'). */
  readonly node?: string;
}

/** Deterministic weights: sin-based values scaled by 1/sqrt(fan-in), zero-mean, reproducible. */
export function syntheticWeights(d: CellDescriptor): CellWeights {
  const G = gateCount(d.cell), H = d.hiddenSize, I = d.inputSize, D = numDirections(d.direction);
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * scale);
  return {
    W: fill(D * G * H * I, 1 / Math.sqrt(I)),
    R: fill(D * G * H * H, 1 / Math.sqrt(H)),
    B: fill(D * 2 * G * H, 0.1),
    P: d.hasPeepholes ? fill(D * 3 * H, 0.1) : null,
  };
}

/** The serialized ModelProto (opset 14) of one LSTM, GRU or RNN node computing `d`. */
export function cellModel(d: CellDescriptor, o: CellModelOptions = {}): Uint8Array {
  const spec = cellSpec(d.cell);
  const w = o.weights ?? syntheticWeights(d);
  const name = (r: InputRole | OutputRole) => o.names?.[r] ?? r;
  const sizes: NodeSizes = {
    directions: numDirections(d.direction), gates: gateCount(d.cell), hidden: d.hiddenSize, input: d.inputSize,
    batch: null, seq: null, layout: d.layout,
  };
  // The sequence length stays symbolic; the batch is written as the largest one, which the front end
  // reads as maxBatch while it still traces the axis as the run-time batch.
  const symbolic = (r: InputRole | OutputRole) => expectedDims(r, sizes).map((e) => e.size ?? (e.label === 'seq_length' ? 'seq' : d.maxBatch));
  const present: Record<InputRole, boolean> = {
    X: true, W: true, R: true, B: !!w.B, sequence_lens: d.hasSequenceLens, initial_h: d.hasInitialH, initial_c: d.hasInitialC, P: d.hasPeepholes,
  };
  const inputs: ValueInfoProto[] = [];
  const initializers: TensorProto[] = [];
  const weight: Partial<Record<InputRole, Float32Array | null | undefined>> = { W: w.W, R: w.R, B: w.B, P: w.P };
  for (const role of INPUT_ROLES) {
    if (!present[role]) continue;
    const data = weight[role];
    if (data && !o.fedWeights) initializers.push(rawFloatTensor(name(role), symbolic(role) as number[], data));
    else inputs.push(valueInfo(name(role), symbolic(role), role === 'sequence_lens' ? DataType.INT32 : DataType.FLOAT));
  }
  const node = {
    name: o.node ?? 'cell', opType: spec.onnxOp,
    input: trimTrailing(INPUT_ROLES.map((r) => (present[r] ? name(r) : ''))),
    output: OUTPUT_ROLES.slice(0, spec.maxOutputs).map((r) => name(r)),
    attribute: attributes(d),
  };
  const outputs = (o.outputs ?? OUTPUT_ROLES.slice(0, spec.maxOutputs)).map((r) => valueInfo(name(r), symbolic(r), DataType.FLOAT));
  return onnx.ModelProto.encode({
    irVersion: 8, producerName: 'rnnc', opsetImport: [{ domain: '', version: 14 }],
    graph: { name: 'cell', node: [node], input: inputs, initializer: initializers, output: outputs },
  }).finish();
}

/** The node's attributes, every activation parameter written out. */
function attributes(d: CellDescriptor): AttributeProto[] {
  const acts = d.activations;
  const per = activationsPerDirection(d.cell);
  const a: AttributeProto[] = [
    attr.int('hidden_size', d.hiddenSize),
    attr.string('direction', d.direction),
    attr.strings('activations', acts.slice(0, per * numDirections(d.direction)).map((x) => x.name)),
    attr.floats('activation_alpha', acts.filter((x) => ACTIVATION_PARAMS[x.name].alpha).map((x) => x.alpha)),
    attr.floats('activation_beta', acts.filter((x) => ACTIVATION_PARAMS[x.name].beta).map((x) => x.beta)),
  ];
  if (d.layout) a.push(attr.int('layout', 1));
  if (d.clip !== null) a.push(attr.float('clip', d.clip));
  if (d.linearBeforeReset) a.push(attr.int('linear_before_reset', 1));
  if (d.inputForget) a.push(attr.int('input_forget', 1));
  return a;
}

/** Absent optional inputs at the end are left out; inside, they stay as ''. */
function trimTrailing(xs: string[]): string[] {
  let n = xs.length;
  while (n > 0 && xs[n - 1] === '') n--;
  return xs.slice(0, n);
}
