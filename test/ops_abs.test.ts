/**
 * Abs (compiler/ops/abs.ts), the op added to show what adding one takes: its module and its line in
 * the registry. Its SIMD function is swept against its float64 one with the other unary ops
 * (ops.test.ts); here, the whole path: folded on constants, lowered to a step of its own, compiled
 * into the module and run after an RNN, checked against the float64 reference.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell } from '../compiler/cells/descriptor.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { compileModel } from '../compiler/index.js';
import { DataType } from '../compiler/onnx/proto.js';
import { UnsupportedError } from '../contract/errors.js';
import { Engine } from '../runtime/engine.js';
import { Tensor } from '../runtime/tensor.js';
import { GraphBuilder } from './graph_builder.js';
import { interpretProgram } from './program_interp.js';
import { mulberry32, randomInputs } from './random.js';
import { referenceRnn } from './reference.js';
import { throws } from './throws.js';

/** x [T, 1, 3] -> GRU (hidden 5) -> Y -> Abs -> out. */
function gruAbs(): GraphBuilder {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 1, 3]);
  const [y] = g.rnn('GRU', x, 5, 3, { name: 'gru' });
  g.node('Abs', [y], [], { name: 'abs', outputs: ['out'] });
  g.output('out', ['T', 1, 1, 5]);
  return g;
}

test('Abs lowers to a step of its own and runs in the module, |Y| of the float64 reference', async () => {
  const bytes = gruAbs().encode();
  const { program } = lowerModel(bytes);
  assert.equal(program.steps.map((s) => s.op), ['rnn', 'abs']);
  const { artifact } = compileModel(bytes);
  const engine = await Engine.create(artifact);
  const T = 7;
  const x = Float32Array.from({ length: T * 3 }, (_, i) => Math.sin(i) * 2);
  const got = engine.run({ x: new Tensor('float32', x, [T, 1, 3]) }).out;
  const want = interpretProgram(program, T, 1, { x }).out;
  assert.equal(got.dims, [T, 1, 1, 5]);
  const err = Math.max(...Array.from(got.data as Float32Array, (v, i) => Math.abs(v - want[i])));
  assert.ok(err <= 1e-5, `max abs error ${err} against the float64 interpreter`);
  assert.ok(Array.from(got.data as Float32Array).every((v) => v >= 0), 'Abs leaves no negative value');
});

test('Abs folds on constants and refuses integer inputs', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 1, 2]);
  const bias = g.node('Abs', [g.constFloats([-1.5, 2, -0.25], [3])]);
  const [, yh] = g.rnn('RNN', x, 3, 2, { name: 'rnn' });
  g.node('Add', [yh, bias], [], { name: 'add', outputs: ['out'] });
  g.output('out', [1, 1, 3]);
  const { program } = lowerModel(g.encode());
  assert.equal(program.steps.map((s) => s.op), ['rnn', 'binary']);
  assert.equal(Array.from(program.constants.find((c) => c.dims.length === 1 && c.data.length === 3)!.data), [1.5, 2, 0.25]);

  const ints = new GraphBuilder();
  const tok = ints.input('tok', ['T', 1], DataType.INT64);
  ints.node('Abs', [tok], [], { name: 'iabs', outputs: ['a'] });
  const emb = ints.node('Gather', [ints.init('emb', [4, 2]), 'a']);
  const [, h] = ints.rnn('RNN', emb, 3, 2, { name: 'rnn' });
  ints.output(h, [1, 1, 3]);
  throws(() => lowerModel(ints.encode()), UnsupportedError, "Abs (node 'iabs')", 'integer');
});

test('Abs after the RNN: the model against referenceRnn directly', async () => {
  const d = describeCell({ cell: 'gru', inputSize: 3, hiddenSize: 5 });
  const inp = randomInputs(mulberry32(3), d, 4, 1);
  // The same weights in a model: GRU then Abs.
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 1, 3]);
  const W = g.init('W', [1, 15, 3], Array.from(inp.W));
  const R = g.init('R', [1, 15, 5], Array.from(inp.R));
  const B = g.init('B', [1, 30], Array.from(inp.B ?? new Float32Array(30)));
  const [y] = g.nodeOutputs('GRU', [x, W, R, B], [{ name: 'hidden_size', type: 2, i: 5 }], { name: 'gru', outputs: ['y', ''] });
  g.node('Abs', [y], [], { name: 'abs', outputs: ['out'] });
  g.output('out', ['T', 1, 1, 5]);
  const engine = await Engine.create(compileModel(g.encode()).artifact);
  const got = engine.run({ x: new Tensor('float32', Float32Array.from(inp.X), [4, 1, 3]) }).out.data as Float32Array;
  const ref = referenceRnn(d, { ...inp, B: inp.B ?? null }).Y.map(Math.abs);
  const err = Math.max(...Array.from(got, (v, i) => Math.abs(v - ref[i])));
  assert.ok(err <= 1e-5, `max abs error ${err}`);
});

test.run();
