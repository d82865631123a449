/**
 * ONNX's own backend tests for LSTM, GRU and RNN (../shared/conformance/onnx-backend): through the
 * real CLI in a subprocess (`rnnc check`), and in-process with `checkTestDir` at max abs error 1e-5.
 * Skipped, saying so, only when ../shared is absent outside CI (see paths.ts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTestDir } from '../api/check.js';
import { loadTestDir } from '../compiler/onnx/testdata.js';
import { CONFORMANCE, REPO_ROOT, sharedTest } from './paths.js';

const DIRS = [
  'test_gru_batchwise', 'test_gru_defaults', 'test_gru_seq_length', 'test_gru_with_initial_bias',
  'test_lstm_batchwise', 'test_lstm_defaults', 'test_lstm_with_initial_bias', 'test_lstm_with_peepholes',
  'test_rnn_seq_length', 'test_simple_rnn_batchwise', 'test_simple_rnn_defaults', 'test_simple_rnn_with_initial_bias',
];
const TOLERANCE = 1e-5;
const run = sharedTest;

/** Outputs compared per directory: one per expected output file of each data set. */
const expectedOutputs = (dir: string) => loadTestDir(path.join(CONFORMANCE, dir)).sets.reduce((n, s) => n + s.outputs.length, 0);

run('the shared data holds the 12 LSTM/GRU/RNN backend tests', () => {
  assert.equal(fs.readdirSync(CONFORMANCE).sort(), DIRS);
});

run('`rnnc check` on all 12 directories: exit 0, a PASS line for every output of every directory', async () => {
  const dirs = DIRS.map((d) => path.join(CONFORMANCE, d));
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, [path.join(REPO_ROOT, 'bin', 'rnnc.js'), 'check', ...dirs], { timeout: 60_000 },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
  });
  assert.is(code, 0, `exit code ${code}; stderr: ${stderr}\n${stdout}`);
  assert.is(stderr, '');
  const lines = stdout.trim().split('\n');
  const pass = lines.filter((l) => l.startsWith('PASS'));
  assert.not.ok(lines.some((l) => l.startsWith('FAIL')), stdout);
  for (const [i, dir] of dirs.entries()) {
    const named = pass.filter((l) => l.split(/\s+/)[1] === dir);
    assert.is(named.length, expectedOutputs(DIRS[i]), `PASS lines naming ${DIRS[i]}:\n${stdout}`);
  }
  assert.is(pass.length, DIRS.reduce((n, d) => n + expectedOutputs(d), 0));
  assert.ok(lines[lines.length - 1].startsWith('12 of 12 passed'), lines[lines.length - 1]);
});

for (const dir of DIRS) {
  run(`checkTestDir ${dir}: every output within ${TOLERANCE}`, async () => {
    const r = await checkTestDir(path.join(CONFORMANCE, dir), { atol: TOLERANCE, rtol: 0 });
    assert.is(r.outputs.length, expectedOutputs(dir));
    for (const o of r.outputs) {
      assert.ok(o.maxAbsError <= TOLERANCE, `${dir} ${o.set} ${o.output}: max abs error ${o.maxAbsError}`);
      assert.ok(o.pass);
    }
    assert.ok(r.pass);
  });
}

test.run();
