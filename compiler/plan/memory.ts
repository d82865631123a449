/**
 * Static memory of a whole-model module: the buffer-offset table, then the image (constants,
 * each RNN node's packed weights and scratch, each matmul's packed panels). Resolved once; the
 * emitters read offsets from here and never decide placement themselves.
 */
import type { Program, Dim, Operand, RnnStep } from '../frontend/program.js';
import { isConst } from '../frontend/program.js';
import { makePlan, type Plan, type PlanOptions } from './cell.js';
import { RESERVED } from '../../contract/abi.js';
import { numDirections, type CellDescriptor } from '../cells/descriptor.js';
import { cellSpec } from '../cells/index.js';
import { packWeights, type NodeWeights } from '../../contract/layout.js';
import type { FedWeights, ManifestBuffer } from '../../contract/manifest.js';
import { UnsupportedError } from '../../contract/errors.js';
import { CONTROL_BYTES } from '../../contract/control.js';

/** A kernel's private static data that a step emitter asks for (e.g. packed matmul panels). */
export interface StaticRequest {
  /** Floats to reserve. */
  readonly floats: number;
  /** Fills the reserved floats (a view of exactly `floats` elements); `data` reads a constant. */
  readonly fill: (into: Float32Array, data: (o: Operand) => Float32Array | Int32Array) => void;
}

export interface StaticLayout {
  readonly tableOffset: number;
  /** The control block and barrier cells of multi-worker runs (runtime/control.ts). */
  readonly controlOffset: number;
  readonly imageBegin: number;
  readonly imageEnd: number;
  /** Byte offset of each constant. */
  readonly constOffset: readonly number[];
  /** Per step index: the RNN plan, when the step is an RNN. */
  readonly plans: ReadonlyMap<number, Plan>;
  /** Per step index: byte offsets of the step's static requests, in request order. */
  readonly statics: ReadonlyMap<number, readonly number[]>;
  /** Every run-time buffer: the program's, then scratch (XW of each RNN, unused RNN outputs). */
  readonly buffers: readonly ManifestBuffer[];
  /** Per RNN step: buffer ids of its XW scratch and of Y/Y_h/Y_c (scratch when the graph drops them). */
  readonly rnnBuffers: ReadonlyMap<number, { xw: number; y: number; yh: number; yc: number }>;
  readonly fedWeights: readonly FedWeights[];
  /** The image bytes [imageBegin, imageEnd). */
  readonly image: Uint8Array;
}

const align16 = (n: number) => (n + 15) & ~15;

/** Lays out static memory. `requests(step, index)` names the static data non-RNN kernels need. */
export function layOutStatic(program: Program, opts: PlanOptions | ((d: CellDescriptor) => PlanOptions),
  requests: (index: number) => readonly StaticRequest[]): StaticLayout {
  const optsFor = (d: CellDescriptor) => (typeof opts === 'function' ? opts(d) : opts);
  const buffers: ManifestBuffer[] = program.buffers.map((b) => ({ dims: b.dims, slack: 0 }));
  const scratch = (dims: Dim[], slack = 0) => {
    buffers.push({ dims, slack });
    return buffers.length - 1;
  };
  // Scratch buffers first, so the table size is known.
  const rnnBuffers = new Map<number, { xw: number; y: number; yh: number; yc: number }>();
  const planFor = new Map<number, { step: RnnStep; plan0: Plan }>();
  program.steps.forEach((step, i) => {
    if (step.op !== 'rnn') return;
    const d = step.descriptor;
    const plan0 = makePlan(d, optsFor(d), { inputBatchMajor: step.inputBatchMajor });
    const D = numDirections(d.direction), H = d.hiddenSize;
    const state: Dim[] = d.layout === 0 ? [D, 'batch', H] : ['batch', D, H];
    rnnBuffers.set(i, {
      xw: scratch(['seq', 'batch', plan0.layout.xwStride], 64),
      y: step.y ? step.y.buffer : scratch(d.layout === 0 ? ['seq', D, 'batch', H] : ['batch', 'seq', D, H]),
      yh: step.yH ? step.yH.buffer : scratch(state),
      yc: cellSpec(d.cell).carriedState === null ? -1 : step.yC ? step.yC.buffer : scratch(state),
    });
    planFor.set(i, { step, plan0 });
  });

  const controlOffset = RESERVED;
  const tableOffset = controlOffset + CONTROL_BYTES;
  let at = align16(tableOffset + buffers.length * 4);
  const imageBegin = at;
  const constOffset = program.constants.map((c) => {
    const p = at;
    at = align16(at + c.data.length * 4);
    return p;
  });
  const plans = new Map<number, Plan>();
  const statics = new Map<number, number[]>();
  const fills: (() => void)[] = [];
  const fedWeights: FedWeights[] = [];
  let image = new Float32Array(0);
  program.steps.forEach((step, i) => {
    const rnn = planFor.get(i);
    if (rnn) {
      const plan = makePlan(rnn.step.descriptor, optsFor(rnn.step.descriptor), { memoryBase: at, symbol: `s${i}_${rnn.plan0.kernelName}`, inputBatchMajor: rnn.step.inputBatchMajor });
      plans.set(i, plan);
      at = align16(plan.layout.staticEnd);
      const w = [rnn.step.W, rnn.step.R, rnn.step.B, rnn.step.P];
      const fed = w.filter((o) => o && !isConst(o));
      if (fed.length === 0) {
        fills.push(() => packWeights(plan.layout, constWeights(program, rnn.step), image));
      } else if (fed.length === w.filter((o) => o).length) {
        const id = (o: Operand | null) => (o && !isConst(o) ? o.buffer : -1);
        fedWeights.push({ node: rnn.step.node, layout: plan.layout, W: id(rnn.step.W), R: id(rnn.step.R), B: id(rnn.step.B), P: id(rnn.step.P) });
      } else {
        throw new UnsupportedError(`node '${rnn.step.node}': W, R, B and P must be all initializers or all graph inputs, not a mix`);
      }
      return;
    }
    const offs: number[] = [];
    for (const r of requests(i)) {
      const p = at;
      offs.push(p);
      at = align16(at + r.floats * 4);
      fills.push(() => r.fill(image.subarray(p / 4, p / 4 + r.floats), (o) => (isConst(o) ? program.constants[o.constant].data : new Float32Array(0))));
    }
    statics.set(i, offs);
  });
  const imageEnd = at;
  image = new Float32Array(imageEnd / 4);
  program.constants.forEach((c, i) => {
    if (c.data instanceof Int32Array) new Int32Array(image.buffer, constOffset[i], c.data.length).set(c.data);
    else image.set(c.data, constOffset[i] / 4);
  });
  for (const f of fills) f();
  return {
    tableOffset, controlOffset, imageBegin, imageEnd, constOffset, plans, statics, buffers, rnnBuffers, fedWeights,
    image: new Uint8Array(image.buffer, imageBegin, imageEnd - imageBegin).slice(),
  };
}

function constWeights(program: Program, step: RnnStep): NodeWeights {
  const data = (o: Operand | null) => (o && isConst(o) ? (program.constants[o.constant].data as Float32Array) : null);
  return { W: data(step.W)!, R: data(step.R)!, B: data(step.B), P: data(step.P) };
}
