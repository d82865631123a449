/**
 * Slice nodes on run-time tensors, as ONNX graphs: a seeded sweep of starts, ends (negative, out of
 * range), steps (negative, > 1) and axes (given, negative, left out) on inputs of rank 1..4, compiled
 * into the module that ships and compared bit for bit with onnxruntime-node and the float64
 * interpretation; opset 9's attribute form too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lowerModel } from '../compiler/frontend/index.js';
import { interpretProgram } from './program_interp.js';
import { floats, runBoth, sideRnn, type Feeds } from './conv_models.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { mulberry32, pick, randInt, type Rng } from './random.js';

const product = (xs: readonly number[]) => xs.reduce((p, x) => p * x, 1);

/** One Slice's parameters: per sliced axis (as written in the node) start, end and step. */
interface Case {
  readonly dims: number[];
  readonly axes: number[] | null;
  readonly starts: number[];
  readonly ends: number[];
  readonly steps: number[] | null;
}

function randomCase(rng: Rng): Case {
  const rank = randInt(rng, 1, 4);
  const dims = Array.from({ length: rank }, () => randInt(rng, 1, rank > 2 ? 5 : 9));
  const all = Array.from({ length: rank }, (_, i) => i);
  // Some axes, in any order, written from the front or from the end; or all of them, axes left out.
  const explicit = rng() < 0.75;
  const chosen = explicit ? all.filter(() => rng() < 0.6) : all;
  if (chosen.length === 0) chosen.push(randInt(rng, 0, rank - 1));
  if (explicit) chosen.sort(() => rng() - 0.5);
  const steps = chosen.map(() => pick(rng, [1, 1, -1, 2, -2, 3, -3]));
  const bound = (d: number) => pick(rng, [randInt(rng, -d, d), randInt(rng, -d - 3, d + 3), 1000, -1000]);
  return {
    dims,
    axes: explicit ? chosen.map((a) => (rng() < 0.3 ? a - rank : a)) : null,
    starts: chosen.map((a) => bound(dims[a])),
    ends: chosen.map((a) => bound(dims[a])),
    steps: explicit || steps.some((s) => s !== 1) ? steps : null,
  };
}

/** A model with one Slice per case, each on its own input x<i>, output y<i>. */
function sweepModel(cases: readonly Case[], rng: Rng): { bytes: Uint8Array; feeds: Feeds } {
  const g = new GraphBuilder();
  sideRnn(g);
  const feeds: Feeds = { seq: { data: Float32Array.from(floats(rng, 6)), dims: [3, 1, 2] } };
  cases.forEach((c, i) => {
    const x = g.input(`x${i}`, c.dims);
    const inputs = [x, g.constInts(c.starts), g.constInts(c.ends)];
    if (c.axes || c.steps) inputs.push(c.axes ? g.constInts(c.axes) : '');
    if (c.steps) inputs.push(g.constInts(c.steps));
    g.node('Slice', inputs, [], { name: `slice${i}`, outputs: [`y${i}`] });
    g.output(`y${i}`, null);
    feeds[`x${i}`] = { data: Float32Array.from({ length: product(c.dims) }, (_, k) => k + 0.5), dims: c.dims };
  });
  return { bytes: g.encode(), feeds };
}

test('seeded sweep: 60 Slices of rank 1..4 inputs, any starts, ends, steps and axes: module = onnxruntime = float64, bit for bit', async () => {
  const rng = mulberry32(41);
  const cases = Array.from({ length: 60 }, () => randomCase(rng));
  const { bytes, feeds } = sweepModel(cases, rng);
  const { program } = lowerModel(bytes);
  const kinds = new Set(program.steps.map((s) => s.op));
  assert.ok(kinds.has('slice'), [...kinds].join(' '));
  const { rnnc, ort } = await runBoth(bytes, feeds);
  const f64 = interpretProgram(program, 3, 1, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.data])));
  cases.forEach((c, i) => {
    const tag = `slice${i} ${JSON.stringify(c)}`;
    assert.equal(rnnc[`y${i}`].dims, ort[`y${i}`].dims, `${tag}: dims`);
    assert.equal(Array.from(rnnc[`y${i}`].data), Array.from(ort[`y${i}`].data), `${tag}: against onnxruntime`);
    assert.equal(Array.from(f64[`y${i}`]), Array.from(ort[`y${i}`].data), `${tag}: float64 interpretation`);
  });
});

test('opset 9: starts, ends and axes as attributes (step 1), against onnxruntime', async () => {
  const g = new GraphBuilder();
  g.opset = 9;
  sideRnn(g);
  const x = g.input('x', [4, 5, 6]);
  g.node('Slice', [x], [attr.ints('starts', [-3, 1]), attr.ints('ends', [1000, -1]), attr.ints('axes', [2, 0])], { outputs: ['y'] });
  g.output('y', null);
  const feeds: Feeds = { seq: { data: new Float32Array(6), dims: [3, 1, 2] }, x: { data: Float32Array.from({ length: 120 }, (_, k) => k), dims: [4, 5, 6] } };
  const { rnnc, ort } = await runBoth(g.encode(), feeds);
  assert.equal(rnnc.y.dims, [2, 5, 3]);
  assert.equal(Array.from(rnnc.y.data), Array.from(ort.y.data));
});

/** torch.flip(x, [axis]) as PyTorch exports it: starts [-1], ends [-2^62 or so], steps [-1]. */
const flip = (g: GraphBuilder, x: string, axis: number, name: string) =>
  g.node('Slice', [x, g.constInts([-1]), g.constInts([-(2 ** 62)]), g.constInts([axis]), g.constInts([-1])], [], { name });

test('torch.flip over the run-time seq and batch axes (before and after a GRU): module = onnxruntime = float64', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 3]);
  const [y] = g.rnn('GRU', flip(g, flip(g, x, 0, 'flip_time'), 1, 'flip_batch'), 4, 3, { name: 'gru' });
  g.node('Squeeze', [flip(g, y, 0, 'unflip_time'), g.constInts([1])], [], { outputs: ['out'] });
  g.output('out', ['T', 'N', 4]);
  const bytes = g.encode();
  const rng = mulberry32(43);
  for (const [T, N] of [[5, 2], [1, 1], [3, 3]]) {
    const feeds: Feeds = { x: { data: Float32Array.from(floats(rng, T * N * 3)), dims: [T, N, 3] } };
    const { program } = lowerModel(bytes, { batch: 3 });
    assert.equal(program.steps.filter((s) => s.op === 'slice').length, 3);
    const { rnnc, ort } = await runBoth(bytes, feeds, { batch: 3 });
    const f64 = interpretProgram(program, T, N, { x: feeds.x.data });
    assert.equal(rnnc.out.dims, [T, N, 4]);
    const diff = Math.max(...Array.from(rnnc.out.data, (v, i) => Math.abs(v - ort.out.data[i])));
    assert.ok(diff <= 1e-6, `T=${T} N=${N}: against onnxruntime ${diff}`);
    assert.ok(Math.max(...Array.from(rnnc.out.data, (v, i) => Math.abs(v - f64.out[i]))) <= 1e-5, `T=${T} N=${N}: against float64`);
  }
});

test.run();
