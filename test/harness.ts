/**
 * Test harness: turns a descriptor and reference-style inputs into an RnnModel, compiles it with a
 * plan, runs it through the runtime and compares against the float64 reference.
 */
import type { CellDescriptor } from '../compiler/cells/descriptor.js';
import { numDirections, gateCount } from '../compiler/cells/descriptor.js';
import type { FeedSpec, InputRole, RnnModel, ConstantTensor } from '../compiler/frontend/rnn_model.js';
import { compileRnnModel, type CompileOptions } from '../compiler/module/artifact.js';
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

/** An RnnModel whose weights are constants (or feeds, with `fedWeights`) and the feeds for `inp`. */
export function modelFor(d: CellDescriptor, inp: ReferenceInputs, fedWeights = false): { model: RnnModel; feeds: Record<string, Tensor> } {
  const dims = inputDims(d, inp.seqLength, inp.batch);
  const feeds: FeedSpec[] = [];
  const constants: Partial<Record<InputRole, ConstantTensor>> = {};
  const values: Record<string, Tensor> = {};
  const roles: InputRole[] = ['X', 'W', 'R', 'B', 'sequence_lens', 'initial_h', 'initial_c', 'P'];
  for (const role of roles) {
    const data = roleData(inp, role);
    if (!data) continue;
    if (role === 'sequence_lens' && !d.hasSequenceLens) continue;
    if (role === 'initial_h' && !d.hasInitialH) continue;
    if (role === 'initial_c' && !d.hasInitialC) continue;
    if (role === 'P' && !d.hasPeepholes) continue;
    const isWeight = role === 'W' || role === 'R' || role === 'B' || role === 'P';
    if (isWeight && !fedWeights) {
      constants[role] = { dims: dims[role], data };
    } else {
      const name = `in_${role}`;
      const symbolic = role === 'X' ? (d.layout === 0 ? ['seq', 'batch', d.inputSize] : ['batch', 'seq', d.inputSize]) : dims[role];
      feeds.push({ name, role, dtype: role === 'sequence_lens' ? 'int32' : 'float32', dims: role === 'X' ? symbolic : role === 'sequence_lens' || role.startsWith('initial') ? dims[role].map(() => '?') : dims[role] });
      values[name] = new Tensor(data, dims[role]);
    }
  }
  const outputs: { name: string; role: 'Y' | 'Y_h' | 'Y_c' }[] = [{ name: 'Y', role: 'Y' }, { name: 'Y_h', role: 'Y_h' }];
  if (d.cell === 'lstm') outputs.push({ name: 'Y_c', role: 'Y_c' });
  return { model: { nodeName: 'test_node', opset: 14, descriptor: d, feeds, constants, outputs }, feeds: values };
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
export async function compareWithReference(d: CellDescriptor, inp: ReferenceInputs, opts: CompileOptions = {}, fedWeights = false): Promise<Comparison> {
  const { model, feeds } = modelFor(d, inp, fedWeights);
  const { artifact, plan } = compileRnnModel(model, opts);
  const engine = await Engine.create(artifact);
  const got = engine.run(feeds);
  const ref = referenceRnn(d, inp);
  let error = Math.max(maxAbsDiff(got.Y.data, ref.Y), maxAbsDiff(got.Y_h.data, ref.Y_h));
  if (ref.Y_c) error = Math.max(error, maxAbsDiff(got.Y_c.data, ref.Y_c));
  return { error, ref, got, kernel: plan.kernelName };
}
