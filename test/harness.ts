/**
 * Test harness: turns a descriptor and reference-style inputs into a one-node ONNX model, compiles it
 * the way `rnnc compile` does, runs it through the runtime and compares against the float64 reference.
 */
import type { CellDescriptor } from '../compiler/cells/descriptor.js';
import { numDirections, gateCount } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel, type ModelCompileOptions } from '../compiler/index.js';
import type { InputRole } from '../compiler/ops/rnn_shapes.js';
import { Engine } from '../runtime/engine.js';
import { Tensor } from '../runtime/tensor.js';
import { referenceRnn, type ReferenceInputs, type ReferenceOutputs } from './reference.js';

/** Shapes of each operator input for a call with `T` steps and `B` rows. */
export function inputDims(d: CellDescriptor, T: number, B: number): Record<InputRole, number[]> {
  const D = numDirections(d.direction), G = gateCount(d.cell), H = d.hiddenSize, I = d.inputSize;
  const state = d.layout === 0 ? [D, B, H] : [B, D, H];
  return {
    X: d.layout === 0 ? [T, B, I] : [B, T, I], W: [D, G * H, I], R: [D, G * H, H], B: [D, 2 * G * H],
    sequence_lens: [B], initial_h: state, initial_c: state, P: [D, 3 * H],
  };
}

function roleData(inp: ReferenceInputs, role: InputRole): Float32Array | Int32Array | null {
  const f = (a: ArrayLike<number> | null | undefined) => (a ? Float32Array.from(a) : null);
  switch (role) {
    case 'X': return f(inp.X);
    case 'W': return f(inp.W);
    case 'R': return f(inp.R);
    case 'B': return f(inp.B);
    case 'P': return f(inp.P);
    case 'initial_h': return f(inp.initialH);
    case 'initial_c': return f(inp.initialC);
    case 'sequence_lens': return inp.sequenceLens ? Int32Array.from(inp.sequenceLens) : null;
  }
}

/** The feed names the harness's models use for the operator inputs fed at run time. */
const FEED_NAMES = { X: 'in_X', W: 'in_W', R: 'in_R', B: 'in_B', P: 'in_P', sequence_lens: 'in_sequence_lens', initial_h: 'in_initial_h', initial_c: 'in_initial_c' } as const;

/**
 * A one-node ONNX model of `d` (compiler/frontend/cell_model.ts: the path `rnnc compile` takes) with
 * `inp`'s weights as initializers (or fed, with `fedWeights`), and the feeds for `inp`.
 */
export function modelFor(d: CellDescriptor, inp: ReferenceInputs, fedWeights = false): { model: Uint8Array; feeds: Record<string, Tensor> } {
  const dims = inputDims(d, inp.seqLength, inp.batch);
  const f32 = (a: ArrayLike<number> | null | undefined) => (a ? Float32Array.from(a) : null);
  const weights = { W: f32(inp.W)!, R: f32(inp.R)!, B: f32(inp.B), P: d.hasPeepholes ? f32(inp.P) : null };
  const model = cellModel(d, { weights, fedWeights, names: FEED_NAMES });
  const values: Record<string, Tensor> = {};
  const roles: InputRole[] = ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'];
  const present: Record<InputRole, boolean> = {
    X: true, W: fedWeights, R: fedWeights, B: fedWeights && !!inp.B, P: fedWeights && d.hasPeepholes,
    sequence_lens: d.hasSequenceLens, initial_h: d.hasInitialH, initial_c: d.hasInitialC,
  };
  for (const role of roles) {
    const data = roleData(inp, role);
    if (present[role] && data) values[FEED_NAMES[role]] = new Tensor(data, dims[role]);
  }
  return { model, feeds: values };
}

/** Largest |a - b| over two arrays of equal length (NaN counts as infinitely wrong). */
export function maxAbsDiff(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(Number(a[i]) - Number(b[i]));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}

export interface Comparison {
  readonly error: number;
  readonly ref: ReferenceOutputs;
  readonly got: Record<string, Tensor>;
  readonly kernel: string;
}

/** Compiles `d` with `opts`, runs it on `inp` and returns the max abs error against the reference. */
export async function compareWithReference(d: CellDescriptor, inp: ReferenceInputs, opts: ModelCompileOptions = {}, fedWeights = false): Promise<Comparison> {
  const { model, feeds } = modelFor(d, inp, fedWeights);
  const { artifact, plan } = compileModel(model, opts);
  const engine = await Engine.create(artifact);
  const got = engine.run(feeds);
  const ref = referenceRnn(d, inp);
  let error = Math.max(maxAbsDiff(got.Y.data, ref.Y), maxAbsDiff(got.Y_h.data, ref.Y_h));
  if (ref.Y_c) error = Math.max(error, maxAbsDiff(got.Y_c.data, ref.Y_c));
  return { error, ref, got, kernel: plan.kernelName };
}
