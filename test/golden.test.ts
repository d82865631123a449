/**
 * Golden text snapshots of a few tiny kernels: the optimized module of each descriptor's default plan,
 * printed by wabt (compiler/wat.ts, which also validates it), must equal test/golden/<key>.wat. Any
 * change to the emitters, the planner's defaults or the optimizer shows up here as a diff to review.
 *
 * To accept a deliberate change, rewrite the snapshots and commit them with the change:
 *
 *   UPDATE_GOLDEN=1 node test/run.js golden
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, type CellDescriptor } from '../compiler/cells/descriptor.js';
import { buildKernel } from '../compiler/module/kernel.js';
import { makePlan, type Plan } from '../compiler/plan/cell.js';
import { toWat } from '../compiler/module/wat.js';
import { REPO_ROOT } from './paths.js';

const GOLDEN_DIR = path.join(REPO_ROOT, 'test', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const KERNELS: CellDescriptor[] = [
  describeCell({ cell: 'lstm', inputSize: 2, hiddenSize: 3 }),
  describeCell({ cell: 'gru', inputSize: 3, hiddenSize: 5, linearBeforeReset: true }),
  describeCell({ cell: 'rnn', inputSize: 1, hiddenSize: 4, direction: 'bidirectional', hasSequenceLens: true }),
];

/** The snapshot text: a header naming the kernel and how to regenerate, then wabt's text form. */
async function snapshot(plan: Plan, wasm: Uint8Array): Promise<string> {
  const header = `;; golden snapshot of ${plan.kernelName} (${plan.descriptorKey}); regenerate: UPDATE_GOLDEN=1 node test/run.js golden\n`;
  return header + (await toWat(wasm, plan.kernelName));
}

/** 1-based number of the first line where a and b differ, with both lines. */
function firstDifference(a: string, b: string): string {
  const la = a.split('\n'), lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: expected ${JSON.stringify(lb[i])}, got ${JSON.stringify(la[i])}`;
  }
  return 'no difference';
}

for (const d of KERNELS) {
  const plan = makePlan(d);
  test(`${plan.kernelName} (${plan.descriptorKey}) matches test/golden/${plan.descriptorKey}.wat`, async () => {
    const { wasm } = buildKernel(plan);
    assert.ok(WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>), 'the engine validates the module');
    const text = await snapshot(plan, wasm); // wabt validates it too
    const again = buildKernel(makePlan(d)).wasm;
    assert.ok(Buffer.from(again).equals(Buffer.from(wasm)), 'building the same plan twice gives the same bytes');
    const file = path.join(GOLDEN_DIR, `${plan.descriptorKey}.wat`);
    if (UPDATE) {
      fs.mkdirSync(GOLDEN_DIR, { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`  wrote ${path.relative(REPO_ROOT, file)}`);
      return;
    }
    assert.ok(fs.existsSync(file), `${path.relative(REPO_ROOT, file)} is missing; create it with UPDATE_GOLDEN=1 node test/run.js golden`);
    const want = fs.readFileSync(file, 'utf8');
    assert.ok(text === want, `${plan.kernelName} differs from its snapshot at ${firstDifference(text, want)}; ` +
      'if the change is intended, rerun with UPDATE_GOLDEN=1 and commit the new snapshot');
  });
}

test('every snapshot in test/golden belongs to a kernel built here', () => {
  if (UPDATE || !fs.existsSync(GOLDEN_DIR)) return; // a missing directory fails the snapshot tests
  const keys = new Set(KERNELS.map((d) => `${makePlan(d).descriptorKey}.wat`));
  const stale = fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.wat') && !keys.has(f));
  assert.equal(stale, [], `stale snapshots (delete them): ${stale.join(', ')}`);
});

test('snapshots are the optimized kernels: every export and the run entry are present', () => {
  for (const d of KERNELS) {
    const plan = makePlan(d);
    const file = path.join(GOLDEN_DIR, `${plan.descriptorKey}.wat`);
    if (!fs.existsSync(file)) continue; // reported by the snapshot test
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.includes('(import "env" "memory" (memory'), `${plan.descriptorKey}: imports env.memory`);
    assert.ok(/\(export "run" \(func/.test(text), `${plan.descriptorKey}: exports run`);
    assert.ok(text.includes('f32x4.mul') && text.includes('v128.load32_splat'), `${plan.descriptorKey}: SIMD multiply-accumulate against splatted h`);
  }
});

test.run();
