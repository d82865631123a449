/**
 * The elementwise functions with parameters (compiler/ops/math.ts, emit/math.ts): every UnaryFn's
 * SIMD function against its float64 one in ulps over all of f32, every tail; Pow, Clip, LeakyRelu
 * attributes and inputs per opset and their folding on constants; a chain of them around an RNN
 * compiled into the module that ships, against the float64 interpreter and onnxruntime.
 *
 * Accuracy (max over the sweeps below): exp 1 ulp, log 3 ulp, pow with a general exponent about
 * 1.7 * (1 + |e * ln|x||) ulp, pow 3 1 ulp; sqrt, neg, relu, clip, leakyRelu, pow 0, 1, 2, -1, 0.5 exact.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitMap } from '../compiler/emit/elementwise.js';
import { emitUnaryFn, type UnaryFn, unaryFnUnroll } from '../compiler/emit/math.js';
import { resolveInputAxes } from '../compiler/frontend/axes.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { inferGraph } from '../compiler/frontend/infer.js';
import { loadGraph } from '../compiler/frontend/load.js';
import { type MapStep, unaryFnF64, unaryFnOf } from '../compiler/ops/math.js';
import { DataType } from '../compiler/onnx/proto.js';
import { UnsupportedError } from '../contract/errors.js';
import { attr, GraphBuilder } from './graph_builder.js';
import { Arena, build } from './ops_harness.js';
import { maxRelDiff, runThreeWays } from './ops_onnx.js';
import { mulberry32 } from './random.js';
import { throws } from './throws.js';

const SENTINEL = 0x7fbadbad;
const FLT_MAX = 3.4028234663852886e38;

const bitsOf = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];
const fromBits = (u: number) => new Float32Array(Uint32Array.of(u >>> 0).buffer)[0];
/** f32 mapped to a line where adjacent floats differ by 1 (±0 both 0). */
const ordinal = (x: number) => { const u = bitsOf(x); return u & 0x80000000 ? -(u & 0x7fffffff) : u; };

/** Each case: the function and its allowed error in ulps at input x (sigmoid: also 1.2e-38 absolute, its denormals). */
interface Case { readonly f: UnaryFn; readonly ulps: (x: number) => number; readonly abs?: number }
const exact = (f: UnaryFn): Case => ({ f, ulps: () => 0 });
const general = (e: number): Case => ({ f: { fn: 'pow', exponent: Math.fround(e) }, ulps: (x) => 2 * (1 + Math.abs(Math.fround(e) * Math.log(Math.abs(x)))) });
const CASES: Case[] = [
  exact({ fn: 'neg' }), exact({ fn: 'sqrt' }), exact({ fn: 'relu' }),
  { f: { fn: 'exp' }, ulps: () => 2 }, { f: { fn: 'log' }, ulps: () => 4 },
  { f: { fn: 'sigmoid' }, ulps: () => 4, abs: 1.2e-38 }, { f: { fn: 'tanh' }, ulps: () => 4 },
  exact({ fn: 'clip', min: -1, max: 6 }), exact({ fn: 'clip', min: 0, max: null }), exact({ fn: 'clip', min: null, max: Math.fround(0.3) }),
  exact({ fn: 'leakyRelu', alpha: Math.fround(0.1) }), exact({ fn: 'leakyRelu', alpha: 2 }),
  ...[0, 1, 2, -1, 0.5].map((e) => exact({ fn: 'pow', exponent: e })), { f: { fn: 'pow', exponent: 3 }, ulps: () => 1 },
  ...[2.5, -1.5, 1 / 3, 4, 5, -3, 0.1, 7.3, -2, 10].map(general),
];

/** The map kernel of f, built once per suite (binaryen -O3 as modules ship). */
const kernels = new Map<string, (...a: number[]) => void>();
function mapKernel(f: UnaryFn) {
  const key = JSON.stringify(f);
  if (!kernels.has(key)) kernels.set(key, build((b) => emitMap(b, 'map', { f: (v, x) => emitUnaryFn(v, f, x), unroll: unaryFnUnroll(f) }), ['map']).map);
  return kernels.get(key)!;
}

/** Applies f's kernel to xs in place in fresh memory; returns the results. */
function apply(kernel: (...a: number[]) => void, xs: Float32Array): Float32Array {
  const arena = new Arena();
  const p = arena.put(xs);
  kernel(p, p, xs.length);
  return arena.f32(p, xs.length).slice();
}

/** Inputs: a dense sweep of [-110, 95], random bit patterns over all of f32, and the edges. */
function inputs(seed: number): Float32Array {
  const rng = mulberry32(seed);
  const sweep = Array.from({ length: 40000 }, (_, i) => -110 + 205 * i / 39999);
  const near1 = Array.from({ length: 4000 }, (_, i) => 0.99 + 0.02 * i / 3999);
  const bits = Array.from({ length: 60000 }, () => fromBits((rng() * 2 ** 32) >>> 0));
  const edges = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2 ** -149, -(2 ** -149), 2 ** -126, FLT_MAX, -FLT_MAX, 0.5, 2, 88.72, 88.73, -87.5, -103.9, -104.5];
  return Float32Array.from([...sweep, ...near1, ...bits, ...edges]);
}

test('every UnaryFn against float64 over all of f32, in ulps', () => {
  const xs = inputs(1);
  for (const c of CASES) {
    const got = apply(mapKernel(c.f), xs);
    const ref = unaryFnF64(c.f);
    for (let i = 0; i < xs.length; i++) {
      const want = Math.fround(ref(xs[i]));
      const tag = `${JSON.stringify(c.f)} at x=${xs[i]}: got ${got[i]}, want ${want}`;
      if (Number.isNaN(want) || Number.isNaN(got[i])) { assert.ok(Number.isNaN(want) && Number.isNaN(got[i]), tag); continue; }
      const ulps = Math.abs(ordinal(got[i]) - ordinal(want));
      if (ulps > c.ulps(xs[i])) assert.ok(c.abs !== undefined && Math.abs(got[i] - want) <= c.abs, `${tag} (${ulps} ulp)`);
    }
  }
});

test('every UnaryFn: every tail, in place and not, nothing written past the end', () => {
  const rng = mulberry32(2);
  for (const c of CASES) {
    const kernel = mapKernel(c.f);
    const ref = unaryFnF64(c.f);
    for (let n = 0; n <= 13; n++) {
      const arena = new Arena();
      const x = Float32Array.from({ length: n }, () => 0.1 + 5 * rng());
      const xp = arena.put(x, 4), op = arena.alloc(n + 4, 8);
      arena.i32(op, n + 4).fill(SENTINEL);
      kernel(xp, op, n);
      const want = Array.from(x, (v) => Math.fround(ref(v)));
      const far = Array.from(arena.f32(op, n)).findIndex((g, i) => Math.abs(ordinal(g) - ordinal(want[i])) > c.ulps(x[i]));
      assert.is(far, -1, `${JSON.stringify(c.f)} n=${n}`);
      assert.ok(arena.i32(op + n * 4, 4).every((v) => v === SENTINEL), `${JSON.stringify(c.f)} n=${n}: past the end`);
      assert.equal(apply(kernel, x), arena.f32(op, n).slice(), `${JSON.stringify(c.f)} n=${n}: in place`);
    }
  }
});

/** x [T, B, 3] -> Clip -> LeakyRelu -> GRU (H 4) -> Y [T, 1, B, 4] -> the chain; every stage an output. */
function chain(opset: number): Uint8Array {
  const g = new GraphBuilder();
  g.opset = opset;
  const x = g.input('x', ['T', 'B', 3]);
  const clip = opset < 11
    ? g.node('Clip', [x], [attr.float('min', -0.5), attr.float('max', 0.75)], { name: 'clip' })
    : g.node('Clip', [x, g.constFloats([-0.5], []), g.constFloats([0.75], [])], [], { name: 'clip' });
  const leaky = g.node('LeakyRelu', [clip], [attr.float('alpha', 0.2)], { name: 'leaky' });
  const [y] = g.rnn('GRU', leaky, 4, 3, { name: 'gru' });
  const sq = g.node('Pow', [y, g.constFloats([2], [])], [], { name: 'sq' });
  const mag = g.node('Sqrt', [sq], [], { name: 'mag', outputs: ['mag'] });
  const logs = g.node('Log', [g.node('Add', [mag, g.constFloats([1e-3], [1])])], [], { name: 'log', outputs: ['log'] });
  const back = g.node('Exp', [g.node('Neg', [logs], [], { name: 'neg' })], [], { name: 'exp', outputs: ['exp'] });
  g.node('Pow', [back, g.constFloats([-1.5], [1, 1])], [], { name: 'pw', outputs: ['pw'] });
  g.node('Tanh', [g.node('Sigmoid', [g.node('Relu', [y])])], [], { outputs: ['act'] });
  for (const o of ['mag', 'log', 'exp', 'pw', 'act']) g.output(o, ['T', 1, 'B', 4]);
  return g.encode();
}

test('the chain around an RNN, any rank with seq and batch: module = float64 interpreter = onnxruntime', async () => {
  const rng = mulberry32(3);
  for (const opset of [10, 17]) {
    const bytes = chain(opset);
    for (const [T, B] of [[5, 3], [1, 2]]) {
      const x = Float32Array.from({ length: T * B * 3 }, () => 2 * rng() - 1);
      const r = await runThreeWays(bytes, { x: { data: x, dims: [T, B, 3] } }, T, B);
      const maps = r.program.steps.filter((s) => s.op === 'map') as MapStep[];
      assert.equal(maps.map((s) => s.fn.fn), ['clip', 'leakyRelu', 'pow', 'sqrt', 'log', 'neg', 'exp', 'pow'], `opset ${opset}`);
      for (const name of ['mag', 'log', 'exp', 'pw', 'act']) {
        assert.equal(r.dims[name], [T, 1, B, 4], name);
        const tag = `opset ${opset} T=${T} B=${B} ${name}`;
        assert.ok(maxRelDiff(r.rnnc[name], r.f64[name]) <= 2e-5, `${tag}: against float64 ${maxRelDiff(r.rnnc[name], r.f64[name])}`);
        assert.ok(maxRelDiff(r.rnnc[name], r.ort[name]) <= 2e-5, `${tag}: against onnxruntime ${maxRelDiff(r.rnnc[name], r.ort[name])}`);
      }
    }
  }
});

test('unaryFnOf: what a kernel fusing a following node applies, by the node and its resolved parameters', () => {
  const bytes = chain(17);
  const g = loadGraph(bytes, 'chain');
  const inf = inferGraph(g, resolveInputAxes(g, 1));
  const fns = Object.fromEntries(g.nodes.map((n) => [n.name, unaryFnOf(n, inf.details.get(n))]));
  assert.equal(fns.clip, { fn: 'clip', min: -0.5, max: 0.75 });
  assert.equal(fns.leaky, { fn: 'leakyRelu', alpha: Math.fround(0.2) });
  assert.equal(fns.pw, { fn: 'pow', exponent: -1.5 });
  assert.equal(g.nodes.filter((n) => ['Relu', 'Sigmoid', 'Tanh'].includes(n.op)).map((n) => fns[n.name]), [{ fn: 'relu' }, { fn: 'sigmoid' }, { fn: 'tanh' }]);
  assert.is(fns.gru, null);
  assert.is(g.nodes.filter((n) => n.op === 'Add').map((n) => fns[n.name])[0], null);
});

/** A GRU whose bias is `expr` of constants: returns the folded bias row of the lowered program. */
function foldedBias(build: (g: GraphBuilder) => string, opset = 17): number[] {
  const g = new GraphBuilder();
  g.opset = opset;
  const x = g.input('x', ['T', 1, 2]);
  const [, h] = g.rnn('RNN', x, 3, 2, { name: 'rnn' });
  g.node('Add', [h, build(g)], [], { name: 'bias', outputs: ['out'] });
  g.output('out', [1, 1, 3]);
  const { program } = lowerModel(g.encode());
  assert.equal(program.steps.map((s) => s.op), ['rnn', 'binary']);
  return Array.from(program.constants[program.constants.length - 1].data);
}

test('folding on constants: float64, NumPy pow edges, broadcast exponents, Clip forms, int shape arithmetic', () => {
  assert.equal(foldedBias((g) => g.node('Pow', [g.constFloats([-8, -2, NaN], [3]), g.constFloats([1 / 3, 3, 0], [3])])), [NaN, -8, 1]);
  assert.equal(foldedBias((g) => g.node('Pow', [g.constFloats([1, 4, 9], [3]), g.constFloats([NaN, 0.5, -0.5], [3])])), [1, 2, Math.fround(1 / 3)]);
  assert.equal(foldedBias((g) => g.node('Pow', [g.constFloats([2, 3, 4], [1, 3]), g.constFloats([2], [1, 1])])), [4, 9, 16]);
  assert.equal(foldedBias((g) => g.node('Clip', [g.constFloats([-9, 0.5, 9], [3])], [attr.float('max', 1)]), 10), [-9, 0.5, 1]);
  assert.equal(foldedBias((g) => g.node('Clip', [g.constFloats([-9, 0.5, 9], [3]), '', g.constFloats([1], [])])), [-9, 0.5, 1]);
  assert.equal(foldedBias((g) => g.node('LeakyRelu', [g.constFloats([-2, 0, 3], [3])])), [Math.fround(-0.02), 0, 3]);
  const f = Math.fround;
  const e = [2, 1, 2].map((v) => f(Math.exp(f(Math.log(f(Math.sqrt(v)))))));
  assert.equal(foldedBias((g) => g.node('Exp', [g.node('Log', [g.node('Sqrt', [g.node('Add', [g.constFloats([1, 1, 1], [3]), g.constFloats([1, 0, 1], [3])])])])])), e);
  // An int Neg folds on shape values: a Slice end of -(2) keeps the first element of 3.
  assert.equal(foldedBias((g) => g.node('Slice', [g.constFloats([5, 6, 7], [3]), g.constInts([0]), g.node('Neg', [g.constInts([2])])])), [5]);
});

test('what a map cannot take is refused naming the node and what was expected', () => {
  const model = (op: string, inputs: (g: GraphBuilder, y: string) => string[], attrs: ReturnType<typeof attr.float>[] = [], xType: number = DataType.FLOAT) => {
    const g = new GraphBuilder();
    const x = g.input('x', ['T', 1, 2]);
    const e = g.input('e', [1], xType);
    const [, h] = g.rnn('RNN', x, 3, 2, { name: 'rnn' });
    g.node(op, inputs(g, h).map((i) => (i === '$e' ? e : i)), attrs, { name: 'n', outputs: ['out'] });
    g.output('out', null);
    g.output(h, null);
    return () => lowerModel(g.encode());
  };
  throws(model('Pow', (g, h) => [h, '$e']), UnsupportedError, "Pow (node 'n')", 'exponent computed at run time');
  throws(model('Pow', (g, h) => [h, g.constFloats([1, 2, 3], [3])]), UnsupportedError, "Pow (node 'n')", 'different values');
  throws(model('Pow', (g, h) => [h, g.constFloats([2], [1, 1, 1, 1])]), UnsupportedError, "Pow (node 'n')", "keeps X's dims");
  throws(model('Clip', (g, h) => [h, '$e']), UnsupportedError, "Clip (node 'n')", 'min (input 1) is computed at run time');
  throws(model('Clip', (g, h) => [h, g.constFloats([NaN], [])]), UnsupportedError, "Clip (node 'n')", 'finite bounds');
  throws(model('LeakyRelu', (g, h) => [h], [attr.float('alpha', Infinity)]), UnsupportedError, "LeakyRelu (node 'n')", 'finite alpha');
  throws(model('Exp', () => ['$e'], [], DataType.INT64), UnsupportedError, "Exp (node 'n')", 'integer input');
});

test('Relu, Sigmoid, Tanh on rank 4 before an RNN carry seq and batch; other activations are hinted at', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'B', 1, 3]);
  const act = g.node('Tanh', [g.node('Sigmoid', [g.node('Relu', [x])])], [], { outputs: ['act'] });
  const [, h] = g.rnn('RNN', g.node('Squeeze', [act, g.constInts([2])]), 2, 3, { name: 'rnn' });
  g.output('act', ['T', 'B', 1, 3]).output(h, [1, 'B', 2]);
  const rng = mulberry32(5);
  const data = Float32Array.from({ length: 4 * 3 * 3 }, () => 4 * rng() - 2);
  const r = await runThreeWays(g.encode(), { x: { data, dims: [4, 3, 1, 3] } }, 4, 3);
  assert.equal(r.dims.act, [4, 3, 1, 3]);
  assert.ok(maxRelDiff(r.rnnc.act, r.ort.act) <= 1e-6, `against onnxruntime ${maxRelDiff(r.rnnc.act, r.ort.act)}`);

  const gelu = new GraphBuilder();
  const y = gelu.input('x', ['T', 1, 2]);
  const [, hg] = gelu.rnn('RNN', y, 2, 2, { name: 'rnn' });
  gelu.output(gelu.node('Gelu', [hg], [], { name: 'gelu' }), null);
  throws(() => lowerModel(gelu.encode()), UnsupportedError, "Gelu (node 'gelu')", 'Sigmoid', 'Sqrt', 'LeakyRelu');
});

test.run();
