/**
 * Gather indices and sequence lengths are range-checked wherever they come from: fed directly, or
 * moved by Transpose, Slice, Concat and views on the way from a graph input. An index out of the
 * table is an InputError naming the graph input and the Gather node (as onnxruntime refuses it),
 * never a row clamped in silence; negative indices follow ONNX (-V..V-1).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InferenceSession, Tensor } from '../api/node.js';
import { compileModel } from '../compiler/index.js';
import { rangeChecks } from '../compiler/frontend/range_checks.js';
import type { Program } from '../compiler/frontend/program.js';
import { DataType } from '../compiler/onnx/proto.js';
import { InputError, ModelError, UnsupportedError } from '../contract/errors.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { rejects, throws } from './throws.js';

const V = 96;
const I64 = DataType.INT64;

/** tokens [batch, seq] -> Transpose 't' -> Gather 'emb' of a [96, 4] table -> GRU -> Y. */
function transposedTokens(): Uint8Array {
  const g = new GraphBuilder();
  const t = g.node('Transpose', [g.input('tokens', ['batch', 'seq'], I64)], [attr.ints('perm', [1, 0])], { name: 't' });
  const e = g.node('Gather', [g.init('table', [V, 4], Array.from({ length: V * 4 }, (_, i) => Math.sin(i))), t], [], { name: 'emb' });
  const [y] = g.rnn('GRU', e, 3, 4, { name: 'gru' });
  g.output(y);
  return g.encode();
}

const tokens = (values: number[]) => new Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);

test('the check of indices moved by a Transpose lands on the graph input', () => {
  const { artifact } = compileModel(transposedTokens());
  const input = artifact.manifest.inputs.find((i) => i.name === 'tokens')!;
  assert.equal(artifact.manifest.checks, [
    { buffer: input.buffer, bound: V, what: "input 'tokens' (indices of Gather node 'emb', through transpose 't')" },
  ]);
});

test('tokens 96, 100000 and -97 after a Transpose are InputErrors naming the input; -96..95 run as ONNX reads them', async () => {
  const s = await InferenceSession.create(transposedTokens(), { workers: 1 });
  try {
    for (const bad of [96, 100000, -97]) {
      await rejects(s.run({ tokens: tokens([3, bad, 5]) }), InputError,
        new RegExp(`input 'tokens' \\(indices of Gather node 'emb', through transpose 't'\\)\\[1\\] = ${bad}; expected -96\\.\\.95`));
    }
    const plain = await s.run({ tokens: tokens([0, 95, 7]) });
    const negative = await s.run({ tokens: tokens([-96, -1, 7 - V]) });
    const y = (r: Record<string, Tensor>) => Array.from(Object.values(r)[0].data as Float32Array);
    assert.equal(y(negative), y(plain), 'index k - 96 reads row k');
  } finally {
    await s.release();
  }
});

test('sequence lengths taken from a column of a fed tensor are checked on that tensor', async () => {
  const g = new GraphBuilder();
  g.input('X', ['seq', 'batch', 2]);
  const col = g.node('Slice', [g.input('info', ['batch', 2], I64), g.constInts([0]), g.constInts([1]), g.constInts([1])], [], { name: 'col' });
  const lens = g.node('Squeeze', [col, g.constInts([1])]);
  const [, h] = g.rnn('GRU', 'X', 3, 2, { name: 'gru', sequenceLens: lens });
  g.output(h);
  const s = await InferenceSession.create(g.encode(), { workers: 1, batch: 2 });
  try {
    const X = new Tensor('float32', new Float32Array(4 * 2 * 2).fill(0.5), [4, 2, 2]);
    const info = (v: number[]) => new Tensor('int64', BigInt64Array.from(v.map(BigInt)), [2, 2]);
    await s.run({ X, info: info([4, 1, 2, 0]) });
    await rejects(s.run({ X, info: info([4, 1, 5, 0]) }), InputError, /input 'info' \(sequence_lens of node 'gru', through slice 'col'\)\[2\] = 5; expected 0\.\.4/);
  } finally {
    await s.release();
  }
});

/** A program of hand-made steps: `copy` and `concat` move values; `relu` computes them. */
function program(steps: object[], constants: Program['constants'] = []): Program {
  const buf = (id: number) => ({ id, dtype: 'int32' as const, dims: [4], name: `v${id}` });
  return {
    maxBatch: 1, inputs: [{ name: 'ids', dtype: 'int32', dims: [4], buffer: 0 }], outputs: [],
    buffers: [0, 1, 2, 3].map(buf), constants, steps: steps as Program['steps'],
  };
}
const gather = (indices: number) => ({ op: 'gather', node: 'emb', table: { constant: 9, dims: [10, 2] }, indices: { buffer: indices, dims: [4] }, out: { buffer: 3, dims: [4, 2] } });

test('checks follow copies and concatenations back to every input; constant indices are checked at compile time', () => {
  const viaCopy = program([{ op: 'copy', node: 'c', x: { buffer: 0, dims: [4] }, out: { buffer: 1, dims: [4] } }, gather(1)]);
  assert.equal(rangeChecks(viaCopy), [{ buffer: 0, bound: 10, what: "input 'ids' (indices of Gather node 'emb', through copy 'c')" }]);

  const ints = (name: string, values: number[]) => ({ id: 0, dtype: 'int32' as const, dims: [values.length], name, data: Int32Array.from(values) });
  const concat = (data: number[]) => program([
    { op: 'concat', node: 'cat', axis: 0, inputs: [{ buffer: 0, dims: [2] }, { constant: 0, dims: [2] }], out: { buffer: 1, dims: [4] } }, gather(1),
  ], [ints('pad', data)]);
  assert.equal(rangeChecks(concat([-10, 9])), [{ buffer: 0, bound: 10, what: "input 'ids' (indices of Gather node 'emb', through concat 'cat')" }]);
  throws(() => rangeChecks(concat([3, 10])), ModelError, "indices of Gather node 'emb'", "constant 'pad'[1] = 10", 'expected -10..9');
});

test('indices computed inside the model (no data movement back to an input) are refused, not left unchecked', () => {
  const computed = program([{ op: 'relu', node: 'r', x: { buffer: 0, dims: [4] }, out: { buffer: 1, dims: [4] } }, gather(1)]);
  throws(() => rangeChecks(computed), UnsupportedError, "indices of Gather node 'emb'", "'v1'", 'computed inside the model');
});

test.run();
