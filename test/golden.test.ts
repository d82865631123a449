/**
 * Golden text snapshots of the recurrent step of a few tiny cells, as emitted (before binaryen's
 * optimizer) into the module that ships: each shape's one-node model compiled the way `rnnc compile`
 * compiles any model, its step function cut out of the module's text. An emitter change shows here
 * as a diff small enough to review; test/golden/<descriptor key>.step.wat holds each.
 *
 * To accept a deliberate change, rewrite the snapshots and commit them with the change:
 *
 *   UPDATE_GOLDEN=1 node test/run.js golden
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activation, describeCell, type CellDescriptor } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel, loadBinaryen } from '../compiler/index.js';
import { REPO_ROOT } from './paths.js';
import { functionText } from './wat_text.js';

const GOLDEN_DIR = path.join(REPO_ROOT, 'test', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
await loadBinaryen(); // the text form is binaryen's printer

// Activations of a few instructions (HardSigmoid, Relu) keep the snapshots to the schedule and the
// cell's structure; the SIMD sigmoid and tanh have their own tests (activations.test.ts).
const CELLS: CellDescriptor[] = [
  describeCell({ cell: 'lstm', inputSize: 2, hiddenSize: 3, activations: [activation('HardSigmoid'), activation('Relu'), activation('Relu')] }),
  describeCell({ cell: 'gru', inputSize: 3, hiddenSize: 3, linearBeforeReset: true, activations: [activation('HardSigmoid'), activation('Relu')] }),
  describeCell({ cell: 'rnn', inputSize: 1, hiddenSize: 4, direction: 'bidirectional', hasSequenceLens: true, activations: [activation('Relu'), activation('Relu')] }),
];

/** The unoptimized single-worker module of d's one-node model, its text and its plan. */
function compile(d: CellDescriptor) {
  const r = compileModel(cellModel(d), { threads: false, optimize: false, text: true });
  return { wasm: r.artifact.wasm as Uint8Array, text: r.text!, plan: r.plan };
}


/** 1-based number of the first line where a and b differ, with both lines. */
function firstDifference(a: string, b: string): string {
  const la = a.split('\n'), lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: expected ${JSON.stringify(lb[i])}, got ${JSON.stringify(la[i])}`;
  }
  return 'no difference';
}

const fileOf = (d: CellDescriptor) => path.join(GOLDEN_DIR, `${compile(d).plan.descriptorKey}.step.wat`);

for (const d of CELLS) {
  const { wasm, text, plan } = compile(d);
  const step = `${plan.symbol}_step_d0_p0_r1`;
  test(`${plan.kernelName}: the step function ${step} matches test/golden/${plan.descriptorKey}.step.wat`, () => {
    assert.ok(WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>), 'the engine validates the module');
    assert.ok(Buffer.from(compile(d).wasm).equals(Buffer.from(wasm)), 'compiling the same model twice gives the same bytes');
    assert.ok(text.includes('(import "env" "memory" (memory') && /\(export "run" \(func/.test(text), 'the module imports env.memory and exports run');
    const snapshot = `;; golden snapshot of ${step} (${plan.kernelName}, plan ${plan.key}), before optimization; regenerate: UPDATE_GOLDEN=1 node test/run.js golden\n` +
      functionText(text, step) + '\n';
    assert.ok(snapshot.includes('f32x4.mul') && snapshot.includes('v128.load32_splat'), `${step}: SIMD multiply-accumulate against splatted h`);
    const file = fileOf(d);
    if (UPDATE) {
      fs.mkdirSync(GOLDEN_DIR, { recursive: true });
      fs.writeFileSync(file, snapshot);
      console.log(`  wrote ${path.relative(REPO_ROOT, file)} (${snapshot.split('\n').length} lines)`);
      return;
    }
    assert.ok(fs.existsSync(file), `${path.relative(REPO_ROOT, file)} is missing; create it with UPDATE_GOLDEN=1 node test/run.js golden`);
    const want = fs.readFileSync(file, 'utf8');
    assert.ok(snapshot === want, `${step} differs from its snapshot at ${firstDifference(snapshot, want)}; ` +
      'if the change is intended, rerun with UPDATE_GOLDEN=1 and commit the new snapshot');
  });
}

test('every snapshot in test/golden belongs to a cell built here', () => {
  if (UPDATE || !fs.existsSync(GOLDEN_DIR)) return; // a missing directory fails the snapshot tests
  const files = new Set(CELLS.map((d) => path.basename(fileOf(d))));
  const stale = fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.wat') && !files.has(f));
  assert.equal(stale, [], `stale snapshots (delete them): ${stale.join(', ')}`);
});

test.run();
