/**
 * ReduceSum, ReduceMean, ReduceMax (compiler/ops/reduce.ts, emit/reduce.ts): the kernel over rows
 * (the last axes reduced) and columns (axes in the middle) of every size with its remainders against
 * float64; the ONNX forms per opset (axes attribute, axes input, keepdims, noop_with_empty_axes,
 * negative axes) around an RNN against the interpreter and onnxruntime; folding; the refusals.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emitReduce, type ReduceKind } from '../compiler/emit/reduce.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { DataType } from '../compiler/onnx/proto.js';
import type { ReduceStep } from '../compiler/ops/reduce.js';
import { ModelError, UnsupportedError } from '../contract/errors.js';
import { attr, GraphBuilder } from './graph_builder.js';
import { Arena, build, randomF32 } from './ops_harness.js';
import { maxRelDiff, runThreeWays } from './ops_onnx.js';
import { mulberry32 } from './random.js';
import { throws } from './throws.js';

const SENTINEL = 0x7fbadbad;
const KINDS: ReduceKind[] = ['sum', 'mean', 'max'];

/** Float64 reduction of [outer, R, inner] along R, and each result's sum of |x| (the sum's error scale). */
function reference(kind: ReduceKind, x: Float32Array, outer: number, R: number, inner: number): { want: number[]; scale: number[] } {
  const want: number[] = [], scale: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = kind === 'max' ? -Infinity : 0, abs = 0;
      for (let r = 0; r < R; r++) {
        const v = x[(o * R + r) * inner + i];
        acc = kind === 'max' ? (Number.isNaN(acc) || Number.isNaN(v) ? NaN : Math.max(acc, v)) : acc + v;
        abs += Math.abs(v);
      }
      want.push(kind === 'mean' ? acc / R : acc);
      scale.push(kind === 'mean' ? abs / R : abs);
    }
  }
  return { want, scale };
}

test('reduce kernel: rows and columns of every size and remainder, sum/mean within 2^-22 of sum|x|, max exact with NaN', () => {
  const rng = mulberry32(31);
  for (const kind of KINDS) {
    for (const rows of [true, false]) {
      for (const R of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 67, 150]) {
        const k = build((b) => emitReduce(b, 'reduce', { kind, R, rows }), ['reduce']);
        for (const inner of rows ? [1] : [1, 2, 3, 4, 5, 8, 13, 16, 17, 35]) {
          for (const outer of [0, 1, 3]) {
            const x = randomF32(rng, outer * R * inner, -2, 2);
            if (kind === 'max' && outer * R * inner > 7) x[5] = NaN;
            const { want, scale } = reference(kind, x, outer, R, inner);
            const arena = new Arena();
            const xp = arena.put(x, 4), op = arena.alloc(outer * inner + 4, 8);
            arena.i32(op, outer * inner + 4).fill(SENTINEL);
            k.reduce(xp, op, outer, inner);
            const got = arena.f32(op, outer * inner);
            const tag = `${kind} ${rows ? 'rows' : 'columns'} R=${R} inner=${inner} outer=${outer}`;
            want.forEach((w, i) => {
              if (kind === 'max') assert.ok(Object.is(got[i], Math.fround(w)) || (Number.isNaN(w) && Number.isNaN(got[i])), `${tag} [${i}]: ${got[i]} vs ${w}`);
              else assert.ok(Math.abs(got[i] - w) <= 2 ** -22 * scale[i], `${tag} [${i}]: ${got[i]} vs ${w}`);
            });
            assert.ok(arena.i32(op + outer * inner * 4, 4).every((v) => v === SENTINEL), `${tag}: past the end`);
          }
        }
      }
    }
  }
});

/** x [T, B, 4, 6] -> reduce over axis 2 (columns) -> GRU; Y [T, 1, B, 4] -> rows and blocks with size-1 axes. */
function model(opset: number): Uint8Array {
  const g = new GraphBuilder();
  g.opset = opset;
  const reduce = (op: string, x: string, axes: number[] | null, keepdims: number, extra: ReturnType<typeof attr.int>[] = [], outputs?: string[]) => {
    const input = op === 'ReduceSum' ? opset >= 13 : opset >= 18;
    const ins = input && axes ? [x, g.constInts(axes)] : [x];
    const attrs = [attr.int('keepdims', keepdims), ...(!input && axes ? [attr.ints('axes', axes)] : []), ...extra];
    return g.node(op, ins, attrs, { outputs });
  };
  const x = g.input('x', ['T', 'B', 4, 6]);
  const [y] = g.rnn('GRU', reduce('ReduceMean', x, [2], 0), 4, 6, { name: 'gru' });
  reduce('ReduceMax', y, [-1], 1, [], ['max']);
  reduce('ReduceSum', y, [1, 3], 0, [], ['sum']);
  reduce('ReduceMean', y, [3], 0, [], ['mean']);
  g.output('max', ['T', 1, 'B', 1]).output('sum', ['T', 'B']).output('mean', ['T', 1, 'B']);
  if (opset >= 18) g.output(reduce('ReduceMax', y, null, 1, [attr.int('noop_with_empty_axes', 1)]), ['T', 1, 'B', 4]);
  return g.encode();
}

test('the ONNX forms per opset around an RNN: module = float64 interpreter = onnxruntime', async () => {
  const rng = mulberry32(32);
  for (const opset of [11, 13, 18]) {
    const bytes = model(opset);
    for (const [T, B] of [[3, 2], [1, 1]]) {
      const x = Float32Array.from({ length: T * B * 24 }, () => 2 * rng() - 1);
      const r = await runThreeWays(bytes, { x: { data: x, dims: [T, B, 4, 6] } }, T, B);
      const steps = r.program.steps.filter((s) => s.op === 'reduce') as ReduceStep[];
      assert.equal(steps.map((s) => [s.kind, s.outer, s.R, s.inner]), [
        ['mean', ['seq', 'batch'], 4, [6]], ['max', ['seq', 'batch'], 4, []], ['sum', ['seq', 'batch'], 4, []], ['mean', ['seq', 'batch'], 4, []],
      ], `opset ${opset}`);
      for (const name of Object.keys(r.rnnc)) {
        const tag = `opset ${opset} T=${T} B=${B} ${name}`;
        assert.ok(maxRelDiff(r.rnnc[name], r.ort[name]) <= 1e-5, `${tag}: against onnxruntime ${maxRelDiff(r.rnnc[name], r.ort[name])}`);
        assert.ok(maxRelDiff(r.rnnc[name], r.f64[name]) <= 1e-5, `${tag}: against float64`);
      }
    }
  }
});

test('reductions fold on constants: any axes, keepdims, every axis when none are given', () => {
  const cases: [string, number[] | null, number, number[]][] = [
    ['ReduceSum', [0], 0, [5, 7, 9]], ['ReduceMean', [-1], 1, [2, 5]], ['ReduceMax', null, 0, [6]], ['ReduceMax', [0, 1], 1, [6]],
  ];
  for (const [op, axes, keepdims, want] of cases) {
    const g = new GraphBuilder();
    g.opset = 13;
    const x = g.input('x', ['T', 1, 2]);
    const [, h] = g.rnn('RNN', x, want.length, 2, { name: 'rnn' });
    const data = g.constFloats([1, 2, 3, 4, 5, 6], [2, 3]);
    const ins = op === 'ReduceSum' && axes ? [data, g.constInts(axes)] : [data];
    const attrs = [attr.int('keepdims', keepdims), ...(op !== 'ReduceSum' && axes ? [attr.ints('axes', axes)] : [])];
    g.node('Add', [h, g.node('Reshape', [g.node(op, ins, attrs), g.constInts([-1])])], [], { outputs: ['out'] });
    g.output('out', [1, 1, want.length]);
    const { program } = lowerModel(g.encode());
    assert.equal(program.steps.map((s) => s.op), ['rnn', 'binary'], `${op} ${axes}`);
    assert.equal(Array.from(program.constants[program.constants.length - 1].data), want, `${op} ${axes}`);
  }
});

test('what the reduce kernel cannot take is refused naming the node, the axes and what was expected', () => {
  /** x -> ReduceSum (keepdims) -> Squeeze of `squeeze` -> RNN (input 3). */
  const model = (axes: number[] | 'fed', dims: (number | string)[] = ['T', 'B', 4, 3], squeeze: number[] = [2]) => {
    const g = new GraphBuilder();
    g.opset = 13;
    const x = g.input('x', dims);
    const a = axes === 'fed' ? g.input('axes', [1], DataType.INT64) : g.constInts(axes);
    const r = g.node('ReduceSum', [x, a], [attr.int('keepdims', 1)], { name: 'r' });
    const [, h] = g.rnn('RNN', squeeze.length ? g.node('Squeeze', [r, g.constInts(squeeze)]) : r, 3, 3, { name: 'rnn' });
    g.output(h, null);
    return () => lowerModel(g.encode());
  };
  throws(model([1], ['T', 'B', 3], []), UnsupportedError, "ReduceSum (node 'r')", 'reducing axis 1', 'whose size batch varies at run time');
  throws(model([2, 4], ['T', 'B', 4, 3, 2], [2, 4]), UnsupportedError, "ReduceSum (node 'r')", 'axes [2, 4]', 'not adjacent');
  throws(model([2, -2]), ModelError, "ReduceSum (node 'r')", 'axes [2, -2] repeat an axis');
  throws(model([2, 7]), ModelError, "ReduceSum (node 'r')", 'an entry of axes 7 is out of range for rank 4');
  throws(model('fed'), UnsupportedError, "ReduceSum (node 'r')", 'axes (input 1) is computed at run time');
});

test.run();
