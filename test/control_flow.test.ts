/**
 * If subgraphs (compiler/ops/control.ts, the loader's subgraphs, the inference's inlining), the
 * folded comparisons that decide them (ops/logic.ts), `bind` and `shapes`, and an RNN whose sequence
 * length the model fixes. Models are built in memory the way TorchScript exports write them: a shape
 * test, an If, the network inside the branches, reading values of the graph around them.
 */
import { test } from 'uvu';
import { engineRelaxedSimd } from '../runtime/features.js';
import * as assert from 'uvu/assert';
import { lowerModel } from '../compiler/frontend/index.js';
import { compileModel } from '../compiler/index.js';
import { DataType } from '../compiler/onnx/proto.js';
import { InputError, ModelError, UnsupportedError } from '../contract/errors.js';
import { InferenceSession, spawnNodeWorker } from '../api/node.js';
import { Engine } from '../runtime/engine.js';
import { ArtifactSession } from '../runtime/session.js';
import { Tensor } from '../runtime/tensor.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { interpretProgram } from './program_interp.js';
import { rejects, throws } from './throws.js';

const ops = (bytes: Uint8Array, options = {}) => lowerModel(bytes, options).program.steps.map((s) => s.op);

/** A branch: `build` adds nodes to a fresh builder and returns the output names. */
function branch(name: string, build: (b: GraphBuilder) => string[]) {
  const b = new GraphBuilder();
  for (const o of build(b)) b.output(o);
  return b.graph(name);
}

/**
 * x [T, N, 2] -> If (rank of x == `rank`) then Relu(x) else Tanh(x) -> LSTM (hidden 3) -> Y_h.
 * The then-branch names its value like the else-branch does: loading keeps both apart.
 */
function rankTest(rank: number, elseOp = 'Tanh'): GraphBuilder {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const size = g.node('Size', [g.node('Shape', [x])]);
  const cond = g.node('Equal', [size, g.constInts([rank], [])]);
  const then = branch('then', (b) => [b.node('Relu', [x], [], { outputs: ['v'] })]);
  const other = branch('else', (b) => [b.node(elseOp, [x], [], { outputs: ['v'] })]);
  const [v] = g.nodeOutputs('If', [cond], [attr.graph('then_branch', then), attr.graph('else_branch', other)], { name: 'if1', outputs: ['picked'] });
  const [, h] = g.rnn('LSTM', v, 3, 2, { name: 'lstm' });
  g.output(h, [1, 'N', 3]);
  return g;
}

test('an If on a shape test folds: the branch it picks is lowered, the other one never read', () => {
  assert.equal(ops(rankTest(3).encode()), ['relu', 'rnn']);
  assert.equal(ops(rankTest(2).encode()), ['tanh', 'rnn']);
  // An op rnnc does not compile, in the branch not taken: nothing to report.
  assert.equal(ops(rankTest(3, 'Erf').encode()), ['relu', 'rnn']);
  throws(() => lowerModel(rankTest(2, 'Erf').encode()), UnsupportedError, 'Erf (node', "in else_branch of If 'if1'");
});

test('the picked branch runs in the module: the output is the float64 interpretation', async () => {
  const bytes = rankTest(3).encode();
  const { program } = lowerModel(bytes);
  const engine = await Engine.create(compileModel(bytes, { batch: 2 }).artifact);
  const T = 5, N = 2;
  const x = Float32Array.from({ length: T * N * 2 }, (_, i) => Math.sin(i * 1.7));
  const got = engine.run({ x: new Tensor('float32', x, [T, N, 2]) });
  const want = interpretProgram(program, T, N, { x });
  const out = Object.keys(want)[0];
  const err = Math.max(...Array.from(got[out].data as Float32Array, (v, i) => Math.abs(v - want[out][i])));
  assert.ok(err <= 1e-5, `max abs error ${err}`);
});

test('nested Ifs read values of every graph around them; conditions on batch and rank fold', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const h0 = g.input('h0', [1, 'N', 3]);
  // batch != 0 (Cast of a size to BOOL): true, as a batch is at least 1.
  const n = g.node('Gather', [g.node('Shape', [h0]), g.constInts([1], [])], [attr.int('axis', 0)]);
  const hasBatch = g.node('Cast', [n], [attr.int('to', DataType.BOOL)]);
  const inner = (kind: string) => branch(`inner_${kind}`, (b) => [b.node(kind, [x], [], { outputs: [`in_${kind}`] })]);
  const outerThen = branch('outer_then', (b) => {
    const rank3 = b.node('Equal', [b.node('Size', [b.node('Shape', [x])]), b.constInts([3], [])]);
    const [v] = b.nodeOutputs('If', [rank3], [attr.graph('then_branch', inner('Sigmoid')), attr.graph('else_branch', inner('Abs'))], { name: 'inner_if' });
    const [, h] = b.rnn('GRU', v, 3, 2, { name: 'gru', initialH: h0 });
    return [h];
  });
  const outerElse = branch('outer_else', (b) => [b.node('Erf', [h0])]);
  const [y] = g.nodeOutputs('If', [hasBatch], [attr.graph('then_branch', outerThen), attr.graph('else_branch', outerElse)], { name: 'outer_if' });
  g.output(y, [1, 'N', 3]);
  assert.equal(ops(g.encode()), ['sigmoid', 'rnn']);
});

/** x [T, N, 2], sr (int64 scalar) -> If (sr == 16000) then Relu(x) else Sigmoid(x) -> RNN -> Y_h. */
function rateTest(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const sr = g.input('sr', [], DataType.INT64);
  const cond = g.node('Equal', [sr, g.constInts([16000], [])]);
  const then = branch('then', (b) => [b.node('Relu', [x])]);
  const other = branch('else', (b) => [b.node('Sigmoid', [x])]);
  const [v] = g.nodeOutputs('If', [cond], [attr.graph('then_branch', then), attr.graph('else_branch', other)], { name: 'sr_if' });
  const [, h] = g.rnn('RNN', v, 3, 2, { name: 'rnn' });
  g.output(h, [1, 'N', 3]);
  return g.encode();
}

test('an If on a run-time value compiles both branches; the module picks one per call', async () => {
  const bytes = rateTest();
  const { program } = lowerModel(bytes);
  assert.equal(program.steps.map((s) => s.op), ['logic', 'relu', 'sigmoid', 'copy', 'copy', 'rnn']);
  assert.equal(program.steps.map((s) => (s.when ?? []).map((w) => w.is)), [[], [true], [false], [true], [false], []]);
  const engine = await Engine.create(compileModel(bytes).artifact);
  const T = 4;
  const x = Float32Array.from({ length: T * 2 }, (_, i) => Math.sin(i) * 3);
  const outs: Float32Array[] = [];
  for (const rate of [16000, 8000, 16000, 44100]) {
    const got = engine.run({ x: new Tensor('float32', x, [T, 1, 2]), sr: new Tensor('int64', BigInt64Array.of(BigInt(rate)), []) });
    const want = interpretProgram(program, T, 1, { x, sr: [rate] });
    const out = Object.keys(want)[0];
    const err = Math.max(...Array.from(got[out].data as Float32Array, (v, i) => Math.abs(v - want[out][i])));
    assert.ok(err <= 1e-5, `sr ${rate}: max abs error ${err}`);
    outs.push(got[out].data as Float32Array);
  }
  assert.equal(outs[0], outs[2], 'the same branch gives the same bits');
  assert.not.equal(outs[0], outs[1], 'the other branch computes something else');
  assert.equal(outs[1], outs[3], 'every value other than 16000 takes the else branch');

  // Two workers read the condition alike and skip the same steps (and their barriers).
  const two = await ArtifactSession.fromArtifact(compileModel(bytes, { threads: true }).artifact, { workers: 2, spawn: spawnNodeWorker });
  try {
    for (const [i, rate] of [16000, 8000].entries()) {
      const got = await two.run({ x: new Tensor('float32', x, [T, 1, 2]), sr: new Tensor('int64', BigInt64Array.of(BigInt(rate)), []) });
      assert.equal(Object.values(got)[0].data, outs[i], `2 workers, sr ${rate}`);
    }
  } finally {
    await two.release();
  }
});

test('bind folds an If on a run-time value to one branch and checks its argument', async () => {
  const bytes = rateTest();
  assert.equal(ops(bytes, { bind: { sr: 16000 } }), ['relu', 'rnn']);
  assert.equal(ops(bytes, { bind: { sr: 8000 } }), ['sigmoid', 'rnn']);
  const bound = lowerModel(bytes, { bind: { sr: 8000 } }).program;
  assert.equal(bound.inputs.map((i) => i.name), ['x'], 'a bound input is no longer fed to the module');
  throws(() => lowerModel(bytes, { bind: { rate: 1 } }), ModelError, "bind 'rate'", "no graph input 'rate'", "'sr'");
  throws(() => lowerModel(bytes, { bind: { sr: 1.5 } }), ModelError, "bind 'sr'", 'integers');
  // The module takes the bound input (or not) and refuses another value than the bound one.
  const engine = await Engine.create(compileModel(bytes, { bind: { sr: 16000 } }).artifact);
  const x = new Tensor('float32', Float32Array.of(1, -2, 3, -4), [2, 1, 2]);
  const rate = (r: number) => new Tensor('int64', BigInt64Array.of(BigInt(r)), []);
  const a = engine.run({ x, sr: rate(16000) });
  assert.equal(Object.values(engine.run({ x }))[0].data, Object.values(a)[0].data);
  throws(() => engine.run({ x, sr: rate(8000) }), InputError, "input 'sr' is 8000", 'bound to 16000', '--bind sr=16000');
});

test('a session from model bytes binds a control input to each value fed: one branch compiled per value', async () => {
  const bytes = rateTest();
  const session = await InferenceSession.create(bytes, { workers: 1 });
  try {
    const x = new Tensor('float32', Float32Array.of(1, -2, 3, -4), [2, 1, 2]);
    const rate = (r: number) => new Tensor('int64', BigInt64Array.of(BigInt(r)), [1]);
    for (const r of [16000, 8000, 16000]) {
      const got = await session.run({ x, sr: rate(r) });
      assert.equal(session.manifest.bound.map((b) => [b.name, b.value]), [['sr', [r]]], `sr ${r} compiled bound`);
      // The session compiles for this engine (fused multiply-adds where it has relaxed SIMD), so the reference does too.
      const want = (await Engine.create(compileModel(bytes, { bind: { sr: r }, relaxedSimd: engineRelaxedSimd(undefined) }).artifact)).run({ x, sr: rate(r) });
      assert.equal(Object.values(got)[0].data, Object.values(want)[0].data, `sr ${r}`);
    }
    await rejects(session.run({ x, sr: new Tensor('float32', Float32Array.of(16000), [1]) }), InputError, /input 'sr' must be int64 or int32, got float32/);
    await rejects(session.run({ x }), InputError, /missing input 'sr'/);
  } finally {
    await session.release();
  }
  // Compiled ahead of time without bind, both branches stay in the module (the test above).
  assert.equal(compileModel(bytes).artifact.manifest.bound, []);
});

test('a session compiles later values from the bytes it was created with, though the caller reuses its Buffer', async () => {
  const bytes = rateTest();
  const buffer = Buffer.from(bytes); // a Buffer's slice() is a view: the session must copy
  const session = await InferenceSession.create(buffer, { workers: 1 });
  try {
    const x = new Tensor('float32', Float32Array.of(1, -2, 3, -4), [2, 1, 2]);
    const rate = (r: number) => new Tensor('int64', BigInt64Array.of(BigInt(r)), [1]);
    await session.run({ x, sr: rate(16000) });
    buffer.fill(0);
    const got = await session.run({ x, sr: rate(8000) }); // compiled now, for sr 8000
    const want = (await Engine.create(compileModel(bytes, { bind: { sr: 8000 }, relaxedSimd: engineRelaxedSimd(undefined) }).artifact)).run({ x });
    assert.equal(Object.values(got)[0].data, Object.values(want)[0].data);
  } finally {
    await session.release();
  }
  await rejects(InferenceSession.create(bytes, { plan: { relaxedSimd: 'no' } }).then((s) => s.run({ x: new Tensor('float32', new Float32Array(4), [2, 1, 2]), sr: new Tensor('int64', BigInt64Array.of(16000n), [1]) })),
    InputError, /option relaxedSimd must be a boolean, got string/);
});

test('a branch that cannot take the sizes fed is an error naming the If, the branch and the bind that avoids it', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const sr = g.input('sr', [], DataType.INT64);
  const cond = g.node('Equal', [sr, g.constInts([16000], [])]);
  // Each branch runs an RNN; the else branch feeds its RNN a rank-4 tensor, which no size makes fit.
  const then = branch('then', (b) => [b.rnn('RNN', b.node('Relu', [x]), 3, 2, { name: 'rnn_a' })[1]]);
  const other = branch('else', (b) => [b.rnn('RNN', b.node('Unsqueeze', [x, b.constInts([0])]), 3, 2, { name: 'rnn_b' })[1]]);
  const [h] = g.nodeOutputs('If', [cond], [attr.graph('then_branch', then), attr.graph('else_branch', other)], { name: 'sr_if' });
  g.output(h, [1, 'N', 3]);
  throws(() => lowerModel(g.encode()), ModelError, "If (node 'sr_if')", 'else_branch cannot be', "node 'rnn_b'", '--bind sr=VALUE');
  assert.equal(ops(g.encode(), { bind: { sr: 16000 } }), ['relu', 'rnn']);
});

test('branches chosen at run time must agree on their outputs', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['T', 'N', 2]);
  const flag = g.input('flag', [1], DataType.INT64);
  const cond = g.node('Cast', [flag], [attr.int('to', DataType.BOOL)]);
  const then = branch('then', (b) => [b.node('Relu', [x])]);
  const other = branch('else', (b) => [b.node('Concat', [x, x], [attr.int('axis', 2)])]);
  const [v] = g.nodeOutputs('If', [cond], [attr.graph('then_branch', then), attr.graph('else_branch', other)], { name: 'odd_if' });
  const [, h] = g.rnn('RNN', v, 3, 2, { name: 'rnn' });
  g.output(h, [1, 'N', 3]);
  throws(() => lowerModel(g.encode()), UnsupportedError, "If (node 'odd_if')", '[seq, batch, 2]', '[seq, batch, 4]', 'bind');
});

test('shapes fix the sizes a model leaves open; an RNN whose length the model fixes runs it', async () => {
  // x [N, L] -> Unsqueeze(0) -> [1, N, L]: the LSTM runs one step; L is neither seq nor batch.
  const g = new GraphBuilder();
  const x = g.input('x', ['N', null]);
  const x3 = g.node('Unsqueeze', [x, g.constInts([0])]);
  const [, h] = g.rnn('LSTM', x3, 4, 6, { name: 'cell' });
  g.output(h, [1, 'N', 4]);
  const bytes = g.encode();
  throws(() => lowerModel(bytes), ModelError, "graph input 'x'", 'axis 1', '--shape x=Nx');
  throws(() => lowerModel(bytes, { shapes: { x: [2, 5] } }), ModelError, "input W ('cell.W')", 'input_size=5');
  throws(() => lowerModel(bytes, { shapes: { y: [2, 6] } }), ModelError, "no graph input 'y'");
  throws(() => lowerModel(bytes, { shapes: { x: [2, 6, 1] } }), ModelError, 'declares 2 dims');
  const { program } = lowerModel(bytes, { shapes: { x: [2, 6] } });
  assert.equal(program.maxBatch, 2, 'a size given on the batch axis is the largest batch');
  const engine = await Engine.create(compileModel(bytes, { shapes: { x: [2, 6] } }).artifact);
  for (const N of [1, 2]) {
    const xs = Float32Array.from({ length: N * 6 }, (_, i) => Math.cos(i));
    const got = engine.run({ x: new Tensor('float32', xs, [N, 6]) });
    const want = interpretProgram(program, 1, N, { x: xs });
    const out = Object.keys(want)[0];
    const err = Math.max(...Array.from(got[out].data as Float32Array, (v, i) => Math.abs(v - want[out][i])));
    assert.ok(err <= 1e-5, `batch ${N}: max abs error ${err}`);
  }

  // A session from the model's bytes compiles at its first run, for the sizes fed.
  const session = await InferenceSession.create(bytes);
  try {
    assert.equal(session.inputNames, ['x']);
    assert.throws(() => session.manifest, /first run/);
    const xs = Float32Array.from({ length: 6 }, (_, i) => Math.cos(i));
    const got = await session.run({ x: new Tensor('float32', xs, [1, 6]) });
    const want = interpretProgram(program, 1, 1, { x: xs });
    const out = Object.keys(want)[0];
    assert.ok(Math.max(...Array.from(got[out].data as Float32Array, (v, i) => Math.abs(v - want[out][i]))) <= 1e-5);
    assert.equal(session.manifest.inputs[0].dims, ['batch', 6]);
    // A size the model cannot take is the caller's: an InputError naming what was fed and what ran.
    await rejects(session.run({ x: new Tensor('float32', xs.subarray(0, 5), [1, 5]) }), InputError, /input 'x' \[1, 5\].*it ran on 'x' \[1, 6\].*input_size=5/);
    assert.ok((await session.run({ x: new Tensor('float32', xs, [1, 6]) }))[out], 'a failed size leaves the session usable');
  } finally {
    await session.release();
  }
});

test.run();
