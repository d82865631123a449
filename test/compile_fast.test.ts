/**
 * What a compile spends its time on: by default the modules are the emitters' own output (binaryen's
 * -O3 cost seconds for a few percent on small cells); `optimize: 'full'` still runs it, under a key
 * of its own. Timings are in bench/compile.ts, never asserted here.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel } from '../compiler/index.js';

const model = cellModel(describeCell({ cell: 'lstm', inputSize: 4, hiddenSize: 8 }));

test('the default compile runs no binaryen pass: the same modules as optimize: false, under the same key', () => {
  const plain = compileModel(model, { threads: true, optimize: false }).artifact;
  const fast = compileModel(model, { threads: true }).artifact;
  assert.equal(fast.wasm, plain.wasm);
  assert.equal(fast.wasmThreads, plain.wasmThreads);
  assert.is(fast.manifest.key, plain.manifest.key);
});

test("optimize: 'full' runs binaryen's optimizer: other bytes, another key", () => {
  const fast = compileModel(model, { threads: false }).artifact;
  const full = compileModel(model, { threads: false, optimize: 'full' }).artifact;
  assert.not.equal(full.wasm, fast.wasm);
  assert.is.not(full.manifest.key, fast.manifest.key);
});

test.run();
