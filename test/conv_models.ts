/**
 * Conv models for the tests, built in memory: Conv nodes with their attributes and seeded weights,
 * beside the one RNN every rnnc model has, compiled into the module that ships and run by the engine,
 * and the same bytes run by onnxruntime-node.
 */
import ort from 'onnxruntime-node';
import { compileModel, type ModelCompileOptions } from '../compiler/index.js';
import { Engine } from '../runtime/engine.js';
import { Tensor } from '../runtime/tensor.js';
import type { ConvAttrs } from './conv_reference.js';
import { GraphBuilder, attr } from './graph_builder.js';
import type { Rng } from './random.js';

/** Seeded floats in [lo, hi). */
export const floats = (rng: Rng, n: number, lo = -1, hi = 1) => Array.from({ length: n }, () => lo + (hi - lo) * rng());

/** The ONNX attributes of `a` (only those given). */
export function convAttributes(a: ConvAttrs, k?: number) {
  return [
    ...(k !== undefined ? [attr.ints('kernel_shape', [k])] : []),
    ...(a.group !== undefined ? [attr.int('group', a.group)] : []),
    ...(a.stride !== undefined ? [attr.ints('strides', [a.stride])] : []),
    ...(a.dilation !== undefined ? [attr.ints('dilations', [a.dilation])] : []),
    ...(a.pads !== undefined && (a.autoPad ?? 'NOTSET') === 'NOTSET' ? [attr.ints('pads', [...a.pads])] : []),
    ...(a.autoPad !== undefined ? [attr.string('auto_pad', a.autoPad)] : []),
  ];
}

/**
 * Initializers of one Conv: W [M, C/group, k] and, when `bias`, B [M], uniform in +-1/sqrt(C/group * k)
 * (PyTorch's initialization: outputs stay about as large as inputs through a chain); their values.
 */
export function convWeights(g: GraphBuilder, rng: Rng, name: string, dims: { C: number; M: number; k: number; group?: number }, bias: boolean) {
  const fanIn = (dims.C / (dims.group ?? 1)) * dims.k, bound = 1 / Math.sqrt(fanIn);
  const w = floats(rng, dims.M * fanIn, -bound, bound);
  const b = bias ? floats(rng, dims.M, -bound, bound) : null;
  const W = g.init(`${name}.weight`, [dims.M, dims.C / (dims.group ?? 1), dims.k], w);
  const B = b ? g.init(`${name}.bias`, [dims.M], b) : null;
  return { W, B, w, b };
}

/** A GRU on its own input `seq` [T, 1, 2] (rnnc compiles models around an RNN) with Y_h as output `h`. */
export function sideRnn(g: GraphBuilder): void {
  const x = g.input('seq', ['T', 1, 2]);
  const [, yh] = g.rnn('GRU', x, 3, 2, { name: 'side_gru' });
  g.node('Identity', [yh], [], { outputs: ['h'] });
  g.output('h', [1, 1, 3]);
}

/** Feeds as float32 data with dims. */
export type Feeds = Record<string, { data: Float32Array; dims: number[] }>;

type Outputs = Record<string, { data: Float32Array; dims: number[] }>;
const outputs = (r: Record<string, { data: unknown; dims: readonly number[] }>): Outputs =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { data: Float32Array.from(v.data as Float32Array), dims: [...v.dims] }]));

/** Runs the model in rnnc's module (compiled with `opts`); outputs by name. */
export async function runRnnc(bytes: Uint8Array, feeds: Feeds, opts: ModelCompileOptions = {}): Promise<Outputs> {
  const engine = await Engine.create(compileModel(bytes, opts).artifact);
  return outputs(engine.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new Tensor('float32', v.data, v.dims)]))));
}

/** Runs the model in rnnc's module and in onnxruntime; outputs by name. */
export async function runBoth(bytes: Uint8Array, feeds: Feeds, opts: ModelCompileOptions = {}): Promise<{ rnnc: Outputs; ort: Outputs }> {
  const session = await ort.InferenceSession.create(bytes);
  const ref = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  return { rnnc: await runRnnc(bytes, feeds, opts), ort: outputs(ref) };
}

/** Largest |a - b| / (1 + |b|). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}
