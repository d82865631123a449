/**
 * The recurrent k-loop read as two or four streams (plan option kStreams, emit/kloop.ts): each
 * iteration takes an equal share of its k steps from each half (quarter) of a panel. Only the order of the sums changes, so every
 * cell, with and without k blocks, unrolls, fences, trees and several batch rows, must give the
 * float64 reference's result; shapes it cannot split evenly are refused by name.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, type CellDescriptor } from '../compiler/cells/descriptor.js';
import { compileModel } from '../compiler/index.js';
import { makePlan, type PlanOptions } from '../compiler/plan/cell.js';
import { UnsupportedError } from '../contract/errors.js';
import { InferenceSession } from '../api/node.js';
import { maxAbsDiff, modelFor } from './harness.js';
import { referenceRnn } from './reference.js';
import { mulberry32, randomInputs } from './random.js';
import { throws } from './throws.js';

const TO_REFERENCE = 1e-5;

const CASES: { d: CellDescriptor; opts: PlanOptions }[] = [
  // H = 40 in blocks of 16: two blocks of 8 + 8 steps, and a rest of 4 + 4.
  { d: describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 40, maxBatch: 1 }), opts: { kStreams: 2, kBlock: 16 } },
  { d: describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 40, maxBatch: 1 }), opts: { kStreams: 2, kUnroll: 4, kFence: 4, kBlock: 0 } },
  { d: describeCell({ cell: 'lstm', inputSize: 3, hiddenSize: 24, maxBatch: 3, hasInitialH: true, hasInitialC: true }), opts: { kStreams: 2, kUnroll: 2, kTree: true } },
  { d: describeCell({ cell: 'gru', inputSize: 4, hiddenSize: 40, maxBatch: 1, linearBeforeReset: true }), opts: { kStreams: 2, kUnroll: 2, kFence: 6, kBlock: 16 } },
  { d: describeCell({ cell: 'gru', inputSize: 6, hiddenSize: 20, maxBatch: 2, direction: 'reverse', linearBeforeReset: false }), opts: { kStreams: 2, kUnroll: 4, kTree: true, kBlock: 16 } },
  // Four streams, H / 4 = 10 apart: blocks of 4 steps each, a rest of 2 each.
  { d: describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 40, maxBatch: 1 }), opts: { kStreams: 4, kUnroll: 4, kFence: 4, kBlock: 16 } },
  { d: describeCell({ cell: 'gru', inputSize: 4, hiddenSize: 40, maxBatch: 2, linearBeforeReset: true }), opts: { kStreams: 4, kUnroll: 8, kTree: true, kBlock: 16 } },
  { d: describeCell({ cell: 'rnn', inputSize: 7, hiddenSize: 16, maxBatch: 2, direction: 'bidirectional' }), opts: { kStreams: 2, kUnroll: 2, kTree: false } },
  // With the block order alternating every step (the planner's choice where R is about L2's size).
  { d: describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 40, maxBatch: 1 }), opts: { kStreams: 2, kUnroll: 2, kFence: 4, kBlock: 16, alternateBlocks: true } },
  { d: describeCell({ cell: 'gru', inputSize: 4, hiddenSize: 40, maxBatch: 1, direction: 'bidirectional', linearBeforeReset: true }), opts: { kStreams: 2, kUnroll: 2, kFence: 6, alternateBlocks: true } },
];

CASES.forEach(({ d, opts }, i) => {
  test(`two streams give the reference result: ${d.cell} I=${d.inputSize} H=${d.hiddenSize} batch ${d.maxBatch} ${JSON.stringify(opts)}`, async () => {
    const inp = randomInputs(mulberry32(700 + i), d, 5, d.maxBatch);
    const ref = referenceRnn(d, inp);
    const plan = makePlan(d, opts);
    assert.is(plan.kStreams, opts.kStreams);
    assert.match(plan.kernelName, new RegExp(`s${opts.kStreams}`));
    const { model, feeds } = modelFor(d, inp);
    const session = await InferenceSession.create(compileModel(model, { ...opts, threads: false }).artifact, { workers: 1 });
    try {
      const got = await session.run(feeds);
      for (const [name, want] of Object.entries({ Y: ref.Y, Y_h: ref.Y_h, Y_c: ref.Y_c })) {
        if (want === null || want === undefined) continue;
        const e = maxAbsDiff(got[name].data as Float32Array, want);
        assert.ok(e <= TO_REFERENCE, `${name}: max abs error ${e} vs the float64 reference`);
      }
    } finally {
      await session.release();
    }
  });
});

test('the planner reads R as several streams where a step reads it from beyond L2, at batch 1', () => {
  const plan = (cell: 'lstm' | 'gru', I: number, H: number, maxBatch = 1) =>
    makePlan(describeCell({ cell, inputSize: I, hiddenSize: H, maxBatch, linearBeforeReset: cell === 'gru' }));
  for (const cell of ['lstm', 'gru'] as const) {
    for (const I of [64, 256, 1024]) {
      const p = plan(cell, I, 1024), S = cell === 'lstm' ? 4 : 2;
      assert.is(p.kStreams, S, `${cell} ${I}/1024`);
      assert.is(p.kUnroll, S, `${cell} ${I}/1024: an unroll the streams share`);
      assert.ok(p.reasons.some((r) => r.startsWith(`kStreams=${S}: every step reads R`)), `${cell} ${I}/1024 says why`);
    }
    assert.is(plan(cell, 128, 128).kStreams, 1, `${cell} 128/128: R fits L2`);
    const near = plan(cell, 64, 256);
    assert.is(near.kStreams, 2, `${cell} 64/256: R about L2's size, partly read from beyond it`);
    assert.ok(near.reasons.some((r) => r.startsWith('kStreams=2: every step reads R (') && r.includes('partly from beyond L2')), `${cell} 64/256 says why`);
    assert.is(plan(cell, 64, 1024, 4).kStreams, 1, `${cell} 64/1024 batch 4: measured at batch 1 only`);
  }
  assert.is(plan('gru', 64, 1024).kernelName, 'gru_f32_u8r1__wasmsimd_k2f6s2');
  assert.is(plan('lstm', 64, 1024).kernelName, 'lstm_f32_u8r1__wasmsimd_k4f4s4');
  // About L2's size: two streams, at the unroll LSTM has anyway; GRU's k-loop unrolls for them.
  assert.is(plan('lstm', 64, 256).kernelName, 'lstm_f32_u8r1__wasmsimd_k2f4s2_alt');
  assert.is(plan('gru', 64, 256).kernelName, 'gru_f32_u8r1__wasmsimd_k2f6s2_alt');
  // An explicit unroll of 2 takes two streams.
  assert.is(makePlan(describeCell({ cell: 'lstm', inputSize: 64, hiddenSize: 1024, maxBatch: 1 }), { kUnroll: 2 }).kStreams, 2);
  // An explicit odd unroll keeps one stream rather than failing.
  assert.is(makePlan(describeCell({ cell: 'lstm', inputSize: 64, hiddenSize: 1024, maxBatch: 1 }), { kUnroll: 1 }).kStreams, 1);
});

test('two streams are refused where they cannot split the k-loop evenly, naming the option', () => {
  const lstm = describeCell({ cell: 'lstm', inputSize: 4, hiddenSize: 40, maxBatch: 1 });
  throws(() => makePlan(lstm, { kStreams: 2, kUnroll: 1 }), UnsupportedError, 'kStreams=2', 'kUnroll (1)');
  throws(() => makePlan(describeCell({ cell: 'lstm', inputSize: 4, hiddenSize: 13, maxBatch: 1 }), { kStreams: 2, kUnroll: 2 }), UnsupportedError, 'kStreams=2', 'H / 2');
  throws(() => makePlan(lstm, { kStreams: 4, kUnroll: 2 }), UnsupportedError, 'kStreams=4', 'kUnroll (2)');
  throws(() => makePlan(lstm, { kStreams: 3 }), UnsupportedError, 'kStreams=3', '1, 2, 4');
});

test.run();
