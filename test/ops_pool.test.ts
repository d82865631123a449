/**
 * MaxPool and AveragePool, 1-D (compiler/ops/pool.ts, emit/pool.ts): the kernel over random plans
 * (every stride's gather, dilations, pads, both divisors, rows short and long) against a float64
 * reference written from the windows' definition; ONNX models with every attribute around an RNN
 * against the interpreter and onnxruntime; the refusals.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitPool, type PoolPlan } from '../compiler/emit/pool.js';
import { lowerModel } from '../compiler/frontend/index.js';
import type { PoolStep } from '../compiler/ops/pool.js';
import { ModelError, UnsupportedError } from '../contract/errors.js';
import { attr, GraphBuilder } from './graph_builder.js';
import { Arena, build, randomF32 } from './ops_harness.js';
import { maxRelDiff, runThreeWays } from './ops_onnx.js';
import { mulberry32, randInt } from './random.js';
import { throws } from './throws.js';

const SENTINEL = 0x7fbadbad;
type Attr = NonNullable<Parameters<GraphBuilder['node']>[2]>[number];

/** The pool of one row from the definition: window o covers o*s - p0 + t*d, t < k; pads never read. */
function reference(p: PoolPlan, x: Float32Array): number[] {
  const out: number[] = [];
  for (let o = 0; o < p.Lo; o++) {
    const inside: number[] = [];
    let inPads = 0;
    for (let t = 0; t < p.kernel; t++) {
      const i = o * p.stride - p.padBegin + t * p.dilation;
      if (i >= 0 && i < p.L) inside.push(x[i]);
      else if (i < p.L + p.padEnd) inPads++;
    }
    if (p.kind === 'max') out.push(inside.some(Number.isNaN) ? NaN : Math.max(-Infinity, ...inside));
    else out.push(inside.reduce((a, v) => a + v, 0) / (p.countPad ? inside.length + inPads : inside.length));
  }
  return out;
}

test('pool kernel: random plans (strides 1..5, dilations, pads, ceil, both divisors) against the definition', () => {
  const rng = mulberry32(41);
  for (let trial = 0; trial < 220; trial++) {
    const kind = trial % 2 ? 'max' : 'average';
    const kernel = randInt(rng, 1, 6), stride = randInt(rng, 1, 5), dilation = kind === 'max' ? randInt(rng, 1, 3) : 1;
    const L = trial % 20 === 0 ? 150 : randInt(rng, (kernel - 1) * dilation + 1, 40);
    const padBegin = randInt(rng, 0, kernel - 1), padEnd = randInt(rng, 0, kernel - 1);
    const span = L + padBegin + padEnd - ((kernel - 1) * dilation + 1);
    let Lo = Math.floor(span / stride) + 1;
    if (trial % 3 === 0) { Lo = Math.ceil(span / stride) + 1; if ((Lo - 1) * stride >= L + padBegin) Lo--; }
    const p: PoolPlan = { kind, L, Lo, kernel, stride, dilation, padBegin, padEnd, countPad: rng() < 0.5 };
    const k = build((b) => emitPool(b, 'pool', p), ['pool']);
    for (const rows of [0, 1, 3]) {
      const x = randomF32(rng, rows * L, -4, 4);
      if (kind === 'max' && rows > 0 && trial % 4 === 1) x[randInt(rng, 0, L - 1)] = NaN;
      const arena = new Arena();
      const xp = arena.put(x, 4), op = arena.alloc(rows * Lo + 4, 8);
      arena.i32(op, rows * Lo + 4).fill(SENTINEL);
      k.pool(xp, op, rows);
      const tag = `${JSON.stringify(p)} rows=${rows}`;
      for (let r = 0; r < rows; r++) {
        const want = reference(p, x.subarray(r * L, (r + 1) * L));
        const got = arena.f32(op + 4 * r * Lo, Lo);
        want.forEach((w, o) => {
          const ok = Number.isNaN(w) ? Number.isNaN(got[o]) : Math.abs(got[o] - w) <= 1e-6 * Math.max(1, Math.abs(w));
          assert.ok(ok, `${tag} row ${r} window ${o}: ${got[o]} vs ${w}`);
        });
      }
      assert.ok(arena.i32(op + rows * Lo * 4, 4).every((v) => v === SENTINEL), `${tag}: past the end`);
    }
  }
});

/** x [T, B, 20] as [N, C, L] -> MaxPool -> GRU; Y squeezed to [T, B, 4] -> AveragePool -> out. */
function model(pool: { op: string; attrs: Attr[]; Lo: number }, after: Attr[], opset: number): Uint8Array {
  const g = new GraphBuilder();
  g.opset = opset;
  const x = g.input('x', ['T', 'B', 20]);
  const pooled = g.node(pool.op, [x], pool.attrs, { name: 'first' });
  const [y] = g.rnn('GRU', pooled, 4, pool.Lo, { name: 'gru' });
  const y3 = g.node('Squeeze', [y, g.constInts([1])]);
  g.node('AveragePool', [y3], after, { name: 'second', outputs: ['out'] });
  g.output('out', null);
  return g.encode();
}

test('MaxPool and AveragePool with every attribute around an RNN: module = float64 interpreter = onnxruntime', async () => {
  const rng = mulberry32(42);
  const ints = attr.ints, int = attr.int, str = attr.string;
  const cases = [
    { pool: { op: 'MaxPool', attrs: [ints('kernel_shape', [2]), ints('strides', [2])], Lo: 10 }, after: [ints('kernel_shape', [3]), ints('pads', [1, 1]), int('count_include_pad', 1)] },
    { pool: { op: 'MaxPool', attrs: [ints('kernel_shape', [3]), ints('strides', [3]), ints('dilations', [2]), ints('pads', [2, 1]), int('ceil_mode', 1)], Lo: 7 },
      after: [ints('kernel_shape', [3]), ints('strides', [2]), ints('pads', [1, 2]), int('ceil_mode', 1)] },
    { pool: { op: 'AveragePool', attrs: [ints('kernel_shape', [4]), ints('strides', [1]), str('auto_pad', 'SAME_UPPER')], Lo: 20 },
      after: [ints('kernel_shape', [2]), str('auto_pad', 'SAME_LOWER'), int('count_include_pad', 1)] },
    { pool: { op: 'MaxPool', attrs: [ints('kernel_shape', [5]), ints('strides', [4]), str('auto_pad', 'VALID')], Lo: 4 }, after: [ints('kernel_shape', [4]), str('auto_pad', 'VALID')] },
  ];
  for (const [i, c] of cases.entries()) {
    const bytes = model(c.pool, c.after, 19);
    for (const [T, B] of [[3, 2], [1, 1]]) {
      const x = Float32Array.from({ length: T * B * 20 }, () => 2 * rng() - 1);
      const r = await runThreeWays(bytes, { x: { data: x, dims: [T, B, 20] } }, T, B);
      const first = r.program.steps.find((s) => s.node === 'first') as PoolStep;
      assert.is(first.plan.Lo, c.pool.Lo, `case ${i}`);
      assert.equal(first.rows, ['seq', 'batch'], `case ${i}`);
      assert.ok(maxRelDiff(r.rnnc.out, r.ort.out) <= 1e-5, `case ${i} T=${T} B=${B}: against onnxruntime ${maxRelDiff(r.rnnc.out, r.ort.out)}`);
      assert.ok(maxRelDiff(r.rnnc.out, r.f64.out) <= 1e-5, `case ${i} T=${T} B=${B}: against float64`);
    }
  }
});

test('what the pool kernel cannot take is refused naming the node and what was expected', () => {
  const model = (op: string, attrs: Attr[], dims: (number | string)[] = ['T', 'B', 12], indices = false) => {
    const g = new GraphBuilder();
    g.opset = 19;
    const x = g.input('x', dims);
    const outs = g.nodeOutputs(op, [x], attrs, { name: 'p', outputs: indices ? 2 : 1 });
    // The time axis last ([B, 6, T]) reaches the RNN through a Transpose; rank 4 through a Reshape.
    const X = dims.length === 4 ? g.node('Reshape', [outs[0], g.constInts([0, 0, -1])])
      : dims[2] === 'T' ? g.node('Transpose', [outs[0]], [attr.ints('perm', [2, 0, 1])]) : outs[0];
    const [, h] = g.rnn('RNN', X, 3, 6, { name: 'rnn' });
    g.output(h, null);
    if (indices) g.output(outs[1], null, 7);
    return () => lowerModel(g.encode());
  };
  const k2 = attr.ints('kernel_shape', [2]), s2 = attr.ints('strides', [2]);
  throws(model('MaxPool', [attr.ints('kernel_shape', [2, 2])], [5, 2, 12, 12]), UnsupportedError, "MaxPool (node 'p')", 'a 2-D pool', '1-D inputs [N, C, L]');
  throws(model('MaxPool', [k2, s2], ['T', 'B', 12], true), UnsupportedError, "MaxPool (node 'p')", 'Indices output');
  throws(model('AveragePool', [k2, s2, attr.ints('dilations', [2])]), UnsupportedError, "AveragePool (node 'p')", 'dilation 2');
  throws(model('MaxPool', [k2, s2, attr.ints('dilations', [2]), attr.string('auto_pad', 'SAME_UPPER')]), UnsupportedError, "MaxPool (node 'p')", 'give explicit pads');
  throws(model('MaxPool', [k2, s2, attr.ints('pads', [2, 0])]), ModelError, "MaxPool (node 'p')", 'smaller than the kernel (2)');
  throws(model('MaxPool', [k2, attr.ints('strides', [2, 2])]), ModelError, "MaxPool (node 'p')", 'strides [2, 2] has 2 entries');
  throws(model('MaxPool', [k2, s2], ['B', 6, 'T']), UnsupportedError, "MaxPool (node 'p')", 'pooling axis 2', 'varies at run time');
});

test.run();
