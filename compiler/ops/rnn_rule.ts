/**
 * The shape rule of LSTM, GRU and RNN nodes: attributes read and checked (readRnnAttributes), every
 * operand's dims checked against the operator spec (expectedDims/checkDims), the descriptor built,
 * states that the graph fills with zeros dropped, and the outputs' symbolic dims.
 */
import { type CellDescriptor, type CellKind, describeCell, gateCount, numDirections } from '../cells/descriptor.js';
import { cellSpec } from '../cells/index.js';
import { readRnnAttributes, type RnnAttributes } from './rnn_attributes.js';
import { type InputRole, type NodeSizes, checkDims, expectedDims } from './rnn_shapes.js';
import { ModelError } from '../../contract/errors.js';
import { type Ctx, materialize, modelError, unsupported } from '../frontend/ctx.js';
import { uniformValue } from '../frontend/fold.js';
import { BATCH, SEQ, type SymInt, formatDims, formatSym, isNum, symEq } from '../frontend/symbolic.js';
import type { RunVal, Val } from '../frontend/value.js';

/** The RNN operands as inferred values (null when absent or, for states, an all-zero constant). */
export interface RnnDetail {
  readonly descriptor: CellDescriptor;
  /** The sequence length: the call's, or a number the model fixes. */
  readonly seq: number | 'seq';
  readonly W: Val;
  readonly R: Val;
  readonly B: Val | null;
  readonly P: Val | null;
  readonly sequenceLens: RunVal | null;
  readonly initialH: Val | null;
  readonly initialC: Val | null;
  /** States given as zeros by the graph and dropped (for the summary). */
  readonly zeroStates: readonly string[];
}

const ROLE_INDEX: Record<InputRole, number> = { X: 0, W: 1, R: 2, B: 3, sequence_lens: 4, initial_h: 5, initial_c: 6, P: 7 };

/** A node under the rule: its context, attributes and how messages name its inputs. */
interface Node {
  readonly c: Ctx<RnnDetail>;
  readonly cell: CellKind;
  readonly attrs: RnnAttributes;
  /** `input W ('W') of node 'lstm'`. */
  readonly what: (role: InputRole) => string;
}

/** The shape rule of a node of one cell kind. */
export function rnnRule(cell: CellKind): (c: Ctx<RnnDetail>) => (Val | null)[] {
  return (c) => {
    const n = c.node, spec = cellSpec(cell);
    const where = `node '${n.name}'`;
    if (n.inputs.length > spec.maxInputs) modelError(c, `has ${n.inputs.length} inputs; ${n.op} takes at most ${spec.maxInputs}`);
    if (n.outputs.length > spec.maxOutputs) modelError(c, `has ${n.outputs.length} outputs; ${n.op} has at most ${spec.maxOutputs}`);
    const node: Node = { c, cell, attrs: readRnnAttributes(n.proto, cell, c.opset, where), what: (role) => `input ${role} ('${n.inputs[ROLE_INDEX[role]]}') of ${where}` };
    const { x, input, seq } = readX(node);
    const { W, R, B, P } = readWeights(node);
    const hidden = hiddenSize(node, W, R);
    const sizes: NodeSizes = { directions: numDirections(node.attrs.direction), gates: gateCount(cell), hidden, input, batch: null, seq: null, layout: node.attrs.layout };
    ([['X', x], ['W', W], ['R', R], ['B', B], ['P', P]] as const).forEach(([role, v]) => checkOperand(node, sizes, role, v));
    const sequenceLens = readLens(node);
    if (sequenceLens && isNum(seq)) unsupported(`sequence_lens with a sequence length the model fixes (${seq}); rnnc reads lengths of run-time sequences`);
    const zeroStates: string[] = [];
    const initialH = readState(node, sizes, 'initial_h', zeroStates);
    const initialC = spec.carriedState !== null ? readState(node, sizes, 'initial_c', zeroStates) : null;
    const a = node.attrs;
    const descriptor = describeCell({
      cell, inputSize: input, hiddenSize: hidden, maxBatch: c.maxBatch, direction: a.direction, layout: a.layout,
      activations: a.activations, clip: a.clip, linearBeforeReset: a.linearBeforeReset,
      inputForget: a.inputForget, hasPeepholes: P !== null, hasSequenceLens: sequenceLens !== null,
      hasInitialH: initialH !== null, hasInitialC: initialC !== null,
    }, where);
    c.detail({ descriptor, seq: isNum(seq) ? seq : 'seq', W, R, B, P, sequenceLens, initialH, initialC, zeroStates });
    const D = sizes.directions;
    const y: SymInt[] = a.layout === 0 ? [seq, D, BATCH, hidden] : [BATCH, seq, D, hidden];
    const st: SymInt[] = a.layout === 0 ? [D, BATCH, hidden] : [BATCH, D, hidden];
    return [
      { kind: 'run', dtype: 'float', dims: y },
      { kind: 'run', dtype: 'float', dims: st },
      spec.carriedState !== null ? { kind: 'run', dtype: 'float', dims: st } : null,
    ];
  };
}

/** X: computed at run time, float, rank 3, its seq and batch axes traced where the layout reads them. */
function readX({ c, attrs }: Node): { x: Val; input: number; seq: SymInt } {
  const layout = attrs.layout;
  const x = c.input(0);
  if (x.kind !== 'run') unsupported('X is a constant; rnnc needs X computed or fed at run time');
  if (x.dtype !== 'float' || x.dims.length !== 3) modelError(c, `X must be a float tensor of rank 3, got ${x.dtype}${formatDims(x.dims)}`);
  const [seqAt, batchAt] = layout === 0 ? [0, 1] : [1, 0];
  // The sequence axis is the call's `seq`, or a size the model fixes (a convolution front end's frames).
  const seqOk = symEq(x.dims[seqAt], SEQ) || (isNum(x.dims[seqAt]) && (x.dims[seqAt] as number) >= 1);
  if (!seqOk || !symEq(x.dims[batchAt], BATCH)) {
    const want = layout === 0 ? '[seq, batch, input_size]' : '[batch, seq, input_size]';
    if (x.dims.some((d) => symEq(d, SEQ)) && x.dims.some((d) => symEq(d, BATCH))) {
      modelError(c, `X has dims ${formatDims(x.dims)}, but layout ${layout} reads ${want}`);
    }
    unsupported(`X has dims ${formatDims(x.dims)}; rnnc could not trace its sequence and batch axes ${want} back to a graph input's axes (through Gather, Transpose, Squeeze/Unsqueeze, Cast, elementwise ops, MatMul)`);
  }
  const input = x.dims[2];
  if (!isNum(input)) modelError(c, `X has dims ${formatDims(x.dims)}; its last dim (input_size) must be a number`);
  return { x, input, seq: x.dims[seqAt] };
}

/**
 * W, R, B and P: float, all initializers or all graph inputs, of fixed dims. A graph input whose
 * dims vary (the model's X wired to W) would be read as weights of whatever size each call feeds.
 */
function readWeights({ c, cell, what }: Node): { W: Val; R: Val; B: Val | null; P: Val | null } {
  const n = c.node;
  const graphInputs = new Set(c.graph.inputs.map((i) => i.name));
  const weight = (role: InputRole): Val | null => {
    const v = c.optional(ROLE_INDEX[role]);
    if (!v) return null;
    if (v.kind === 'run' && !graphInputs.has(n.inputs[ROLE_INDEX[role]])) {
      unsupported(`${role} is computed at run time; rnnc takes weights as initializers or graph inputs`);
    }
    if (!v.dims.every(isNum)) {
      throw new ModelError(`${what(role)} has dims ${formatDims(v.dims)}, which vary at run time; weights must be initializers or graph inputs of fixed dims`);
    }
    if (v.dtype !== 'float') modelError(c, `${role} must be float`);
    return materialize(v, role);
  };
  const W = weight('W') ?? modelError(c, 'required input W is missing');
  const R = weight('R') ?? modelError(c, 'required input R is missing');
  const B = weight('B');
  const P = cellSpec(cell).takes.peepholes ? weight('P') : null;
  const ws = [W, R, B, P].filter((v): v is Val => v !== null);
  if (ws.some((v) => v.kind === 'run') && ws.some((v) => v.kind !== 'run')) {
    unsupported('W, R, B and P must be all initializers or all graph inputs, not a mix');
  }
  return { W, R, B, P };
}

/** hidden_size, or what R's or W's dims tell. */
function hiddenSize({ c, cell, attrs }: Node, W: Val, R: Val): number {
  const gates = gateCount(cell);
  const num = (v: Val, i: number) => (isNum(v.dims[i]) ? (v.dims[i] as number) : null);
  const w1 = num(W, 1);
  return attrs.hiddenSize ?? num(R, 2) ?? (w1 !== null && w1 % gates === 0 ? w1 / gates : null)
    ?? modelError(c, 'hidden_size is not given and the dims of W and R do not tell it');
}

/** An operand's dims against the spec's. */
function checkOperand(node: Node, sizes: NodeSizes, role: InputRole, v: Val | null): void {
  if (v) checkDims(node.what(role), expectedDims(role, sizes), v.dims.map((d): number | string => (isNum(d) ? d : formatSym(d))));
}

/** sequence_lens: fed at run time, int32 of dims [batch]. */
function readLens({ c, what }: Node): RunVal | null {
  const lens = c.optional(4);
  if (!lens) return null;
  if (lens.kind !== 'run') {
    unsupported('sequence_lens is a constant; feed it as a graph input, or leave it out when every sequence has the full length');
  }
  if (lens.dtype !== 'int' || lens.dims.length !== 1 || !symEq(lens.dims[0], BATCH)) {
    modelError(c, `${what('sequence_lens')} must be int32 of dims [batch], got ${lens.dtype}${formatDims(lens.dims)}`);
  }
  return lens;
}

/** An initial state: fed at run time with the run-time batch, or zeros (dropped, noted in `zeroStates`). */
function readState(node: Node, sizes: NodeSizes, role: 'initial_h' | 'initial_c', zeroStates: string[]): Val | null {
  const { c, attrs } = node;
  const v = c.optional(ROLE_INDEX[role]);
  if (!v) return null;
  checkOperand(node, sizes, role, v);
  if (v.dtype !== 'float') modelError(c, `${role} must be float`);
  const batchDim: SymInt = v.dims[attrs.layout === 0 ? 1 : 0];
  if (v.kind === 'run') {
    if (!symEq(batchDim, BATCH)) {
      unsupported(`${role} has dims ${formatDims(v.dims)}; its batch axis must be the run-time batch (feed it from a graph input whose batch axis matches X)`);
    }
    return v;
  }
  const value = v.kind === 'fill' ? v.value : uniformValue(v);
  if (value === 0) {
    zeroStates.push(role);
    return null;
  }
  return unsupported(value === null
    ? `${role} is a constant that differs per element; rnnc supports zeros (the default) or a state fed at run time`
    : `${role} is a broadcast of the non-zero constant ${value}; rnnc supports zeros (the default) or a state fed at run time`);
}
