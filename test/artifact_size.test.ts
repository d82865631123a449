/**
 * Weights once: an artifact carries the packed weights and only the constants a kernel reads
 * unpacked, so weights.bin is about the model's initializers, not twice them (the ONNX tensors
 * and their packed copies), nor the recurrent state's zeros. Outputs are covered by the golden, models, conformance and ops suites.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cellModel, compileModel, describeCell, lowerModel, planModel } from '../compiler/index.js';
import { weightSizes } from '../bench/sizes.js';
import { REPO_ROOT } from './paths.js';

/** How far weights.bin may exceed the initializers: padding of packed panels, state, partition tables. */
const SLACK = 1.05;

for (const file of ['examples/charlm/model.onnx', 'demo/charlm.onnx']) {
  test(`${file}: weights.bin within ${SLACK}x the model's initializers`, () => {
    const onnx = fs.readFileSync(path.join(REPO_ROOT, file));
    const { artifact } = compileModel(onnx, { source: file });
    const s = weightSizes(onnx, artifact);
    assert.ok(s.artifact <= SLACK * s.initializers, `weights.bin ${s.artifact} bytes, initializers ${s.initializers}`);
    // Packed weights are at least the weights: a smaller file would have lost some.
    assert.ok(s.artifact >= s.initializers, `weights.bin ${s.artifact} bytes, initializers ${s.initializers}`);
    assert.ok(s.memoryAtLoad < s.artifact + 2 * 65536 + artifact.manifest.imageBegin, `memory at load ${s.memoryAtLoad} bytes`);
  });
}

test('charlm: the embedding table, read by Gather at run time, has a place; the weights its steps pack have none', () => {
  const { program } = lowerModel(fs.readFileSync(path.join(REPO_ROOT, 'examples/charlm/model.onnx')));
  const memory = planModel(program).memory;
  const placed = program.constants.filter((_, i) => memory.constOffset[i] >= 0).map((c) => c.name);
  assert.equal(placed, ['emb.weight']);
  assert.ok(program.constants.length > 1);
});

test('the recurrent state is not in weights.bin: the same size at batch 1 and 64, the state zeroed before the image', () => {
  const compile = (maxBatch: number) => compileModel(cellModel(describeCell({ cell: 'lstm', inputSize: 128, hiddenSize: 128, maxBatch })), { batch: maxBatch }).artifact;
  const one = compile(1), many = compile(64);
  assert.is(many.image.byteLength, one.image.byteLength);
  // The state rows of 64 rows take memory all the same, zeroed before the image.
  assert.ok(many.manifest.imageBegin - one.manifest.imageBegin >= 64 * 128 * 4 * 2, `imageBegin ${one.manifest.imageBegin} -> ${many.manifest.imageBegin}`);
});

test.run();
