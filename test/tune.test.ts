/** The auto-tuner: entries keyed by descriptor and engine, and `rnnc compile --tuning` using them. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, descriptorKey } from '../compiler/cells/descriptor.js';
import { engineFingerprint, tuneCell, tunedEntry, type TuningFile } from '../api/tune.js';
import { compileModel } from '../compiler/index.js';
import { modelFor } from './harness.js';
import { mulberry32, randomInputs } from './random.js';

test('tuneCell measures the pruned variants and returns the best with the default for comparison', async () => {
  const d = describeCell({ cell: 'gru', inputSize: 6, hiddenSize: 10, maxBatch: 2, linearBeforeReset: true });
  let calls = 0, total = 0;
  const labels: string[] = [];
  const e = await tuneCell(d, { seq: 3, batch: 2, maxWorkers: 1, warmupMs: 1, rounds: 3, onProgress: (done, t, label) => { calls = done; total = t; labels.push(label); } });
  assert.is(calls, total, 'every variant reported progress');
  assert.ok(total > 10, `searched ${total} variants`);
  assert.is(e.key, descriptorKey(d));
  assert.is(e.engine, engineFingerprint());
  assert.ok(e.ms > 0 && e.ms <= e.defaultMs, 'the best is never slower than the default it was compared with');
  // Pruning: no variant with more accumulators than registers (3 gates x 16 units x 2 rows = 24).
  assert.ok(!(e.plan.unitsPerBlock === 16 && e.plan.rowsPerBlock === 2));
  // 6 rows a call, more than one GEMM tile (4): the per-step projection is pruned, not timed.
  assert.ok(!labels.some((l) => l.includes('inputProjection')), labels.join('; '));
});

test('tuneCell times the other input projection where a call has at most one GEMM tile of rows', async () => {
  const d = describeCell({ cell: 'rnn', inputSize: 5, hiddenSize: 8 });
  for (const [seq, other] of [[1, 'hoisted'], [3, 'fused']] as const) {
    const labels: string[] = [];
    await tuneCell(d, { seq, batch: 1, maxWorkers: 1, warmupMs: 1, rounds: 1, onProgress: (_, __, label) => labels.push(label) });
    assert.ok(labels.some((l) => l.includes(`inputProjection=${other}`)), `seq ${seq}: ${labels.join('; ')}`);
  }
});

test('tuneCell feeds every input of the cell: sequence lengths and initial states too', async () => {
  const d = describeCell({ cell: 'lstm', inputSize: 3, hiddenSize: 4, maxBatch: 2, hasSequenceLens: true, hasInitialH: true, hasInitialC: true, layout: 1 });
  const e = await tuneCell(d, { seq: 2, batch: 2, maxWorkers: 1, warmupMs: 1, rounds: 1 });
  assert.is(e.key, descriptorKey(d));
  assert.ok(e.ms > 0);
});

test('compile uses a tuned plan for its descriptor on this engine, and only there', () => {
  const d = describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 20, maxBatch: 1 });
  const entry = { key: descriptorKey(d), engine: engineFingerprint(), plan: { unitsPerBlock: 8, kUnroll: 1 }, workers: 1, ms: 1, defaultMs: 2, seq: 10, batch: 1, date: '' };
  const file: TuningFile = { format: 'rnnc-tuning', version: 1, entries: [entry, { ...entry, engine: 'another-engine', plan: { unitsPerBlock: 16 } }] };
  const { model } = modelFor(d, randomInputs(mulberry32(1), d, 2, 1));
  const tuned = compileModel(model, { tuned: (x) => tunedEntry(file, x) });
  assert.is(tuned.plan.kernelName, 'lstm_f32_u8r1__wasmsimd_k1', 'a plan tuned before fences existed stays unfenced');
  const other = describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 21, maxBatch: 1 });
  assert.is(tunedEntry(file, other), undefined);
  assert.is(compileModel(model).plan.kernelName, 'lstm_f32_u8r1__wasmsimd_k2f4');
  // An entry that names its fences keeps them.
  const fenced: TuningFile = { ...file, entries: [{ ...entry, plan: { unitsPerBlock: 8, kUnroll: 2, kFence: 2 } }] };
  assert.is(compileModel(model, { tuned: (x) => tunedEntry(fenced, x) }).plan.kernelName, 'lstm_f32_u8r1__wasmsimd_k2f2');
});

test('a tuned plan without a block order keeps the forward walk it was measured with, takes the planner\'s streams unless it names them, and keeps the unroll it names', () => {
  const d = describeCell({ cell: 'lstm', inputSize: 4, hiddenSize: 256, maxBatch: 1 });
  const { model } = modelFor(d, randomInputs(mulberry32(2), d, 1, 1));
  assert.is(compileModel(model).plan.kernelName, 'lstm_f32_u8r1__wasmsimd_k2f4s2_alt', 'R of 1 MiB alternates and streams by default');
  const entry = { key: descriptorKey(d), engine: engineFingerprint(), plan: { unitsPerBlock: 8, kUnroll: 2, kFence: 4 }, workers: 1, ms: 1, defaultMs: 2, seq: 10, batch: 1, date: '' };
  const old: TuningFile = { format: 'rnnc-tuning', version: 1, entries: [entry] };
  assert.is(compileModel(model, { tuned: (x) => tunedEntry(old, x) }).plan.kernelName, 'lstm_f32_u8r1__wasmsimd_k2f4s2', 'the planner\'s streams');
  const named: TuningFile = { ...old, entries: [{ ...entry, plan: { ...entry.plan, alternateBlocks: true } }] };
  assert.is(compileModel(model, { tuned: (x) => tunedEntry(named, x) }).plan.kernelName, 'lstm_f32_u8r1__wasmsimd_k2f4s2_alt');
  const byDefault: TuningFile = { ...old, entries: [{ ...entry, plan: {} }] };
  assert.is(compileModel(model, { tuned: (x) => tunedEntry(byDefault, x) }).plan.kernelName, 'lstm_f32_u8r1__wasmsimd_k2f4s2_alt', 'an empty plan is the planner default');
  const one: TuningFile = { ...old, entries: [{ ...entry, plan: { ...entry.plan, kStreams: 1 } }] };
  assert.is(compileModel(model, { tuned: (x) => tunedEntry(one, x) }).plan.kernelName, 'lstm_f32_u8r1__wasmsimd_k2f4', 'an entry that names its streams keeps them');
  // A GRU entry from before fences (k1, its fence pinned to none) keeps its k1 where streams would want an even unroll.
  const g = describeCell({ cell: 'gru', inputSize: 64, hiddenSize: 256, maxBatch: 1, linearBeforeReset: true });
  const gruOld: TuningFile = { ...old, entries: [{ ...entry, key: descriptorKey(g), plan: { unitsPerBlock: 8 } }] };
  const gm = modelFor(g, randomInputs(mulberry32(3), g, 1, 1)).model;
  assert.is(compileModel(gm, { tuned: (x) => tunedEntry(gruOld, x) }).plan.kernelName, 'gru_f32_u8r1__wasmsimd_k1');
  assert.is(compileModel(gm).plan.kernelName, 'gru_f32_u8r1__wasmsimd_k2f6s2_alt', 'the planner alone streams it');
});

test('a tuned plan never changes the compile\'s SIMD flavour to fused; in a fused compile it may keep its node plain', () => {
  const d = describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 20, maxBatch: 1 });
  const { model } = modelFor(d, randomInputs(mulberry32(4), d, 2, 1));
  const entry = { key: descriptorKey(d), engine: engineFingerprint(), plan: { unitsPerBlock: 8, kUnroll: 2, kFence: 4, relaxedSimd: true }, workers: 1, ms: 1, defaultMs: 2, seq: 10, batch: 1, date: '' };
  const fusedEntry: TuningFile = { format: 'rnnc-tuning', version: 1, entries: [entry] };
  const plainEntry: TuningFile = { ...fusedEntry, entries: [{ ...entry, plan: { ...entry.plan, relaxedSimd: false } }] };
  const compile = (file: TuningFile, relaxedSimd?: boolean) => compileModel(model, { relaxedSimd, tuned: (x) => tunedEntry(file, x) }).artifact.manifest;
  // A plain compile (rnnc compile without --relaxed-simd, or --also-fused's plain half) stays loadable everywhere.
  for (const flavour of [undefined, false]) {
    const m = compile(fusedEntry, flavour);
    assert.equal(m.kernels, ['lstm_f32_u8r1__wasmsimd_k2f4'], `relaxedSimd ${flavour}`);
    assert.is(m.features.relaxedSimd, false);
  }
  assert.equal(compile(fusedEntry, true).kernels, ['lstm_f32_u8r1__wasmrelaxedsimd_k2f4']);
  assert.is(compile(fusedEntry, true).features.relaxedSimd, true);
  // Measured plain on this engine: plain in the fused compile too, and the module needs no relaxed SIMD.
  assert.equal(compile(plainEntry, true).kernels, ['lstm_f32_u8r1__wasmsimd_k2f4']);
  assert.is(compile(plainEntry, true).features.relaxedSimd, false);
});

test.run();
