/**
 * Shared jobs (compiler/emit/share.ts): whoever computes an item, the outputs are the same bits.
 * Pool workers stall at random (the worker loop's test hook: before calls and at the module's clock
 * checks, as a thread that loses its core); the others take their items, and every output equals
 * the 1-worker run bit for bit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, type CellDescriptorInit } from '../compiler/cells/descriptor.js';
import { compileModel } from '../compiler/index.js';
import type { PlanOptions } from '../compiler/plan/cell.js';
import { ArtifactSession } from '../runtime/session.js';
import { spawnNodeWorker } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';
import type { Spawn } from '../runtime/pool.js';
import { controlView, stolenBy } from '../contract/control.js';
import { stepKernel } from '../compiler/ops/index.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { planModel } from '../compiler/plan/model.js';
import { modelFor } from './harness.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { convWeights, floats, sideRnn } from './conv_models.js';
import { mulberry32, randomInputs } from './random.js';

const cases: { init: CellDescriptorInit; plan?: PlanOptions }[] = [
  { init: { cell: 'lstm', inputSize: 13, hiddenSize: 37, maxBatch: 3, hasSequenceLens: true, hasInitialH: true, hasInitialC: true }, plan: { alternateBlocks: true } },
  { init: { cell: 'gru', inputSize: 9, hiddenSize: 50, maxBatch: 2, linearBeforeReset: true, direction: 'bidirectional' }, plan: { inputProjection: 'fused' } },
  { init: { cell: 'gru', inputSize: 7, hiddenSize: 64, maxBatch: 1, linearBeforeReset: false } },
  { init: { cell: 'lstm', inputSize: 64, hiddenSize: 96, maxBatch: 1, hasPeepholes: true, clip: 2 } },
];

/** Spawns workers that stall at random, and records the control block they share. */
function stalling(seed: number, seen: { ctl: Int32Array | null; workers: number }): Spawn {
  return (init, events) => {
    seen.ctl = controlView(init.memory, init.control);
    seen.workers = init.workers;
    return spawnNodeWorker({ ...init, stall: { seed: seed * 100 + init.id, maxMs: 3 } }, events);
  };
}

const bits = (t: Tensor) => Array.from(new Uint32Array((t.data as Float32Array).buffer, (t.data as Float32Array).byteOffset, t.data.length));

for (const callerComputes of [true, false]) {
  test(`workers stalled at random: outputs equal 1 worker's bit for bit, and the others took stalled workers' items (callerComputes ${callerComputes})`, async () => {
    for (const [k, { init, plan }] of cases.entries()) {
      const d = describeCell(init);
      // 200 steps: the module asks the clock (a stall point) at steps 63, 127 and 191.
      const { model, feeds } = modelFor(d, randomInputs(mulberry32(40 + k), d, 200, d.maxBatch));
      const artifact = compileModel(model, { threads: true, ...plan }).artifact;
      const one = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
      const ref = await one.run(feeds);
      await one.release();
      for (const workers of [2, 3]) {
        const seen = { ctl: null as Int32Array | null, workers: 0 };
        const s = await ArtifactSession.fromArtifact(artifact, { workers, spawn: stalling(k * 10 + workers, seen), adaptWorkers: false, callerComputes });
        for (let call = 0; call < 4; call++) {
          const got = await s.run(feeds);
          for (const name of Object.keys(ref)) assert.equal(bits(got[name]), bits(ref[name]), `case ${k}, ${workers} workers, call ${call}, ${name}`);
        }
        const stolen = Array.from({ length: workers }, (_, w) => stolenBy(seen.ctl!, w));
        assert.ok(stolen.some((n) => n > 0), `case ${k}, ${workers} workers: no worker took another's items (${stolen})`);
        await s.release();
      }
    }
  });
}

test('streaming steps with stalled workers equal the same steps on 1 worker bit for bit', async () => {
  const d = describeCell({ cell: 'lstm', inputSize: 12, hiddenSize: 40, maxBatch: 1 });
  const { model, feeds } = modelFor(d, randomInputs(mulberry32(7), d, 30, 1));
  const artifact = compileModel(model, { threads: true }).artifact;
  const x = feeds.in_X.data as Float32Array;
  // A step projects its input per step (a single row), a whole sequence in one GEMM: steps are
  // compared with steps.
  const steps = async (s: ArtifactSession) => {
    const stream = s.stream(), out: number[][] = [];
    for (let t = 0; t < 30; t++) out.push(bits((await stream.step({ in_X: new Tensor('float32', x.slice(t * 12, (t + 1) * 12), [1, 1, 12]) })).Y));
    await s.release();
    return out;
  };
  const ref = await steps(await ArtifactSession.fromArtifact(artifact, { workers: 1 }));
  const seen = { ctl: null as Int32Array | null, workers: 0 };
  const got = await steps(await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: stalling(3, seen), adaptWorkers: false }));
  got.forEach((y, t) => assert.equal(y, ref[t], `step ${t}`));
});

test('a conv front end with stalled workers: its output-channel blocks, taken by whoever is there, give the 1-worker bits', async () => {
  // Two direct convs (40 and 24 output channels: several blocks each, a partial last one) beside
  // the recurrent node rnnc compiles models around.
  const rng = mulberry32(5);
  const g = new GraphBuilder();
  const audio = g.input('audio', [2, 3, 64]);
  const c0 = convWeights(g, rng, 'c0', { C: 3, M: 40, k: 5 }, true);
  const h = g.node('Relu', [g.node('Conv', [audio, c0.W, c0.B!], [attr.ints('pads', [2, 2])], { name: 'c0' })]);
  const c1 = convWeights(g, rng, 'c1', { C: 40, M: 24, k: 3 }, true);
  g.node('Conv', [h, c1.W, c1.B!], [attr.ints('strides', [2])], { name: 'c1', outputs: ['features'] });
  g.output('features', [2, 24, 31]);
  sideRnn(g);
  const artifact = compileModel(g.encode(), { threads: true }).artifact;
  const feeds = {
    audio: new Tensor('float32', Float32Array.from(floats(rng, 2 * 3 * 64)), [2, 3, 64]),
    seq: new Tensor('float32', Float32Array.from(floats(rng, 10)), [5, 1, 2]),
  };
  const one = await ArtifactSession.fromArtifact(artifact, { workers: 1 });
  const ref = await one.run(feeds);
  await one.release();
  for (const workers of [2, 3]) {
    const seen = { ctl: null as Int32Array | null, workers: 0 };
    const s = await ArtifactSession.fromArtifact(artifact, { workers, spawn: stalling(workers, seen), adaptWorkers: false });
    for (let call = 0; call < 6; call++) {
      const got = await s.run(feeds);
      for (const name of Object.keys(ref)) assert.equal(bits(got[name]), bits(ref[name]), `${workers} workers, call ${call}, ${name}`);
    }
    assert.ok(stolenBy(seen.ctl!, 0) > 0, `${workers} workers: the caller took no stalled worker's items`);
    await s.release();
  }
});

test('a depthwise conv and the elementwise ops and maps after it, split in items: stalled workers give the 1-worker bits', async () => {
  // A depthwise conv (24 channels: 6 channel vectors; the Tanh after it is fused), a per-channel
  // Add (a column operand: row ranges), Abs and Exp (element ranges), a Mul of same-shape operands
  // (element ranges), a Softmax, a MatMul, a MaxPool and a ReduceMean (row ranges), each large
  // enough to be split; beside them the
  // recurrent node rnnc compiles models around.
  const rng = mulberry32(6);
  const g = new GraphBuilder();
  const audio = g.input('audio', [2, 24, 700]);
  const dw = convWeights(g, rng, 'dw', { C: 24, M: 24, k: 5, group: 24 }, true);
  const conv = g.node('Conv', [audio, dw.W, dw.B!], [attr.int('group', 24), attr.ints('pads', [2, 2])], { name: 'dw' });
  const t = g.node('Tanh', [conv]);
  const shifted = g.node('Add', [t, g.init('shift', [2, 24, 1], floats(rng, 48))]);
  g.node('Softmax', [g.node('Mul', [g.node('Abs', [shifted]), g.node('Exp', [t])])], [attr.int('axis', -1)], { outputs: ['features'] });
  g.output('features', [2, 24, 700]);
  g.node('MatMul', ['features', g.init('proj', [700, 40], floats(rng, 700 * 40))], [], { outputs: ['projected'] });
  g.output('projected', [2, 24, 40]);
  g.node('MaxPool', ['features'], [attr.ints('kernel_shape', [3]), attr.ints('strides', [2])], { outputs: ['pooled'] });
  g.output('pooled', [2, 24, 349]);
  g.node('ReduceMean', ['features'], [attr.ints('axes', [-1]), attr.int('keepdims', 0)], { outputs: ['mean'] });
  g.output('mean', [2, 24]);
  sideRnn(g);
  const compiled = compileModel(g.encode(), { threads: true });
  const planned = planModel(lowerModel(g.encode()).program, { threads: true });
  const items = planned.program.steps.map((step, i) => [step.op, stepKernel(step.op).items?.(step, planned.steps[i]) ?? 1] as const);
  for (const op of ['conv', 'map', 'abs', 'binary', 'softmax', 'gemm', 'pool', 'reduce']) {
    const mine = items.filter(([o]) => o === op);
    assert.ok(mine.length > 0 && mine.every(([, n]) => n > 1), `every ${op} step is split in items: ${JSON.stringify(items)}`);
  }
  const feeds = {
    audio: new Tensor('float32', Float32Array.from(floats(rng, 2 * 24 * 700)), [2, 24, 700]),
    seq: new Tensor('float32', Float32Array.from(floats(rng, 2)), [1, 1, 2]),
  };
  const one = await ArtifactSession.fromArtifact(compiled.artifact, { workers: 1 });
  const ref = await one.run(feeds);
  await one.release();
  for (const workers of [2, 3]) {
    const seen = { ctl: null as Int32Array | null, workers: 0 };
    const s = await ArtifactSession.fromArtifact(compiled.artifact, { workers, spawn: stalling(20 + workers, seen), adaptWorkers: false });
    for (let call = 0; call < 6; call++) {
      const got = await s.run(feeds);
      for (const name of Object.keys(ref)) assert.equal(bits(got[name]), bits(ref[name]), `${workers} workers, call ${call}, ${name}`);
    }
    const stolen = Array.from({ length: workers }, (_, w) => stolenBy(seen.ctl!, w));
    assert.ok(stolen.some((n) => n > 0), `${workers} workers: no worker took another's items (${stolen})`);
    await s.release();
  }
});

test('small steps stay one item: a claim per item would cost what their work does', () => {
  // Silero legacy's depthwise conv (258 channels, 9 positions: 65 narrow channel vectors), a Sqrt,
  // an Add and a Softmax of 258 x 9 values.
  const rng = mulberry32(8);
  const g = new GraphBuilder();
  const x = g.input('x', [1, 258, 9]);
  const dw = convWeights(g, rng, 'dw', { C: 258, M: 258, k: 5, group: 258 }, true);
  const conv = g.node('Conv', [x, dw.W, dw.B!], [attr.int('group', 258), attr.ints('pads', [2, 2])], { name: 'dw' });
  const y = g.node('Add', [g.node('Sqrt', [g.node('Abs', [conv])]), x]);
  g.node('Softmax', [y], [attr.int('axis', -1)], { outputs: ['y'] });
  g.output('y', [1, 258, 9]);
  sideRnn(g);
  const planned = planModel(lowerModel(g.encode()).program, { threads: true });
  const items = planned.program.steps.map((step, i) => [step.op, stepKernel(step.op).items?.(step, planned.steps[i]) ?? 1] as const);
  assert.equal(items.filter(([op]) => op !== 'rnn').map(([, n]) => n), items.filter(([op]) => op !== 'rnn').map(() => 1), JSON.stringify(items));
  assert.ok(items.some(([op]) => op === 'conv'), JSON.stringify(items));
});

test.run();
