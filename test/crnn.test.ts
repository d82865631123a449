/**
 * PyTorch CRNN exports (test/models/crnn/, made by test/models/make_crnn.py): a convolution front end
 * before an RNN, batch and time dynamic. Each reproduces the outputs torch wrote (checkTestDir and
 * `rnnc check`), and an InferenceSession (compiled at its first run for the lengths fed) agrees
 * with onnxruntime-node at other lengths (odd ones: pooling and stride remainders) and batches.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTestDir } from '../api/check.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { InferenceSession } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';
import { REPO_ROOT } from './paths.js';
import { mulberry32, randomArray } from './random.js';

const ROOT = path.join(REPO_ROOT, 'test', 'models', 'crnn');
const NAMES = ['conv_bn_pool_gru', 'dw_bilstm', 'stft_lstm'];
/** As test/models.test.ts: torch's outputs within atol + rtol * |expected|, onnxruntime's within ORT_MAX_DIFF. */
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
const ORT_MAX_DIFF = 1e-4;
const MAX_BATCH = 4;

test('the exports are there, with the ops each was made to cover', () => {
  const ops = (name: string) => lowerModel(fs.readFileSync(path.join(ROOT, name, 'model.onnx')), { shapes: { x: name === 'stft_lstm' ? [1, 64] : [1, name === 'dw_bilstm' ? 6 : 4, 20] } })
    .program.steps.map((s) => s.op);
  assert.equal(ops('conv_bn_pool_gru').filter((o) => o === 'conv' || o === 'pool' || o === 'rnn'), ['conv', 'pool', 'rnn']);
  assert.equal(ops('dw_bilstm').filter((o) => o === 'conv' || o === 'rnn'), ['conv', 'conv', 'rnn']);
  assert.ok(['pad', 'conv', 'slice', 'map', 'rnn'].every((o) => ops('stft_lstm').includes(o)), ops('stft_lstm').join(' '));
});

test('checkTestDir: every export reproduces the outputs torch wrote', async () => {
  for (const name of NAMES) {
    const r = await checkTestDir(path.join(ROOT, name), TOLERANCE);
    assert.ok(r.outputs.length > 0 && r.pass, `${name}: ${r.outputs.map((o) => `${o.output} ${o.maxAbsError}`).join(', ')}`);
  }
});

test('rnnc check (CLI) passes the three directories', async () => {
  const out = await new Promise<string>((resolve) => {
    execFile(process.execPath, [path.join(REPO_ROOT, 'bin', 'rnnc.js'), 'check', '--atol', '1e-4', '--rtol', '1e-4', ...NAMES.map((n) => path.join(ROOT, n))],
      (_err, stdout) => resolve(stdout));
  });
  assert.match(out, /3 of 3 passed/);
});

/** Random feeds for the export's inputs at `sizes` of its named axes ('batch', 'time'). */
function feeds(session: ort.InferenceSession, sizes: Record<string, number>, seed: number) {
  const rng = mulberry32(seed);
  const mine: Record<string, Tensor> = {}, theirs: Record<string, ort.Tensor> = {};
  for (const m of session.inputMetadata) {
    if (!m.isTensor) throw new Error(`input '${m.name}' is not a tensor`);
    const dims = m.shape.map((d) => (typeof d === 'number' ? d : sizes[d]));
    const data = randomArray(rng, dims.reduce((p, d) => p * d, 1));
    mine[m.name] = new Tensor('float32', data, dims);
    theirs[m.name] = new ort.Tensor('float32', data, dims);
  }
  return { mine, theirs };
}

for (const name of NAMES) {
  test(`${name}: other lengths and batches match onnxruntime-node`, async () => {
    const file = path.join(ROOT, name, 'model.onnx');
    const ref = await ort.InferenceSession.create(file);
    const session = await InferenceSession.create(file, { batch: MAX_BATCH });
    try {
      for (const [k, sizes] of [{ batch: 1, time: 33 }, { batch: 3, time: 47 }, { batch: 4, time: 20 }, { batch: 2, time: 64 }].entries()) {
        const f = feeds(ref, sizes, 50 + k);
        const want = await ref.run(f.theirs);
        const got = await session.run(f.mine);
        for (const o of ref.outputNames) {
          assert.equal([...got[o].dims], [...want[o].dims], `${name} ${JSON.stringify(sizes)}: dims of ${o}`);
          const a = got[o].data as Float32Array, b = want[o].data as Float32Array;
          const diff = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
          assert.ok(diff <= ORT_MAX_DIFF, `${name} ${JSON.stringify(sizes)}: ${o} differs by ${diff}`);
        }
      }
    } finally {
      await session.release();
      await ref.release();
    }
  });
}

test.run();
