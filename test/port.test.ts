/**
 * Porting from onnxruntime-web: a Node script (test/port/ort_node.mjs) run as written on
 * onnxruntime-web and with only its import changed to rnnc prints the same names, metadata, types
 * and dims, and outputs within 1e-5 (relative past 1; a model with fetches; Silero VAD with its state carried); a TypeScript file (test/port/ort_types.mts) type-checks with
 * only its import changed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);
const PORT = path.join(REPO_ROOT, 'test', 'port');
/** Scratch for ported copies, inside the repo so that their imports resolve (dist is not committed). */
const SCRATCH = path.join(REPO_ROOT, 'dist', 'port');
const MODEL = path.join(REPO_ROOT, 'test', 'models', 'lstm_mix', 'model.onnx');
const FROM = "from 'onnxruntime-web'";

/** The file with only its import changed to `to`; the import must be there, once. */
async function ported(file: string, to: string): Promise<string> {
  const text = await readFile(path.join(PORT, file), 'utf8');
  assert.is(text.split(FROM).length, 2, `${file} imports onnxruntime-web once`);
  const out = path.join(SCRATCH, file);
  await writeFile(out, text.replace(FROM, `from '${to}'`));
  return out;
}

interface Printed {
  inputNames: string[];
  outputNames: string[];
  inputMetadata: unknown[];
  outputs: Record<string, { type: string; dims: number[]; location: string; size: number; data: number[] }>;
  fetched: string[];
  badFetch: string | null;
}

test.before(async () => {
  await mkdir(SCRATCH, { recursive: true });
});
test.after(async () => {
  await rm(SCRATCH, { recursive: true, force: true });
});

/** Runs `file` on onnxruntime-web as written and on rnnc with only the import changed; compares what they print. */
async function sameAsOnnxruntime(file: string, model: string): Promise<void> {
  const original = await run(process.execPath, [path.join(PORT, file), model], { cwd: PORT });
  const want = JSON.parse(original.stdout) as Printed;
  const script = await ported(file, '../api/node.js');
  const got = JSON.parse((await run(process.execPath, [script, model], { cwd: PORT })).stdout) as Printed;
  assert.equal({ ...got, outputs: null }, { ...want, outputs: null }, 'names, metadata, fetches');
  for (const name of Object.keys(want.outputs)) {
    const [g, w] = [got.outputs[name], want.outputs[name]];
    assert.equal([g.type, g.dims, g.location, g.size], [w.type, w.dims, w.location, w.size], name);
    // Within 1e-5 of each value's magnitude (at least 1): the state grows past 1 over the VAD loop.
    const worst = Math.max(...w.data.map((v, i) => Math.abs(v - g.data[i]) / Math.max(1, Math.abs(v))));
    assert.ok(worst <= 1e-5, `${name}: max difference ${worst} (relative to values past 1)`);
  }
}

test('an onnxruntime-web Node script runs on rnnc with only the import changed', async () => {
  await sameAsOnnxruntime('ort_node.mjs', MODEL);
});

test('a Silero VAD loop carrying its state tensors runs on rnnc with only the import changed', async () => {
  await sameAsOnnxruntime('ort_vad.mjs', path.join(REPO_ROOT, 'node_modules', '@ricky0123', 'vad-web', 'dist', 'silero_vad_v5.onnx'));
});

test('a TypeScript file written against onnxruntime-web type-checks with only the import changed', async () => {
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--lib', 'es2022,dom', '--types', 'node', '--skipLibCheck'];
  const check = async (file: string) => run(process.execPath, [tsc, ...flags, file], { cwd: REPO_ROOT }).then(() => '', (e: { stdout: string }) => e.stdout);
  const original = path.join(SCRATCH, 'original.mts');
  await writeFile(original, await readFile(path.join(PORT, 'ort_types.mts'), 'utf8'));
  assert.is(await check(original), '', 'the file type-checks against onnxruntime-web itself');
  assert.is(await check(await ported('ort_types.mts', '../api/node.js')), '', 'and against rnnc');
});

test.run();
