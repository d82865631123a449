/** A single-node RnnModel as a program of one step: the same path as whole models. */
import type { RnnModel, InputRole } from './rnn_model.js';
import type { RnnStep } from '../ops/rnn.js';
import type { BufRef, BufferSpec, ConstRef, ConstantSpec, Dim, Program, Operand, ProgramIO } from './program.js';
import { UnsupportedError } from '../../contract/errors.js';
import { numDirections, gateCount } from '../cells/descriptor.js';

/** Lowers one RNN node (inputs fed or constant) into a one-step program. */
export function streamFromNode(model: RnnModel): Program {
  const d = model.descriptor;
  const D = numDirections(d.direction), G = gateCount(d.cell), H = d.hiddenSize, I = d.inputSize;
  const buffers: BufferSpec[] = [];
  const constants: ConstantSpec[] = [];
  const inputs: ProgramIO[] = [];
  const state: Dim[] = d.layout === 0 ? [D, 'batch', H] : ['batch', D, H];
  const dims: Record<InputRole, Dim[]> = {
    X: d.layout === 0 ? ['seq', 'batch', I] : ['batch', 'seq', I], W: [D, G * H, I], R: [D, G * H, H], B: [D, 2 * G * H],
    sequence_lens: ['batch'], initial_h: state, initial_c: state, P: [D, 3 * H],
  };
  const buffer = (name: string, dtype: 'float32' | 'int32', bd: Dim[]): BufRef => {
    buffers.push({ id: buffers.length, dtype, dims: bd, name });
    return { buffer: buffers.length - 1, dims: bd };
  };
  const operand = (role: InputRole): Operand | null => {
    const feed = model.feeds.find((f) => f.role === role);
    if (feed) {
      const ref = buffer(feed.name, feed.dtype, dims[role]);
      inputs.push({ name: feed.name, dtype: feed.dtype, dims: dims[role], buffer: ref.buffer });
      return ref;
    }
    const c = model.constants[role];
    if (!c) return null;
    constants.push({ id: constants.length, dtype: c.data instanceof Int32Array ? 'int32' : 'float32', dims: [...c.dims], name: role, data: c.data });
    return { constant: constants.length - 1, dims: [...c.dims] } satisfies ConstRef;
  };
  // Graph inputs first, in the graph's order; then the constants.
  const ops = new Map<InputRole, Operand | null>();
  for (const f of model.feeds) ops.set(f.role, operand(f.role));
  for (const role of ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'] as InputRole[]) {
    if (!ops.has(role)) ops.set(role, operand(role));
  }
  const x = ops.get('X');
  if (!x || !('buffer' in x)) throw new UnsupportedError(`node '${model.nodeName}': input X must be fed at run time`);
  const seqLens = ops.get('sequence_lens') ?? null;
  if (seqLens && !('buffer' in seqLens)) throw new UnsupportedError(`node '${model.nodeName}': a constant sequence_lens is not supported; feed it as an input`);
  const outputs: ProgramIO[] = [];
  const out = (role: 'Y' | 'Y_h' | 'Y_c', od: Dim[]) => {
    const spec = model.outputs.find((o) => o.role === role);
    if (!spec) return null;
    const ref = buffer(spec.name, 'float32', od);
    outputs.push({ name: spec.name, dtype: 'float32', dims: od, buffer: ref.buffer });
    return ref;
  };
  const y = out('Y', d.layout === 0 ? ['seq', D, 'batch', H] : ['batch', 'seq', D, H]);
  const yH = out('Y_h', state);
  const yC = d.cell === 'lstm' ? out('Y_c', state) : null;
  // Keep graph-output order.
  outputs.sort((a, b) => model.outputs.findIndex((o) => o.name === a.name) - model.outputs.findIndex((o) => o.name === b.name));
  return {
    maxBatch: d.maxBatch,
    inputs, outputs, buffers, constants,
    steps: [{
      op: 'rnn', node: model.nodeName, descriptor: d, inputBatchMajor: false, x,
      W: ops.get('W')!, R: ops.get('R')!, B: ops.get('B') ?? null, P: ops.get('P') ?? null,
      sequenceLens: seqLens as BufRef | null, initialH: ops.get('initial_h') ?? null, initialC: ops.get('initial_c') ?? null,
      y, yH, yC,
    } satisfies RnnStep as RnnStep],
  };
}
