/**
 * Whole PyTorch exports: this repo's test/models/* (made by test/models/make_models.py) and the
 * shared models. Each must reproduce the outputs torch wrote (checkTestDir and `rnnc check`), agree
 * with onnxruntime-node on random inputs, and the exports with symbolic seq/batch must run at other
 * sequence lengths and smaller batches, and reject a batch above the compiled maximum.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTestDir } from '../api/check.js';
import { loadTestDir } from '../compiler/onnx/testdata.js';
import { InferenceSession } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';
import { REPO_ROOT, SHARED_MODELS, sharedTest } from './paths.js';
import { mulberry32, randomArray, type Rng } from './random.js';

const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };
/** Largest |rnnc - onnxruntime| allowed on any output element. */
const ORT_MAX_DIFF = 1e-4;
/** Largest batch of any sample data set: the data-set checks compile symbolic batches for it. */
const CHECK_BATCH = 4;

const modelDirs = (root: string) => fs.readdirSync(root).sort()
  .map((name) => path.join(root, name))
  .filter((dir) => fs.existsSync(path.join(dir, 'model.onnx')));
// Without ../shared only this repo's exports are listed (paths.ts says so; the presence test fails in CI).
const sharedPresent = fs.existsSync(SHARED_MODELS);
const DIRS = [...modelDirs(path.join(REPO_ROOT, 'test', 'models')), ...(sharedPresent ? modelDirs(SHARED_MODELS) : [])];
const label = (dir: string) => path.basename(dir);

/** One graph input as onnxruntime reports it; dims are numbers or the export's 'seq' / 'batch'. */
interface InputSpec {
  readonly name: string;
  readonly type: 'float32' | 'int64';
  readonly shape: readonly (number | string)[];
  /** int64 inputs (tokens): values drawn from 0..vocab-1, vocab = 1 + the largest sample token. */
  readonly vocab: number;
}

/** What a model directory tells about its inputs: specs and the seq/batch of the sample data set. */
interface ModelInfo {
  readonly dir: string;
  readonly ort: ort.InferenceSession;
  readonly inputs: readonly InputSpec[];
  /** Sample sizes of the symbolic axes; null when the export fixed every dim. */
  readonly sample: { seq: number; batch: number } | null;
}

async function modelInfo(dir: string): Promise<ModelInfo> {
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  const set = loadTestDir(dir).sets[0];
  const sizes: Record<string, number> = {};
  const inputs = session.inputMetadata.map((m, i): InputSpec => {
    const type = m.isTensor ? m.type : 'not a tensor';
    if (!m.isTensor || (type !== 'float32' && type !== 'int64')) throw new Error(`${dir}: input '${m.name}' is ${type}`);
    const data = set.inputs.find((t) => t.name === m.name) ?? set.inputs[i];
    m.shape.forEach((d, axis) => { if (typeof d === 'string') sizes[d] = data.dims[axis]; });
    return { name: m.name, type, shape: m.shape, vocab: type === 'int64' ? Math.max(...data.data) + 1 : 0 };
  });
  const sample = 'seq' in sizes && 'batch' in sizes ? { seq: sizes.seq, batch: sizes.batch } : null;
  return { dir, ort: session, inputs, sample };
}

/** The same random feeds for rnnc and onnxruntime; float inputs uniform in [-1, 1). */
function randomFeeds(inputs: readonly InputSpec[], sizes: { seq: number; batch: number } | null, rng: Rng) {
  const rnnc: Record<string, Tensor> = {};
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const inp of inputs) {
    const dims = inp.shape.map((d) => (typeof d === 'number' ? d : sizes![d as 'seq' | 'batch']));
    const n = dims.reduce((p, d) => p * d, 1);
    const data = inp.type === 'int64'
      ? BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rng() * inp.vocab)))
      : randomArray(rng, n);
    rnnc[inp.name] = new Tensor(data, dims);
    ortFeeds[inp.name] = new ort.Tensor(inp.type, data, dims);
  }
  return { rnnc, ort: ortFeeds };
}

/** Runs both on the same random feeds; asserts equal output dims and max |rnnc - ort| <= ORT_MAX_DIFF. */
async function crossCheck(info: ModelInfo, session: InferenceSession, sizes: { seq: number; batch: number } | null, seed: number) {
  const feeds = randomFeeds(info.inputs, sizes, mulberry32(seed));
  const want = await info.ort.run(feeds.ort);
  const got = await session.run(feeds.rnnc);
  const where = `${label(info.dir)}${sizes ? ` (seq ${sizes.seq}, batch ${sizes.batch})` : ''}`;
  for (const name of info.ort.outputNames) {
    const w = want[name], g = got[name];
    assert.ok(g, `${where}: rnnc has no output '${name}'`);
    assert.equal([...g.dims], [...w.dims], `${where}: dims of '${name}'`);
    const wd = w.data as Float32Array;
    let max = 0;
    for (let i = 0; i < wd.length; i++) max = Math.max(max, Math.abs(Number(g.data[i]) - wd[i]));
    assert.ok(max <= ORT_MAX_DIFF, `${where}: '${name}' differs from onnxruntime by ${max.toExponential(2)}`);
  }
}

/** Runs `rnnc check` over every directory in one subprocess. */
function runCli(): Promise<{ code: number | null; out: string }> {
  const args = ['bin/rnnc.js', 'check', '--atol', String(TOLERANCE.atol), '--rtol', String(TOLERANCE.rtol), '--batch', String(CHECK_BATCH), ...DIRS];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    // A crash inside binaryen prints its minified source; keep the readable lines.
    child.on('close', (code) => resolve({ code, out: out.split('\n').filter((l) => l.length < 400).join('\n') }));
  });
}
// The CLI takes a few seconds: started by the first test, so it overlaps the in-process checks.
let cli: ReturnType<typeof runCli> | null = null;

sharedTest('the model directories are there: this repo\'s exports and the shared ones', () => {
  cli = runCli();
  const names = DIRS.map(label);
  for (const n of ['bilstm2_bf', 'gru2_head', 'bigru2_bf', 'birnn_tanh', 'birnn_relu', 'lstm_mix', 'char_lstm40', 'gru_gemm', 'lstm3_stack']) {
    assert.ok(names.includes(n), `test/models/${n} is missing (run test/models/make_models.py)`);
  }
  assert.ok(names.length >= 12, `only ${names.length} model directories`);
});

test('checkTestDir: every model reproduces the outputs torch wrote (atol 1e-4, rtol 1e-4)', async () => {
  const failures: string[] = [];
  for (const dir of DIRS) {
    try {
      const r = await checkTestDir(dir, TOLERANCE, { batch: CHECK_BATCH });
      for (const o of r.outputs) if (!o.pass) failures.push(`${label(dir)} ${o.output}: max abs error ${o.maxAbsError.toExponential(2)}`);
    } catch (e) {
      failures.push(`${label(dir)}: ${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  assert.equal(failures, []);
});

test('rnnc check (CLI) passes every model directory in one run', async () => {
  const { code, out } = await (cli ?? runCli());
  assert.ok(out.includes(`${DIRS.length} of ${DIRS.length} passed`), out);
  assert.is(code, 0, out);
});

test('dynamic seq and batch: other lengths and smaller batches match onnxruntime-node; so does a larger batch (compiled for)', async () => {
  let dynamic = 0;
  for (const [k, dir] of DIRS.entries()) {
    const info = await modelInfo(dir);
    if (!info.sample) { await info.ort.release(); continue; }
    dynamic++;
    const { seq, batch } = info.sample;
    const session = await InferenceSession.create(path.join(dir, 'model.onnx'), { batch });
    try {
      for (const sizes of [{ seq: seq + 5, batch: Math.max(1, batch - 1) }, { seq: 1, batch: 1 }, { seq: Math.max(2, seq - 3), batch }]) {
        await crossCheck(info, session, sizes, 100 + k);
      }
      // A larger batch than compiled for: the session compiles for it.
      await crossCheck(info, session, { seq, batch: batch + 1 }, 200 + k);
    } finally {
      await session.release();
      await info.ort.release();
    }
  }
  assert.ok(dynamic >= 5, `only ${dynamic} models with symbolic seq and batch`);
});

sharedTest('fixed-shape exports (the shared models included) match onnxruntime-node on random inputs', async () => {
  let fixed = 0;
  for (const [k, dir] of DIRS.entries()) {
    const info = await modelInfo(dir);
    if (info.sample) { await info.ort.release(); continue; }
    fixed++;
    const session = await InferenceSession.create(path.join(dir, 'model.onnx'));
    try {
      await crossCheck(info, session, null, 200 + k);
    } finally {
      await session.release();
      await info.ort.release();
    }
  }
  assert.ok(fixed >= 5, `only ${fixed} fixed-shape models`);
});

test.run();
