/**
 * Silero VAD as vad-web runs it: the three models from `@ricky0123/vad-web`, compiled in-process by
 * InferenceSession at their first run, fed frame after frame with the state carried, at 16 kHz and
 * 8 kHz, against onnxruntime-node on the same feeds; and `rnnc check` on data sets made by
 * onnxruntime-node (both rates in one directory: one compile per rate).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTestDir } from '../api/check.js';
import { InferenceSession } from '../api/node.js';
import { REPO_ROOT } from './paths.js';
import { type Frame, SILERO, frameLength, ortFeeds, rnncFeeds, signal, sileroPath, stateOut, writeCheckDir, zeroState } from './silero.js';

/** Largest |rnnc - onnxruntime| on any output of any frame (the bar for the speech probability). */
const MAX_DIFF = 1e-5;
const FRAMES = 6;

for (const name of SILERO) {
  test(`Silero ${name}: ${FRAMES} frames at 16 and 8 kHz with the state carried, within ${MAX_DIFF} of onnxruntime`, async () => {
    const session = await InferenceSession.create(sileroPath(name));
    const ref = await ort.InferenceSession.create(sileroPath(name));
    try {
      for (const rate of [16000, 8000] as const) {
        let mine: Record<string, Float32Array> = zeroState(name), theirs = mine;
        for (let k = 0; k < FRAMES; k++) {
          const input = signal(k, frameLength(name, rate));
          const got = await session.run(rnncFeeds(name, { input, sr: rate, state: mine } satisfies Frame));
          const want = await ref.run(ortFeeds(name, { input, sr: rate, state: theirs }));
          for (const o of ref.outputNames) {
            const a = got[o].data as Float32Array, b = want[o].data as Float32Array;
            assert.equal(got[o].dims, want[o].dims, `${name} ${rate} Hz frame ${k} ${o} dims`);
            const diff = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
            assert.ok(diff <= MAX_DIFF, `${name} ${rate} Hz frame ${k} ${o}: max abs difference ${diff}`);
          }
          const next = (r: Record<string, { data: unknown }>) => Object.fromEntries(Object.entries(stateOut(name)).map(([i, o]) => [i, r[o].data as Float32Array]));
          mine = next(got);
          theirs = next(want);
        }
      }
    } finally {
      await session.release();
      await ref.release();
    }
  });
}

test('rnnc check passes on the three models with data sets made by onnxruntime-node (16 and 8 kHz in one directory)', async () => {
  for (const name of SILERO) {
    const dir = await writeCheckDir(name, [16000, 8000], 3);
    try {
      const r = await checkTestDir(dir, { atol: MAX_DIFF, rtol: 0 });
      assert.is(r.outputs.length, 6 * (name === 'legacy' ? 3 : 2), `${name}: every output of every set checked`);
      const worst = r.outputs.filter((o) => !o.pass).map((o) => `${o.set} ${o.output} ${o.maxAbsError}`);
      assert.ok(r.pass, `${name}: ${worst.join('; ')}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('the CLI: rnnc check on Silero legacy prints PASS per output and exits 0', async () => {
  const dir = await writeCheckDir('legacy', [16000], 2);
  try {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [path.join(REPO_ROOT, 'bin', 'rnnc.js'), 'check', '--atol', String(MAX_DIFF), '--rtol', '0', dir],
        (err, out) => resolve({ code: err ? (err.code as number) ?? 1 : 0, stdout: out }));
    });
    assert.is(code, 0, stdout);
    assert.is(stdout.split('\n').filter((l) => l.startsWith('PASS')).length, 6, stdout);
    assert.match(stdout, /1 of 1 passed/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
