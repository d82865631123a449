/**
 * A session that compiles an ONNX model compiles it for its own engine: fused multiply-adds (relaxed
 * SIMD) where the engine validates them, plain SIMD where it does not or the plan says so; an
 * artifact to ship (compileModel without options, as `rnnc compile`) stays plain. On Node 20 the
 * relaxed half runs in a child Node with --experimental-wasm-relaxed-simd.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectFeatures } from '../runtime/features.js';
import { REPO_ROOT } from './paths.js';
import { childJson, relaxedFlags } from './relaxed_child.js';

const TO_REFERENCE = 1e-5;
const dist = (f: string) => JSON.stringify(pathToFileURL(path.join(REPO_ROOT, 'dist', f)).href);

/** Prints, as JSON, what sessions made from an ONNX file pick here, and their error vs float64. */
const CHILD = `
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeCell } from ${dist('compiler/cells/descriptor.js')};
import { compileModel } from ${dist('compiler/index.js')};
import { detectFeatures } from ${dist('runtime/features.js')};
import { InferenceSession } from ${dist('api/node.js')};
import { maxAbsDiff, modelFor } from ${dist('test/harness.js')};
import { referenceRnn } from ${dist('test/reference.js')};
import { mulberry32, randomInputs } from ${dist('test/random.js')};
const d = describeCell({ cell: 'gru', inputSize: 12, hiddenSize: 40, maxBatch: 1, linearBeforeReset: true });
const inp = randomInputs(mulberry32(41), d, 7, 1);
const ref = referenceRnn(d, inp);
const { model, feeds } = modelFor(d, inp);
const dir = mkdtempSync(path.join(os.tmpdir(), 'rnnc-relaxed-default-'));
const file = path.join(dir, 'gru.onnx');
writeFileSync(file, model);
const out = { engine: detectFeatures().relaxedSimd, shipped: compileModel(model).plan.kernelName };
try {
  for (const [name, opts] of [['default', {}], ['plain', { plan: { relaxedSimd: false } }]]) {
    const s = await InferenceSession.create(file, { workers: 1, cache: false, ...opts });
    const got = await s.run(feeds);
    out[name] = { kernels: s.manifest.kernels, needs: s.manifest.features.relaxedSimd, error: Math.max(maxAbsDiff(got.Y.data, ref.Y), maxAbsDiff(got.Y_h.data, ref.Y_h)) };
    await s.release();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
`;

interface Picked { kernels: string[]; needs: boolean; error: number }
interface ChildOut { engine: boolean; shipped: string; default: Picked; plain: Picked }

const child = (flags: string[]) => childJson<ChildOut>(flags, CHILD);

test('on an engine with relaxed SIMD a session fuses by default, plan.relaxedSimd false keeps it plain, a shipped artifact stays plain', async () => {
  const flags = relaxedFlags();
  if (flags === null) return; // an engine without relaxed SIMD and no flag to turn it on
  const out = await child(flags);
  assert.ok(out.engine, 'the child engine has relaxed SIMD');
  assert.ok(out.default.kernels.every((k) => k.includes('__wasmrelaxedsimd_')), `default: ${out.default.kernels.join(', ')}`);
  assert.ok(out.default.needs, 'the fused artifact records its need for relaxed SIMD');
  assert.ok(out.plain.kernels.every((k) => k.includes('__wasmsimd_')), `relaxedSimd false: ${out.plain.kernels.join(', ')}`);
  assert.not.ok(out.plain.needs);
  assert.ok(out.shipped.includes('__wasmsimd_'), `compileModel without options (rnnc compile): ${out.shipped}`);
  for (const p of [out.default, out.plain]) assert.ok(p.error <= TO_REFERENCE, `max abs error ${p.error} vs float64`);
});

test('on an engine without relaxed SIMD a session compiles plain SIMD by default', async () => {
  if (detectFeatures().relaxedSimd) return; // the test above ran in-process
  const out = await child([]);
  assert.not.ok(out.engine);
  assert.ok(out.default.kernels.every((k) => k.includes('__wasmsimd_')), `default: ${out.default.kernels.join(', ')}`);
  assert.not.ok(out.default.needs);
  assert.ok(out.default.error <= TO_REFERENCE, `max abs error ${out.default.error} vs float64`);
});

test.run();
