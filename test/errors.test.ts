/**
 * The bad-input contract, end to end: through `InferenceSession.create` / `run` (runtime/node.ts)
 * and through the CLI. Each bad input gives the right error class (ModelError, UnsupportedError,
 * InputError, EngineError) with a message naming the file, node, tensor or flag and what was
 * expected; the CLI exits non-zero with one `rnnc: <ErrorName>: ...` line and no stack trace.
 * Never a crash, never a hang.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { writeNpy } from '../compiler/io/npy.js';
import { DataType } from '../compiler/onnx/proto.js';
import { EngineError, InputError, ModelError, RnncError, UnsupportedError } from '../contract/errors.js';
import { detectFeatures, requireFeatures } from '../runtime/features.js';
import { InferenceSession } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';
import { attr, encodeModel, rnnSpec, valueInfo, type ModelSpec } from './onnx_builder.js';
import { mulberry32, randomArray } from './random.js';
import { assertCliError, makeTempDir, removeTempDir, rnnc } from './subprocess.js';
import { throws } from './throws.js';

/** Awaits `p` (at most 20 s) and asserts it rejects with `cls` and a message holding every part. */
// eslint-disable-next-line @typescript-eslint/ban-types
async function rejects(p: Promise<unknown>, cls: Function, ...parts: string[]): Promise<Error> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('hung for 20 s')), 20_000); });
  try {
    await Promise.race([p, hang]);
  } catch (e) {
    const err = e as Error;
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${err?.name}: ${err?.message}\n${err?.stack}`);
    assert.ok(err instanceof RnncError, 'every error rnnc throws on purpose is an RnncError');
    for (const part of parts) assert.ok(err.message.includes(part), `message lacks ${JSON.stringify(part)}: ${err.message}`);
    return err;
  } finally {
    clearTimeout(timer);
  }
  return assert.unreachable(`expected ${cls.name}, but it resolved`) as never;
}

let dir = '';
/** Writes `bytes` to `name` in the temp dir and returns the path. */
const file = (name: string, bytes: Uint8Array | string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
};
const spec = (edit: (s: ModelSpec) => void, op: 'LSTM' | 'GRU' | 'RNN' = 'LSTM') => {
  const s = rnnSpec(op);
  edit(s);
  return encodeModel(s);
};
/** rnnSpec's LSTM (I=2, H=3) with an int32 `lens` feed, compiled for batch 2. */
const withLens = spec((s) => {
  s.node.input.push('lens');
  s.inputs.push(valueInfo('lens', ['batch'], DataType.INT32));
});
const X = (dims: number[]) => new Tensor('float32', randomArray(mulberry32(dims.length), dims.reduce((a, b) => a * b, 1)), dims);

test.before(() => {
  dir = makeTempDir('errors');
});
test.after(() => removeTempDir(dir));

test('files that are not ONNX models: ModelError naming the file', async () => {
  const text = file('notes.txt', '# Notes\nThis is a text file, not a model.\n');
  await rejects(InferenceSession.create(text), ModelError, text, 'not an ONNX model');
  const rng = mulberry32(99);
  const junk = file('junk.bin', Uint8Array.from({ length: 4096 }, () => Math.floor(rng() * 256)));
  await rejects(InferenceSession.create(junk), ModelError, junk, 'not an ONNX model');
  const good = encodeModel(rnnSpec());
  const cut = file('cut.onnx', good.subarray(0, Math.floor(good.length / 2)));
  await rejects(InferenceSession.create(cut), ModelError, cut, 'truncated');
  for (const n of [1, 7, 40, good.length - 1]) await rejects(InferenceSession.create(good.subarray(0, n)), ModelError, 'model bytes');
  await rejects(InferenceSession.create(path.join(dir, 'missing.onnx')), ModelError, 'missing.onnx', 'no such file');
  await rejects(InferenceSession.create(dir), ModelError, 'manifest.json');
});

test('valid ONNX that rnnc does not compile: UnsupportedError or ModelError naming node and value', async () => {
  const noRnn = file('relu.onnx', spec((s) => {
    s.node = { name: 'act', opType: 'Relu', input: ['X'], output: ['Y'], attribute: [] };
    s.outputs = [valueInfo('Y', ['seq', 'batch', 2])];
  }));
  await rejects(InferenceSession.create(noRnn), UnsupportedError, noRnn, 'no LSTM, GRU or RNN node', 'Relu');
  /** X computed from the graph input X0 by op `opType` (of `domain`) in node `name`. */
  const before = (name: string, opType: string, domain = '') => spec((s) => {
    s.inputs = [valueInfo('X0', [5, 1, 2])];
    s.before.push({ name, opType, domain, input: ['X0'], output: ['X'] });
  });
  const nms = file('nms.onnx', before('boxes', 'NonMaxSuppression'));
  await rejects(InferenceSession.create(nms), UnsupportedError, nms, "NonMaxSuppression (node 'boxes')", 'not supported');
  await rejects(InferenceSession.create(before('mine', 'Fancy', 'com.example')), UnsupportedError, "com.example.Fancy (node 'mine')");
  const swish = spec((s) => { s.node.attribute.push(attr.strings('activations', ['Sigmoid', 'Swish', 'Tanh'])); });
  await rejects(InferenceSession.create(swish), UnsupportedError, "node 'cell'", "'Swish'", 'Sigmoid');
  const sideways = spec((s) => { s.node.attribute.push(attr.string('direction', 'sideways')); });
  await rejects(InferenceSession.create(sideways), ModelError, "node 'cell'", "'sideways'", 'bidirectional');
  const plan = { unitsPerBlock: 12 };
  await rejects(InferenceSession.create(encodeModel(rnnSpec()), { plan }), UnsupportedError, 'unitsPerBlock=12', '4, 8, 16');
});

test('bad feeds: InputError naming the input and what was expected; the session stays usable', async () => {
  // An artifact: a session compiled in-process would compile for a larger batch instead.
  const session = await InferenceSession.create(compileModel(withLens, { batch: 2 }).artifact);
  const lens = (v: number[]) => new Tensor('int32', Int32Array.from(v), [v.length]);
  const good = { X: X([5, 2, 2]), lens: lens([5, 3]) };
  await rejects(session.run({ ...good, Z: X([1]) }), InputError, "unknown input 'Z'", "'X'", "'lens'");
  await rejects(session.run({ X: good.X }), InputError, "missing input 'lens'", 'int32');
  await rejects(session.run({ lens: good.lens }), InputError, "missing input 'X'");
  await rejects(session.run({ ...good, X: new Tensor('int32', new Int32Array(20), [5, 2, 2]) }), InputError, "'X'", 'float32', 'int32');
  await rejects(session.run({ ...good, lens: new Tensor('float32', Float32Array.of(5, 3), [2]) }), InputError, "'lens'", 'int32', 'float32');
  await rejects(session.run({ ...good, X: X([5, 2, 3]) }), InputError, "'X'", '[5, 2, 3]', '2]');
  await rejects(session.run({ ...good, X: X([10, 2]) }), InputError, "'X'", '[seq, batch, 2]', '[10, 2]');
  await rejects(session.run({ X: X([5, 3, 2]), lens: lens([5, 5, 5]) }), InputError, "'X'", 'batch', '3', '1..2', 'rnnc compile --batch 3');
  await rejects(session.run({ ...good, lens: lens([6, 1]) }), InputError, "sequence_lens of node 'cell'", '6', '0..5');
  await rejects(session.run({ ...good, lens: lens([-1, 1]) }), InputError, "sequence_lens of node 'cell'", '-1', '0..5');
  await rejects(session.run({ ...good, lens: lens([5, 3, 1]) }), InputError, "'lens'", 'batch', '3', '2');
  await rejects(session.run({ X: X([0, 2, 2]), lens: lens([0, 0]) }), InputError, "'X'", 'sequence length', '0', 'at least 1');
  await rejects(session.run({ ...good, X: Float32Array.of(1, 2) as unknown as Tensor }), InputError, "'X'", 'Tensor');
  await rejects(session.run(null as unknown as Record<string, Tensor>), InputError, 'feeds');
  const out = await session.run(good);
  assert.equal(out.Y.dims, [5, 1, 2, 3]);
  assert.ok(out.Y.data.every((v) => Number.isFinite(v)), 'after the rejected calls, a good call still runs');
  await session.release();
  await rejects(session.run(good), EngineError, 'released');
  await rejects(session.run(good), EngineError, 'released');
});

test('tensors are checked when made: InputError naming the type or dims', () => {
  throws(() => new Tensor('float64' as 'float32', [1]), InputError, "'float64'", 'float32');
  throws(() => new Tensor('float32', Int32Array.of(1) as never, [1]), InputError, 'Float32Array', 'Int32Array');
  throws(() => new Tensor('float32', [1, 2, 3], [2, 2]), InputError, '[2, 2]', '4', '3');
  throws(() => new Tensor('float32', [1, 2], [-2, -1]), InputError, 'non-negative');
});

test('an engine without wasm SIMD (or relaxed SIMD, or threads) is refused with an EngineError naming the feature', () => {
  const none = { simd: false, relaxedSimd: false, threads: false };
  throws(() => requireFeatures({ simd: true, relaxedSimd: false, threads: false }, 'lstm_f32_u4r1__wasmsimd_k2', none),
    EngineError, 'lstm_f32_u4r1__wasmsimd_k2', 'WebAssembly SIMD', 'simd128');
  throws(() => requireFeatures({ simd: true, relaxedSimd: true, threads: false }, 'k', { ...none, simd: true }),
    EngineError, 'relaxed SIMD', '--experimental-wasm-relaxed-simd');
  throws(() => requireFeatures({ simd: true, relaxedSimd: false, threads: true }, 'k', { ...none, simd: true }),
    EngineError, 'shared memory', 'cross-origin isolated');
  const both = throws(() => requireFeatures({ simd: true, relaxedSimd: true, threads: false }, 'k', none), EngineError);
  assert.ok(both.message.includes('WebAssembly SIMD') && both.message.includes('relaxed SIMD'), 'every missing feature is named');
  requireFeatures({ simd: true, relaxedSimd: false, threads: false }, 'k', { simd: true, relaxedSimd: false, threads: false });
  assert.ok(detectFeatures().simd, 'this engine has wasm SIMD');
});

test('the CLI: bad inputs exit non-zero with `rnnc: <ErrorName>: ...` and no stack trace', async () => {
  const model = file('lstm.onnx', encodeModel(rnnSpec()));
  // Feed errors go through an artifact directory: `run` then needs no compiler, and starts fast.
  const artifact = path.join(dir, 'artifact');
  await writeArtifact(artifact, compileModel(encodeModel(rnnSpec())).artifact);
  const text = file('readme.txt', 'not a model\n');
  const bad = file('bad.onnx', spec((s) => { s.node.attribute.push(attr.strings('activations', ['Sigmoid', 'Swish', 'Tanh'])); }));
  const wrongX = file('x.npy', writeNpy([4, 1, 5], new Float32Array(20)));
  const notNpy = file('x.csv', '1,2\n3,4\n');
  const cases: [string[], string, ...string[]][] = [
    [['run', text, '--random'], 'ModelError', text, 'not an ONNX model'],
    [['compile', path.join(dir, 'none.onnx'), '-o', path.join(dir, 'out')], 'ModelError', 'none.onnx', 'no such file'],
    [['plan', path.join(dir, 'none.onnx')], 'ModelError', 'none.onnx', 'no such file'],
    [['compile', bad, '-o', path.join(dir, 'out')], 'UnsupportedError', "node 'cell'", "'Swish'"],
    [['run', artifact], 'InputError', "missing input 'X'", '--random'],
    [['run', artifact, '--input', `X=${wrongX}`], 'InputError', "'X'", '[4, 1, 5]'],
    [['run', artifact, '--input', `X=${notNpy}`], 'InputError', notNpy, 'not a NumPy .npy file'],
    [['kernel', '--cell', 'lstm', '--input', '0', '--hidden', '3', '-o', path.join(dir, 'k.wasm')], 'InputError', '--input', "'0'"],
    [['plan', '--cell', 'gru', '--input', '4'], 'InputError', '--hidden'],
    [['check', dir], 'ModelError', 'model.onnx'],
  ];
  if (!detectFeatures().relaxedSimd) cases.push([['run', model, '--random', '--relaxed-simd'], 'EngineError', 'relaxed SIMD', '--experimental-wasm-relaxed-simd']);
  const results = await Promise.all(cases.map(([args]) => rnnc(args, dir)));
  results.forEach((r, i) => {
    const [args, name, ...parts] = cases[i];
    if (args[0] === 'check') {
      // `rnnc check` reports a directory it cannot check as FAIL and goes on; the exit code says so.
      assert.is(r.code, 1, `rnnc check: exit ${r.code}`);
      assert.ok(r.stdout.includes(`FAIL  ${dir}  ${name}: `) && parts.every((p) => r.stdout.includes(p)), r.stdout);
      assert.not.ok(/^\s+at /m.test(r.stdout + r.stderr), 'no stack trace');
      return;
    }
    assertCliError(r, name, ...parts);
  });
});

test.run();
