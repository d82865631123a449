/**
 * rnnc's own WebAssembly encoder (compiler/emit/wasm/): its integers, the modules it writes for a
 * spread of models (the engine and binaryen both accept them, and binaryen prints what was written), its error for a branch to no label, and a compile that never loads binaryen.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activation, describeCell, type CellDescriptorInit } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { Builder } from '../compiler/emit/ir.js';
import { compileModel } from '../compiler/index.js';
import { binaryenValidates, binaryText, loadBinaryen } from '../compiler/emit/wasm/binaryen.js';
import { sleb, sleb64, uleb } from '../compiler/emit/wasm/bytes.js';
import { engineHasRelaxedSimd } from '../compiler/emit/wasm/validate.js';
import { REPO_ROOT } from './paths.js';
import { makeTempDir, removeTempDir, type CliResult } from './subprocess.js';

await loadBinaryen();

test('LEB128: unsigned, signed i32 and signed i64, at the byte boundaries', () => {
  assert.equal([0, 127, 128, 16383, 16384, 624485, 0xffffffff].map(uleb),
    [[0], [127], [0x80, 1], [0xff, 0x7f], [0x80, 0x80, 1], [0xe5, 0x8e, 0x26], [0xff, 0xff, 0xff, 0xff, 0x0f]]);
  assert.equal([0, 63, 64, -1, -64, -65, -123456, 0x7fffffff, -0x80000000].map(sleb),
    [[0], [63], [0xc0, 0], [0x7f], [0x40], [0xbf, 0x7f], [0xc0, 0xbb, 0x78], [0xff, 0xff, 0xff, 0xff, 0x07], [0x80, 0x80, 0x80, 0x80, 0x78]]);
  assert.equal(sleb64(-1n), [0x7f]);
  assert.equal(sleb64(-123456n), sleb(-123456));
  assert.equal(sleb64(1n << 40n), [0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
  assert.equal(sleb64(-(1n << 63n)).length, 10);
});

const ONNX = path.join(REPO_ROOT, 'node_modules', '@ricky0123', 'vad-web', 'dist');
const relu = activation('Relu');
const CELLS: CellDescriptorInit[] = [
  { cell: 'lstm', inputSize: 5, hiddenSize: 12 },
  { cell: 'lstm', inputSize: 64, hiddenSize: 96, direction: 'bidirectional', hasSequenceLens: true, maxBatch: 3 },
  { cell: 'gru', inputSize: 7, hiddenSize: 33, linearBeforeReset: true },
  { cell: 'gru', inputSize: 16, hiddenSize: 16, direction: 'reverse', layout: 1, maxBatch: 2 },
  { cell: 'rnn', inputSize: 3, hiddenSize: 9, activations: [relu] },
];
const MODELS: [string, () => Uint8Array, Record<string, unknown>][] = [
  ...CELLS.map((d): [string, () => Uint8Array, Record<string, unknown>] => [`${d.cell} ${d.inputSize}/${d.hiddenSize}`, () => cellModel(describeCell(d)), {}]),
  ['lstm 32/32, relaxed SIMD', () => cellModel(describeCell({ cell: 'lstm', inputSize: 32, hiddenSize: 32 })), { relaxedSimd: true }],
  ['examples/charlm', () => fs.readFileSync(path.join(REPO_ROOT, 'examples', 'charlm', 'model.onnx')), {}],
  ['silero_vad_v5', () => fs.readFileSync(path.join(ONNX, 'silero_vad_v5.onnx')), { shapes: { input: [1, 576] }, bind: { sr: [16000] } }],
  ['silero_vad_legacy', () => fs.readFileSync(path.join(ONNX, 'silero_vad_legacy.onnx')), { shapes: { input: [1, 1536] }, bind: { sr: [16000] } }],
];

for (const [name, bytes, opts] of MODELS) {
  test(`${name}: both modules validate in the engine and in binaryen, and binaryen prints them`, () => {
    const { artifact } = compileModel(bytes(), { source: name, threads: true, ...opts });
    const relaxed = artifact.manifest.features.relaxedSimd;
    assert.is(relaxed, !!opts.relaxedSimd, 'the relaxed SIMD plan was taken when asked for');
    for (const [wasm, threads] of [[artifact.wasm, false], [artifact.wasmThreads, true]] as const) {
      if (!wasm) continue;
      const what = `${name} (${threads ? 'multi' : 'single'}-worker)`;
      if (!relaxed || engineHasRelaxedSimd()) assert.ok(WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>), `${what}: the engine validates it`);
      assert.ok(binaryenValidates(wasm as Uint8Array, { relaxedSimd: relaxed, threads }), `${what}: binaryen validates it`);
      // binaryen's reading, printed: every function rnnc wrote, the imported memory, run exported.
      const text = binaryText(wasm as Uint8Array, { relaxedSimd: relaxed, threads });
      assert.match(text, /\(import "env" "memory" \(memory/, `${what}: imports env.memory`);
      assert.match(text, /\(export "run" \(func/, `${what}: exports run`);
      if (relaxed) assert.ok(text.includes('f32x4.relaxed_madd'), `${what}: fused multiply-adds`);
    }
  });
}

test('a branch to a label no enclosing block or loop has: an InternalError naming the function and the label', () => {
  const b = new Builder({ simd: true, relaxedSimd: false, threads: false });
  b.importMemory(1, 1);
  const s = b.scope([]);
  s.finish('lost', b.block('here', [b.br('there')]), 'lost');
  assert.throws(() => b.emitBinary(), (e: Error) => e.name === 'InternalError' && /'lost'/.test(e.message) && /'there'/.test(e.message));
});

test('a second function of one name: an InternalError naming it', () => {
  const b = new Builder({ simd: true, relaxedSimd: false, threads: false });
  b.scope([]).finish('twice', b.nop());
  assert.throws(() => b.scope([]).finish('twice', b.nop()), (e: Error) => e.name === 'InternalError' && /'twice'/.test(e.message));
});

test('constants, selects, i64 atomics and lanes encode as the engine runs them', () => {
  const b = new Builder({ simd: true, relaxedSimd: false, threads: true });
  b.importMemory(1, 1);
  const s = b.scope(['i32']);
  const p = () => s.get(s.param(0));
  s.finish('f', b.seq([
    b.storeI32(p(), 0, b.i32(-123456)),
    b.storeF32(p(), 4, b.loadF32(b.i32(0), 0x7ff0)),
    b.storeI32(p(), 8, b.select(b.i32(0), b.i32(1), b.i32(2))),
    b.drop(b.atomicCmpxchg64(b.add(p(), b.i32(16)), b.i64Of(b.i32(0), b.i32(0)), b.i64Of(b.i32(7), b.i32(-1)))),
    b.storeI32(p(), 24, b.high32(b.atomicLoad64(b.add(p(), b.i32(16))))),
    b.vstoreLane(p(), 28, 2, b.vshuffle(b.vsplat(b.f32(1.5)), b.vsplat(b.f32(-2)), [4, 5, 6, 7])),
  ]), 'f');
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  new Float32Array(memory.buffer)[0x7ff0 / 4] = 0.25;
  const { f } = new WebAssembly.Instance(new WebAssembly.Module(b.emitBinary() as Uint8Array<ArrayBuffer>), { env: { memory } }).exports as { f(p: number): void };
  f(256);
  const i32 = new Int32Array(memory.buffer, 256, 8), f32 = new Float32Array(memory.buffer, 256, 8);
  assert.equal([i32[0], f32[1], i32[2], i32[4], i32[5], i32[6], f32[7]], [-123456, 0.25, 2, -1, 7, 7, -2]);
});

/** Runs node with binaryen's import failing (a resolve hook), `args` after it; never rejects. */
function withoutBinaryen(dir: string, args: readonly string[]): Promise<CliResult> {
  const hooks = path.join(dir, 'hooks.mjs'), register = path.join(dir, 'register.mjs');
  fs.writeFileSync(hooks, `export async function resolve(spec, ctx, next) {
  if (spec === 'binaryen') throw Object.assign(new Error("Cannot find package 'binaryen' (hidden by the test)"), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(spec, ctx);
}\n`);
  fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', pathToFileURL(register).href, ...args], { cwd: REPO_ROOT, timeout: 120_000 }, (_e, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
  });
}

test('without binaryen, `rnnc compile` and InferenceSession.create of an ONNX model work; optimize: \'full\' asks for loadBinaryen, which says binaryen is missing (a session loads it itself)', async () => {
  const dir = makeTempDir('no-binaryen');
  try {
    const charlm = path.join(REPO_ROOT, 'examples', 'charlm', 'model.onnx');
    const cli = await withoutBinaryen(dir, [path.join(REPO_ROOT, 'bin', 'rnnc.js'), 'compile', charlm, '-o', path.join(dir, 'art')]);
    assert.is(cli.code, 0, cli.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'art', 'model.wasm')), 'the artifact is written');
    const api = pathToFileURL(path.join(REPO_ROOT, 'dist', 'api', 'node.js')).href;
    const compiler = pathToFileURL(path.join(REPO_ROOT, 'dist', 'compiler', 'index.js')).href;
    const script = `const { InferenceSession } = await import(${JSON.stringify(api)});
const s = await InferenceSession.create(${JSON.stringify(charlm)}, { cache: false });
console.log(s.inputNames.join(','));
await s.release();
try { await InferenceSession.create(${JSON.stringify(charlm)}, { cache: false, plan: { optimize: 'full' } }); } catch (e) { console.log(e.name + ': ' + e.message); }
const { compileModel, cellModel, describeCell } = await import(${JSON.stringify(compiler)});
try { compileModel(cellModel(describeCell({ cell: 'gru', inputSize: 2, hiddenSize: 4 })), { optimize: 'full' }); } catch (e) { console.log(e.name + ': ' + e.message); }
try { await (await import(${JSON.stringify(compiler)})).loadBinaryen(); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const r = await withoutBinaryen(dir, ['--input-type=module', '-e', script]);
    assert.is(r.code, 0, r.stderr);
    const [inputs, sessionMissing, notLoaded, missing] = r.stdout.trim().split('\n');
    assert.ok(inputs.length > 0, 'the session has inputs');
    assert.match(sessionMissing, /^UnsupportedError: .*'binaryen'/, "a session's plan with optimize: 'full' loads binaryen first");
    assert.match(notLoaded, /^InternalError: .*optimize: 'full' needs binaryen.*await loadBinaryen\(\)/);
    assert.match(missing, /^UnsupportedError: .*'binaryen'.*npm install binaryen/);
  } finally {
    removeTempDir(dir);
  }
});

test.run();
