/**
 * LSTM, GRU and RNN (cells/ holds what each kind computes): the node's rule, where the seq and batch
 * axes start (its X, states and lengths), its lowering to one `rnn` step, and the step's kernel: the
 * cell plan (plan/cell.ts) placed in memory with its packed weights, the emitters of emit/rnn/, and
 * the float64 reference. The only step every worker computes a share of.
 */
import { InternalError, UnsupportedError } from '../../contract/errors.js';
import type { Dim } from '../../contract/dims.js';
import type { FedWeights } from '../../contract/manifest.js';
import { packWeights } from '../../contract/layout.js';
import { descriptorKey, numDirections, type CellDescriptor } from '../cells/descriptor.js';
import { CELLS, cellSpec } from '../cells/index.js';
import { referenceRnn } from '../cells/reference_rnn.js';
import { isConst, type BufRef, type Operand, type Program, type Step } from '../frontend/program.js';
import { emitRnnNode } from '../emit/rnn/run.js';
import { decideCell, placeCell, type CellPlan, type Plan } from '../plan/cell.js';
import { scratchBytes } from '../plan/place.js';
import { partitionTable } from '../plan/partition.js';
import { rnnRule, type RnnDetail } from './rnn_rule.js';
import { permute } from './transpose.js';
import type { LowerCtx, NodeRules, OpModule, StepKernel } from './types.js';

/** One RNN node. Weights are constants (initializers) or buffers fed as graph inputs. */
export interface RnnStep extends Step {
  readonly op: 'rnn';
  readonly descriptor: CellDescriptor;
  /** The sequence length: the call's `seq`, or a number the model fixes (frames of a convolution front end). */
  readonly seq: Dim;
  /** X is [batch, seq, I] although the node's layout is 0 (a Transpose folded into the read). */
  readonly inputBatchMajor: boolean;
  readonly x: BufRef;
  readonly W: Operand;
  readonly R: Operand;
  readonly B: Operand | null;
  readonly P: Operand | null;
  readonly sequenceLens: BufRef | null;
  /** Absent when the graph builds zeros (the usual PyTorch Expand of a zero constant). */
  readonly initialH: Operand | null;
  readonly initialC: Operand | null;
  readonly y: BufRef | null;
  readonly yH: BufRef | null;
  readonly yC: BufRef | null;
}

/** Buffer ids of the step's XW scratch and of Y/Y_h/Y_c (scratch when the graph drops them; yc -1: none). */
interface RnnBuffers {
  readonly xw: number;
  readonly y: number;
  readonly yh: number;
  readonly yc: number;
}

function rules(kind: (typeof CELLS)[number]['kind']): NodeRules<RnnDetail> {
  return {
    infer: rnnRule(kind),
    axisRoots: (n) => {
      const batchFirst = n.attrs.int('layout', 0) === 1;
      const seqAxis = batchFirst ? 1 : 0;
      const batchAxis = 1 - seqAxis;
      const batch = (rank: number, axis: number) => ({ rank, fromEnd: new Map([[axis - rank, 'batch' as const]]) });
      return [
        { input: n.inputs[0], trail: { rank: 3, fromEnd: new Map<number, 'seq' | 'batch'>([[seqAxis - 3, 'seq'], [batchAxis - 3, 'batch']]) } },
        ...[5, 6].map((i) => ({ input: n.inputs[i] ?? '', trail: batch(3, batchAxis) })),
        { input: n.inputs[4] ?? '', trail: batch(1, 0) },
      ];
    },
    absorbsTranspose: (_node, d, input, perm) => input === 0 && d?.descriptor.layout === 0 && perm.join() === '1,0,2',
    lower: lowerRnn,
  };
}

function lowerRnn(l: LowerCtx<RnnDetail>): void {
  const d = l.detail!;
  const node = l.node, n = node.inputs, b = l.b;
  const folded = l.foldedTranspose(n[0]);
  const x = folded?.x ?? b.ref(n[0]);
  const op = (i: number, v: unknown): Operand | null => (v ? b.operand(n[i], v as never) : null);
  const outs = [0, 1, 2].map((i) => (l.needed(node.outputs[i] ?? '') ? b.buffer(node.outputs[i], l.val(node.outputs[i])) : null));
  b.step({
    op: 'rnn', node: node.name, descriptor: d.descriptor, seq: d.seq, inputBatchMajor: !!folded, x,
    W: op(1, d.W)!, R: op(2, d.R)!, B: op(3, d.B), P: op(7, d.P),
    sequenceLens: d.sequenceLens ? b.ref(n[4]) : null, initialH: op(5, d.initialH), initialC: op(6, d.initialC),
    y: outs[0], yH: outs[1], yC: outs[2],
  } satisfies RnnStep, [
    `rnn '${node.name}' ${descriptorKey(d.descriptor)}: x ${b.describe(x)}`,
    folded ? ` (Transpose '${folded.by.name}' folded: X read batch-major)` : '',
    ` -> ${['y', 'y_h', 'y_c'].map((s, i) => (outs[i] ? `${s} ${b.describe(outs[i]!)}` : '')).filter(Boolean).join(', ')}`,
    d.zeroStates.length ? `; ${d.zeroStates.join(', ')} zeros (folded away)` : '',
    d.initialH || d.initialC ? `; fed ${[d.initialH ? 'initial_h' : '', d.initialC ? 'initial_c' : ''].filter(Boolean).join(', ')}` : '',
  ].join(''));
}

/** Pass 1: the cell's decisions, and the scratch buffers its call needs. */
interface Decided {
  readonly cell: CellPlan;
  readonly buffers: RnnBuffers;
  /** The handle of the scratch rows' zeroed static memory (the state lives on between calls). */
  readonly scratch: number;
}

/** Pass 2: the cell placed in memory, its weights packed into the image or fed at run time. */
interface Placed {
  readonly plan: Plan;
  readonly buffers: RnnBuffers;
  readonly fed: FedWeights | null;
}

const rnn: StepKernel<RnnStep, Decided, Placed> = {
  everyWorker: true,
  plan: (step, c) => {
    const d = step.descriptor;
    const cell = decideCell(d, c.options(d), { inputBatchMajor: step.inputBatchMajor, machine: c.machine });
    const D = numDirections(d.direction), H = d.hiddenSize;
    const state: Dim[] = d.layout === 0 ? [D, 'batch', H] : ['batch', D, H];
    const buffers: RnnBuffers = {
      xw: c.buffer([step.seq, 'batch', cell.xwStride], 64),
      y: step.y ? step.y.buffer : c.buffer(d.layout === 0 ? [step.seq, D, 'batch', H] : ['batch', step.seq, D, H]),
      yh: step.yH ? step.yH.buffer : c.buffer(state),
      yc: cellSpec(d.cell).carriedState === null ? -1 : step.yC ? step.yC.buffer : c.buffer(state),
    };
    return { cell, buffers, scratch: c.zeroedStatic(scratchBytes(cell)) };
  },
  place: (step, decided, c) => {
    const base = c.next;
    const plan = placeCell(decided.cell, base, `s${c.index}_${decided.cell.kernelName}`, c.zeroedOffset(decided.scratch));
    const weights = [step.W, step.R, step.B, step.P];
    const fed = weights.filter((o) => o && !isConst(o));
    const constant = (o: Operand | null) => (o && isConst(o) ? (c.constant(o) as Float32Array) : null);
    if (fed.length > 0 && fed.length !== weights.filter((o) => o).length) {
      throw new UnsupportedError(`node '${step.node}': W, R, B and P must be all initializers or all graph inputs, not a mix`);
    }
    const L = plan.layout;
    const at = c.reserve(L.staticEnd - L.weightsBegin, (image) => {
      new Int32Array(image.buffer).set(partitionTable(L.hiddenPadded / L.unitsPerBlock, L.unitsPerBlock * 4), plan.scratch.partition / 4);
      if (fed.length === 0) packWeights(L, { W: constant(step.W)!, R: constant(step.R)!, B: constant(step.B), P: constant(step.P) }, image);
    });
    if (at !== base) throw new InternalError(`node '${step.node}' was placed at ${base} but reserved at ${at}`);
    if (fed.length === 0) return { plan, buffers: decided.buffers, fed: null };
    const id = (o: Operand | null) => (o && !isConst(o) ? o.buffer : -1);
    return { plan, buffers: decided.buffers, fed: { node: step.node, layout: plan.layout, W: id(step.W), R: id(step.R), B: id(step.B), P: id(step.P) } };
  },
  emit: (c, step, { plan, buffers }) => {
    const b = c.b, name = `${plan.symbol}_run`;
    emitRnnNode(b, plan, name, c.threads ? { control: c.threads.control } : undefined);
    const opt = (o: Operand | null) => (o ? c.addr(o) : b.i32(0));
    return b.call(name, [
      step.seq === 'seq' ? c.s.get(c.seq) : b.i32(step.seq as number), c.s.get(c.batch), c.addr(step.x), opt(step.sequenceLens), opt(step.initialH), opt(step.initialC),
      c.bufferAddr(buffers.y), c.bufferAddr(buffers.yh), buffers.yc >= 0 ? c.bufferAddr(buffers.yc) : b.i32(0), c.bufferAddr(buffers.xw), c.resume(),
      ...(c.threads ? [c.threads.worker(), c.threads.workers()] : []),
    ]);
  },
  interpret: (step, io) => {
    const d = step.descriptor;
    let X = io.read(step.x);
    if (step.inputBatchMajor) X = permute(X, step.x.dims.map(io.dim), [1, 0, 2]);
    const opt = (o: Operand | null) => (o ? io.read(o) : null);
    const r = referenceRnn(d, {
      X, W: io.read(step.W), R: io.read(step.R), B: opt(step.B), P: opt(step.P), sequenceLens: opt(step.sequenceLens),
      initialH: opt(step.initialH), initialC: opt(step.initialC), seqLength: io.dim(step.seq), batch: io.batch,
    });
    if (step.y) io.write(step.y, r.Y);
    if (step.yH) io.write(step.yH, r.Y_h);
    if (step.yC && r.Y_c) io.write(step.yC, r.Y_c);
  },
  checks: (step) => (step.sequenceLens ? [{ buffer: step.sequenceLens.buffer, bound: 'seq', what: `sequence_lens of node '${step.node}'` }] : []),
  stateOperands: (step) => [step.initialH, step.initialC],
  packs: (step) => [step.W, step.R, step.B, step.P],
  // A backward direction needs the whole sequence before its first step; a fixed length is the model's own.
  streamable: (step) => step.descriptor.direction === 'forward' && step.seq === 'seq',
  cellPlan: (placed) => placed.plan,
  relaxedSimd: (placed) => placed.plan.relaxedSimd,
  fedWeights: (_step, placed) => placed.fed,
};

export const rnnOp: OpModule = {
  summary: CELLS.map((c) => c.onnxOp).join(', '),
  nodes: Object.fromEntries(CELLS.map((c) => [c.onnxOp, rules(c.kind)])),
  steps: { rnn },
};

/** The program's RNN steps, in order (the tuner and `rnnc plan` list their cells). */
export function rnnSteps(program: Program): RnnStep[] {
  return program.steps.filter((s): s is RnnStep => s.op === 'rnn');
}
