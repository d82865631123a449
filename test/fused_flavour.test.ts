/**
 * An artifact with both flavours (`rnnc compile --also-fused`): the plain manifest names the fused
 * directory; a loader whose engine has relaxed SIMD takes it, one without takes the plain files, and
 * a damaged or foreign fused flavour falls back to the plain one with a warning. On Node 20 the
 * relaxed half runs in a child Node with --experimental-wasm-relaxed-simd.
 */
import { existsSync, readFileSync, appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell } from '../compiler/cells/descriptor.js';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { detectFeatures } from '../runtime/features.js';
import { InferenceSession } from '../api/node.js';
import { maxAbsDiff, modelFor } from './harness.js';
import { referenceRnn } from './reference.js';
import { mulberry32, randomInputs } from './random.js';
import { REPO_ROOT } from './paths.js';
import { assertCliError, inTempDir, rnnc } from './subprocess.js';
import { childJson, relaxedFlags } from './relaxed_child.js';

const d = describeCell({ cell: 'lstm', inputSize: 6, hiddenSize: 24, maxBatch: 1 });
const inp = randomInputs(mulberry32(61), d, 5, 1);
const { model } = modelFor(d, inp);

/**
 * Writes `dir` (plain, naming fused/ and, as rnnc compile --also-fused does, its key) and `dir/fused`
 * from `fusedModel` (default: the same model); `tie: false` leaves the key out, as artifacts written
 * before it did.
 */
async function writeBoth(dir: string, fusedModel = model, tie = true): Promise<void> {
  const plain = compileModel(model, { threads: true }).artifact;
  const fused = compileModel(fusedModel, { threads: true, relaxedSimd: true }).artifact;
  await writeArtifact(dir, { ...plain, manifest: { ...plain.manifest, fused: 'fused', ...(tie ? { fusedKey: fused.manifest.key } : {}) } });
  await writeArtifact(path.join(dir, 'fused'), fused);
}

/** Prints, as JSON, the kernels and error vs float64 of a 1-worker session on the artifact at argv[-1], and its warnings. */
const CHILD = `
const warnings = [];
console.warn = (m) => warnings.push(String(m));
const { InferenceSession } = await import(${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/api/node.js')).href)});
const { modelFor, maxAbsDiff } = await import(${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/test/harness.js')).href)});
const { referenceRnn } = await import(${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/test/reference.js')).href)});
const { mulberry32, randomInputs } = await import(${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/test/random.js')).href)});
const { describeCell } = await import(${JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist/compiler/cells/descriptor.js')).href)});
const d = describeCell({ cell: 'lstm', inputSize: 6, hiddenSize: 24, maxBatch: 1 });
const inp = randomInputs(mulberry32(61), d, 5, 1);
const { feeds } = modelFor(d, inp);
const s = await InferenceSession.create(process.argv.at(-1), { workers: 1 });
const y = (await s.run(feeds)).Y.data;
console.log(JSON.stringify({ kernels: s.manifest.kernels, error: maxAbsDiff(y, referenceRnn(d, inp).Y), warnings }));
await s.release();
`;

interface Loaded { kernels: string[]; error: number; warnings: string[] }

const loadIn = (flags: string[], dir: string) => childJson<Loaded>(flags, CHILD, dir);

const plainKernels = (l: Loaded) => l.kernels.length > 0 && l.kernels.every((k) => k.includes('__wasmsimd_'));
const fusedKernels = (l: Loaded) => l.kernels.length > 0 && l.kernels.every((k) => k.includes('__wasmrelaxedsimd_'));

test('an engine with relaxed SIMD loads the fused flavour, one without the plain; both give the reference result', async () => {
  await inTempDir('fused', async (dir) => {
    await writeBoth(dir);
    if (!detectFeatures().relaxedSimd) {
      const s = await InferenceSession.create(dir, { workers: 1 });
      assert.ok(s.manifest.kernels.every((k) => k.includes('__wasmsimd_')), `no relaxed SIMD here: ${s.manifest.kernels.join(', ')}`);
      assert.ok(maxAbsDiff((await s.run(modelFor(d, inp).feeds)).Y.data as Float32Array, referenceRnn(d, inp).Y) <= 1e-5);
      await s.release();
    }
    const flags = relaxedFlags();
    if (flags === null) return;
    const fused = await loadIn(flags, dir);
    assert.ok(fusedKernels(fused), `with relaxed SIMD: ${fused.kernels.join(', ')}`);
    assert.ok(fused.error <= 1e-5, `max abs error ${fused.error} vs float64`);
    assert.equal(fused.warnings, []);
  });
});

test('a damaged or foreign fused flavour falls back to the plain one, with a warning naming it', async () => {
  const flags = relaxedFlags();
  if (flags === null) return;
  await inTempDir('fused-bad', async (dir) => {
    const damaged = path.join(dir, 'damaged');
    await writeBoth(damaged);
    appendFileSync(path.join(damaged, 'fused', 'model.wasm'), 'x');
    const a = await loadIn(flags, damaged);
    assert.ok(plainKernels(a), `damaged fused: ${a.kernels.join(', ')}`);
    assert.ok(a.error <= 1e-5);
    assert.ok(a.warnings.some((w) => w.includes(path.join(damaged, 'fused')) && w.includes('digest') && w.includes('running the plain one')), a.warnings.join('\n'));
    // Another model's artifact in fused/ of an artifact written before fusedKey: refused by its inputs and outputs.
    const foreign = path.join(dir, 'foreign');
    const other = describeCell({ cell: 'lstm', inputSize: 7, hiddenSize: 24, maxBatch: 1 });
    await writeBoth(foreign, modelFor(other, randomInputs(mulberry32(62), other, 5, 1)).model, false);
    const b = await loadIn(flags, foreign);
    assert.ok(plainKernels(b), `foreign fused: ${b.kernels.join(', ')}`);
    assert.ok(b.warnings.some((w) => w.includes('not the fused flavour') && w.includes('inputs or outputs differ')), b.warnings.join('\n'));
    // The fused/ of another build of a model of the same inputs and outputs (other weights) put in
    // place of this one's: refused by the key the plain manifest names (it ran, with the other weights).
    const swapped = path.join(dir, 'swapped');
    await writeBoth(swapped);
    rmSync(path.join(swapped, 'fused'), { recursive: true });
    await writeArtifact(path.join(swapped, 'fused'), compileModel(modelFor(d, randomInputs(mulberry32(63), d, 5, 1)).model, { threads: true, relaxedSimd: true }).artifact);
    const e = await loadIn(flags, swapped);
    assert.ok(plainKernels(e) && e.error <= 1e-5, `swapped fused: ${e.kernels.join(', ')}, error ${e.error}`);
    assert.ok(e.warnings.some((w) => w.includes('not the fused flavour') && w.includes('where the manifest names')), e.warnings.join('\n'));
    // No fused/ directory at all.
    const missing = path.join(dir, 'missing');
    await writeBoth(missing);
    rmSync(path.join(missing, 'fused'), { recursive: true });
    const c = await loadIn(flags, missing);
    assert.ok(plainKernels(c) && c.warnings.some((w) => w.includes('cannot read the fused flavour')), c.warnings.join('\n'));
  });
});

test('rnnc compile --also-fused writes both flavours, the plain manifest naming fused/; with --relaxed-simd it is an InputError', async () => {
  await inTempDir('fused-cli', async (dir) => {
    const out = path.join(dir, 'art');
    const r = await rnnc(['compile', path.join(REPO_ROOT, 'examples', 'charlm', 'model.onnx'), '-o', out, '--also-fused', '--no-cache']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /and fused multiply-adds in .*fused \(-> lstm_f32_u8r1__wasmrelaxedsimd_/);
    const plain = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.is(plain.fused, 'fused');
    const fused = JSON.parse(readFileSync(path.join(out, 'fused', 'manifest.json'), 'utf8'));
    assert.ok(fused.features.relaxedSimd && fused.fused === undefined);
    assert.is(plain.fusedKey, fused.key, 'the plain manifest names the fused flavour\'s key');
    const bad = await rnnc(['compile', path.join(REPO_ROOT, 'examples', 'charlm', 'model.onnx'), '-o', path.join(dir, 'x'), '--also-fused', '--relaxed-simd']);
    assertCliError(bad, 'InputError', '--also-fused', 'drop --relaxed-simd');
    assert.not.ok(existsSync(path.join(dir, 'x')), 'nothing written');
  });
});

test.run();
