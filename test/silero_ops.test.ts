/**
 * What Silero VAD's legacy model needed beyond v5/v6, on small models built in memory: the batch
 * axis traced through a Reshape whose target is computed from the input's own sizes (TorchScript's
 * `x.view(x.shape[0], 1, x.shape[1])`), and arithmetic with an operand of one element per row
 * (a mean [N, C, 1] or [N, 1, 1] subtracted from [N, C, L]); module = float64 interpreter = onnxruntime.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lowerModel } from '../compiler/frontend/index.js';
import type { BinaryStep } from '../compiler/ops/arithmetic.js';
import { UnsupportedError } from '../contract/errors.js';
import { floats, relError, runBoth, sideRnn, type Feeds } from './conv_models.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { interpretProgram } from './program_interp.js';
import { mulberry32 } from './random.js';
import { throws } from './throws.js';

/** x [B, 6] -> Reshape to [x.shape[0], 1, x.shape[1]] (computed) -> Transpose [1, B, 6] -> GRU -> Y_h [1, B, 3]. */
function viewModel(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['B', 6]);
  const shape = g.node('Shape', [x]);
  const size = (i: number) => g.node('Unsqueeze', [g.node('Gather', [shape, g.constInts([i], [])], [attr.int('axis', 0)]), g.constInts([0])]);
  const target = g.node('Concat', [size(0), g.constInts([1]), size(1)], [attr.int('axis', 0)]);
  const viewed = g.node('Reshape', [x, target], [], { name: 'view' });
  const seqFirst = g.node('Transpose', [viewed], [attr.ints('perm', [1, 0, 2])]);
  const [, yh] = g.rnn('GRU', seqFirst, 3, 6, { name: 'gru' });
  g.node('Identity', [yh], [], { outputs: ['h'] });
  g.output('h', [1, 'B', 3]);
  return g.encode();
}

test('the batch axis traces through a Reshape to a target computed from the input\'s sizes', async () => {
  const bytes = viewModel();
  const { program } = lowerModel(bytes, { batch: 3 });
  assert.equal(program.inputs[0].dims, ['batch', 6]);
  const rng = mulberry32(31);
  for (const B of [1, 3]) {
    const feeds: Feeds = { x: { data: Float32Array.from(floats(rng, B * 6)), dims: [B, 6] } };
    const { rnnc, ort } = await runBoth(bytes, feeds, { batch: 3 });
    assert.equal(rnnc.h.dims, [1, B, 3]);
    assert.ok(relError(rnnc.h.data, ort.h.data) <= 1e-5, `B=${B}: ${relError(rnnc.h.data, ort.h.data)}`);
  }
});

/** Arithmetic of x [2, 3, 5] with run-time columns: a mean per channel and per item, on either side. */
function columnModel(): { bytes: Uint8Array; feeds: Feeds } {
  const rng = mulberry32(32);
  const g = new GraphBuilder();
  sideRnn(g);
  const x = g.input('x', [2, 3, 5]);
  const perChannel = g.node('ReduceMean', [x], [attr.ints('axes', [2]), attr.int('keepdims', 1)]);
  const perItem = g.node('ReduceMean', [perChannel], [attr.ints('axes', [1]), attr.int('keepdims', 1)]);
  const col = g.input('col', [2, 3, 1]);
  g.node('Sub', [x, perChannel], [], { outputs: ['centred'], name: 'b_col' });
  g.node('Div', [perItem, x], [], { outputs: ['ratio'], name: 'a_col' });
  g.node('Mul', [x, col], [], { outputs: ['scaled'], name: 'fed_col' });
  g.node('Add', [g.node('Neg', [perItem]), x], [], { outputs: ['shifted'], name: 'a_col_add' });
  for (const o of ['centred', 'ratio', 'scaled', 'shifted']) g.output(o, [2, 3, 5]);
  const feeds: Feeds = {
    seq: { data: Float32Array.from(floats(rng, 6)), dims: [3, 1, 2] },
    x: { data: Float32Array.from(floats(rng, 30, 0.5, 2)), dims: [2, 3, 5] },
    col: { data: Float32Array.from(floats(rng, 6)), dims: [2, 3, 1] },
  };
  return { bytes: g.encode(), feeds };
}

test('arithmetic with one element per row of the output, on either side: module = float64 = onnxruntime', async () => {
  const { bytes, feeds } = columnModel();
  const { program } = lowerModel(bytes);
  const patterns = program.steps.filter((s): s is BinaryStep => s.op === 'binary').map((s) => `${s.node}:${s.pattern}:${s.inner.join('x')}`);
  assert.equal(patterns.sort(), ['a_col:aCol:3x5', 'a_col_add:aCol:3x5', 'b_col:bCol:5', 'fed_col:bCol:5']);
  const { rnnc, ort } = await runBoth(bytes, feeds);
  const f64 = interpretProgram(program, 3, 1, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.data])));
  for (const o of ['centred', 'ratio', 'scaled', 'shifted']) {
    assert.ok(relError(rnnc[o].data, ort[o].data) <= 1e-6, `${o} against onnxruntime: ${relError(rnnc[o].data, ort[o].data)}`);
    assert.ok(relError(rnnc[o].data, f64[o]) <= 1e-6, `${o} against float64: ${relError(rnnc[o].data, f64[o])}`);
  }
});

test('two operands that both broadcast to a third shape are refused naming the node and the shapes', () => {
  const g = new GraphBuilder();
  sideRnn(g);
  const a = g.input('a', [4, 1]), b = g.input('b', [1, 5]);
  g.node('Add', [a, b], [], { outputs: ['out'], name: 'outer_sum' });
  g.output('out', [4, 5]);
  throws(() => lowerModel(g.encode()), UnsupportedError, "Add (node 'outer_sum')", 'Add of [4, 1] and [1, 5]', 'not both to a third');
});

test.run();
