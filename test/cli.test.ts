/**
 * The `rnnc` command line, run as a subprocess exactly as a user runs it: help texts, `compile`
 * (artifact files), `run` (on an artifact and on a model, .npy in and out, matching the in-process
 * session), `kernel` and `plan`. Everything is written under os.tmpdir() and removed afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { readNpy, writeNpy } from '../compiler/io/npy.js';
import { InferenceSession } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';
import { encodeModel, floatTensor, makeFeed, rnnSpec } from './onnx_builder.js';
import { mulberry32, randomArray } from './random.js';
import { makeTempDir, removeTempDir, rnnc } from './subprocess.js';
import { REPO_ROOT } from './paths.js';

let dir = '';
let model = '';
/** rnnSpec's GRU (I=2, H=3) with random initializer weights: its artifact has packed weights. */
const modelBytes = (() => {
  const s = rnnSpec('GRU');
  const rng = mulberry32(5);
  s.initializers = s.initializers.map((t) => floatTensor(t.name!, t.dims as number[], Array.from(randomArray(rng, (t.floatData ?? []).length, 0.5))));
  return encodeModel(s);
})();

test.before(() => {
  dir = makeTempDir('cli');
  model = path.join(dir, 'gru.onnx');
  fs.writeFileSync(model, modelBytes);
});
test.after(() => removeTempDir(dir));

const FLAGS: Record<string, string[]> = {
  compile: ['--output', '--wat', '--batch', '--verbose', '--units', '--rows', '--k-unroll', '--relaxed-simd'],
  run: ['--input', '--random', '--seq', '--batch', '--seed', '--output-dir', '--time', '--repeat', '--warmup', '--units'],
  check: ['--atol', '--rtol', '--batch'],
  kernel: ['--cell', '--input', '--hidden', '--batch', '--direction', '--layout', '--linear-before-reset', '--sequence-lens', '--output', '--wat'],
  plan: ['--cell', '--input', '--hidden', '--batch', '--direction', '--layout', '--units', '--k-unroll'],
};

test('`rnnc --help` and every subcommand\'s --help exit 0 and list their flags', async () => {
  const top = await rnnc(['--help']);
  assert.is(top.code, 0, top.stderr);
  for (const cmd of Object.keys(FLAGS)) assert.ok(top.stdout.includes(cmd), `rnnc --help lists ${cmd}`);
  const version = await rnnc(['--version']);
  assert.is(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const helps = await Promise.all(Object.keys(FLAGS).map((cmd) => rnnc([cmd, '--help'])));
  Object.entries(FLAGS).forEach(([cmd, flags], i) => {
    const r = helps[i];
    assert.is(r.code, 0, `${cmd} --help: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`Usage: rnnc ${cmd}`), r.stdout);
    for (const f of flags) assert.ok(r.stdout.includes(f), `rnnc ${cmd} --help lacks ${f}:\n${r.stdout}`);
  });
});

test('`rnnc compile -o DIR --wat` writes the manifest, the module and its text, and the packed weights', async () => {
  const out = path.join(dir, 'artifact');
  const r = await rnnc(['compile', model, '-o', out, '--wat', '-v']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('loop nest'), `-v prints the plan: ${r.stdout}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.is(manifest.format, 'rnnc-artifact');
  const named = Object.values(manifest.files as Record<string, string | null>).filter((f): f is string => !!f);
  assert.equal(fs.readdirSync(out).sort(), ['model.wat', 'manifest.json', ...named].sort(), 'the manifest names every file written');
  assert.ok(WebAssembly.validate(fs.readFileSync(path.join(out, manifest.files.wasm))), `${manifest.files.wasm} validates`);
  assert.ok(fs.readFileSync(path.join(out, 'model.wat'), 'utf8').startsWith('(module'));
  // The GRU's W [1, 9, 2], R [1, 9, 3] and B [1, 18] are initializers: packed into the weights file.
  const weights = fs.statSync(path.join(out, manifest.files.image ?? manifest.files.weights)).size;
  assert.ok(weights >= 4 * (18 + 27 + 18), `weights file holds ${weights} bytes`);
  assert.equal(manifest.inputs.map((i: { name: string }) => i.name), ['X']);
  for (const p of named) assert.ok(r.stdout.includes(`wrote ${path.join(out, p)}`), `compile reports ${p}`);
  for (const line of r.stdout.split('\n').filter((l) => l.includes('wrote'))) assert.ok(/\(\d+(\.\d+)? (B|KiB|MiB)\)/.test(line), line);

  // W and R fed at run time (as in ONNX's backend tests) stay inputs, not baked into the artifact.
  const fedSpec = rnnSpec('LSTM');
  makeFeed(fedSpec, 'W', [1, 12, 2]);
  makeFeed(fedSpec, 'R', [1, 12, 3]);
  makeFeed(fedSpec, 'B', [1, 24]);
  const fedModel = path.join(dir, 'fed.onnx');
  fs.writeFileSync(fedModel, encodeModel(fedSpec));
  const fed = path.join(dir, 'fed');
  const r2 = await rnnc(['compile', fedModel, '-o', fed]);
  assert.is(r2.code, 0, r2.stderr);
  const fedManifest = JSON.parse(fs.readFileSync(path.join(fed, 'manifest.json'), 'utf8'));
  assert.equal(fedManifest.inputs.map((i: { name: string }) => i.name), ['X', 'W', 'R', 'B']);
  assert.not.ok(fs.readdirSync(fed).includes('model.wat'), 'no text form without --wat');
});

test('`rnnc run ARTIFACT --random --seq 5` prints every output with its dims', async () => {
  const out = path.join(dir, 'artifact2');
  await writeArtifact(out, compileModel(modelBytes).artifact);
  const r = await rnnc(['run', out, '--random', '--seq', '5', '--time', '--repeat', '3', '--warmup', '1']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('Y: float32 [5, 1, 1, 3]'), r.stdout);
  assert.ok(r.stdout.includes('Y_h: float32 [1, 1, 3]'), r.stdout);
  assert.match(r.stdout, /median [\d.]+ ms over 3 runs after 1 warm-up/);
});

test('`rnnc run MODEL --input X=x.npy -o DIR` writes .npy outputs equal to the in-process session\'s', async () => {
  const dims = [4, 2, 2];
  const x = randomArray(mulberry32(8), 16, 1);
  const xPath = path.join(dir, 'x.npy');
  fs.writeFileSync(xPath, writeNpy(dims, x));
  const outDir = path.join(dir, 'outputs');
  const r = await rnnc(['run', model, '--input', `X=${xPath}`, '--batch', '2', '-o', outDir]);
  assert.is(r.code, 0, r.stderr);
  const session = await InferenceSession.create(modelBytes, { batch: 2 });
  const want = await session.run({ X: new Tensor('float32', x, dims) });
  await session.release();
  assert.equal(fs.readdirSync(outDir).sort(), Object.keys(want).map((n) => `${n}.npy`).sort());
  for (const [name, t] of Object.entries(want)) {
    const got = readNpy(fs.readFileSync(path.join(outDir, `${name}.npy`)), name);
    assert.equal(got.dims, [...t.dims], `${name} dims`);
    assert.equal(Array.from(got.data as Float32Array), Array.from(t.data as Float32Array), `${name} values`);
    assert.ok(r.stdout.includes(`wrote ${path.join(outDir, `${name}.npy`)}`));
  }
});

test('`rnnc run` on a model that compiles at its first run (Silero v5: open sizes, a control input) takes its inputs; --random says which it cannot make', async () => {
  const silero = path.join(REPO_ROOT, 'node_modules', '@ricky0123', 'vad-web', 'dist', 'silero_vad_v5.onnx');
  const feeds = {
    input: new Tensor('float32', randomArray(mulberry32(3), 576, 0.5), [1, 576]),
    state: new Tensor('float32', new Float32Array(256), [2, 1, 128]),
    sr: new Tensor('int64', BigInt64Array.of(16000n), []),
  };
  const files = Object.entries(feeds).map(([name, t]) => {
    const p = path.join(dir, `silero_${name}.npy`);
    fs.writeFileSync(p, writeNpy(t.dims, t.data as Float32Array | BigInt64Array));
    return `${name}=${p}`;
  });
  const outDir = path.join(dir, 'silero_out');
  const r = await rnnc(['run', silero, ...files.flatMap((f) => ['--input', f]), '-o', outDir]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /compiled for the inputs fed/);
  const session = await InferenceSession.create(silero);
  const want = await session.run(feeds);
  await session.release();
  for (const [name, t] of Object.entries(want)) {
    const got = readNpy(fs.readFileSync(path.join(outDir, `${name}.npy`)), name);
    assert.equal(Array.from(got.data as Float32Array), Array.from(t.data as Float32Array), `${name} values`);
  }
  const random = await rnnc(['run', silero, '--random']);
  assert.is(random.code, 2);
  assert.match(random.stderr, /--random: input 'input' \(float32 \[\?, \?\]\) has open sizes or is a control value: give it with --input input=file\.npy/);
  const unknown = await rnnc(['run', silero, '--input', `nope=${files[0].split('=')[1]}`]);
  assert.match(unknown.stderr, /--input 'nope': not an input of this model; its inputs are 'input', 'state', 'sr'/);
});

test('`rnnc check` fails a directory that compares nothing: no data set, or a data set without outputs', async () => {
  const empty = path.join(dir, 'check_empty');
  fs.mkdirSync(empty);
  fs.writeFileSync(path.join(empty, 'model.onnx'), modelBytes);
  const noOutputs = path.join(dir, 'check_no_outputs');
  fs.mkdirSync(path.join(noOutputs, 'test_data_set_0'), { recursive: true });
  fs.writeFileSync(path.join(noOutputs, 'model.onnx'), modelBytes);
  const r = await rnnc(['check', empty, noOutputs]);
  assert.is(r.code, 1, r.stdout);
  assert.ok(r.stdout.includes(`FAIL  ${empty}  ModelError: ${empty}: no test_data_set_* directory beside model.onnx: nothing to compare`), r.stdout);
  assert.ok(r.stdout.includes(`FAIL  ${noOutputs}  ModelError: ${path.join(noOutputs, 'test_data_set_0')}: no output_*.pb: nothing to compare`), r.stdout);
  assert.match(r.stdout, /0 of 2 passed/);
});

test('.npy outputs of every tensor type: int64, float16 (its bits as <f2), bool, int8, uint8', () => {
  const header = (b: Uint8Array) => new TextDecoder().decode(b.subarray(10, 60));
  const i64 = writeNpy([2], BigInt64Array.of(-3n, 5n));
  assert.match(header(i64), /'descr': '<i8'/);
  assert.equal(Array.from(readNpy(i64, 'i64').data as Int32Array), [-3, 5], 'read back (rnnc reads int64 as int32)');
  assert.match(header(writeNpy([2], Uint16Array.of(0x3c00, 0xc000))), /'descr': '<f2'/);
  assert.match(header(writeNpy([3], Uint8Array.of(1, 0, 1), true)), /'descr': '\|b1'/);
  assert.match(header(writeNpy([1], Int8Array.of(-1))), /'descr': '\|i1'/);
  assert.match(header(writeNpy([1], Uint8Array.of(7))), /'descr': '\|u1'/);
  const f16 = writeNpy([2], Uint16Array.of(0x3c00, 0xc000));
  assert.equal(Array.from(f16.subarray(f16.length - 4)), [0x00, 0x3c, 0x00, 0xc0], 'little-endian half-float bits');
});

test('`rnnc kernel --cell gru --input 7 --hidden 9 -o k.wasm --wat` writes a valid module and its text', async () => {
  const wasm = path.join(dir, 'k.wasm');
  const r = await rnnc(['kernel', '--cell', 'gru', '--input', '7', '--hidden', '9', '--batch', '3', '--direction', 'bidirectional',
    '--linear-before-reset', '--sequence-lens', '-o', wasm, '--wat']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('gru_f32_'), r.stdout);
  assert.ok(r.stdout.includes('gru_i7_h9_b3_bidi_l0_lbr_sl_'), `the descriptor key names the kernel: ${r.stdout}`);
  const bytes = fs.readFileSync(wasm);
  assert.ok(WebAssembly.validate(bytes), 'k.wasm validates');
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
  assert.ok(exports.includes('run'), `exports: ${exports.join(', ')}`);
  assert.ok(fs.readFileSync(path.join(dir, 'k.wat'), 'utf8').startsWith('(module'));
});

test('`rnnc plan` prints the plan and its loop nest, for a shape and for a model', async () => {
  const [shape, fromModel] = await Promise.all([
    rnnc(['plan', '--cell', 'lstm', '--input', '8', '--hidden', '8', '--units', '8', '--k-unroll', '4']),
    rnnc(['plan', model, '--batch', '4']),
  ]);
  assert.is(shape.code, 0, shape.stderr);
  assert.ok(shape.stdout.includes('kernel    lstm_f32_u8r1__wasmsimd_k4'), shape.stdout);
  assert.ok(shape.stdout.includes('loop nest:'), shape.stdout);
  for (const line of ['for t in 0..T', '8 units', 'for k in 0..8 step 4', 'acc += h[b, k] * Rpanel[j, k]']) {
    assert.ok(shape.stdout.includes(line), `loop nest lacks '${line}':\n${shape.stdout}`);
  }
  assert.is(fromModel.code, 0, fromModel.stderr);
  assert.ok(fromModel.stdout.includes('GRU input 2, hidden 3') && fromModel.stdout.includes('batch <= 4'), fromModel.stdout);
});

test.run();
