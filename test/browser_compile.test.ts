/**
 * The browser's compile path, the parts that need no browser: which inputs are ONNX models to
 * compile (not artifact directories), and the cache key: the same model and options give the same
 * key whatever the order of their fields, any other model bytes or option another.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileKey, isOnnxModel, type CompileRequest } from '../runtime/browser_compile.js';

const bytes = new Uint8Array([8, 7, 18, 4, 114, 110, 110, 99]);
const base: CompileRequest = { bytes, source: 'a.onnx', batch: 1, threads: false, cores: 4 };

test('bytes and URLs ending in .onnx are models; artifact directories are not', () => {
  assert.ok(isOnnxModel(bytes));
  assert.ok(isOnnxModel(bytes.buffer));
  assert.ok(isOnnxModel('https://example.org/m/model.onnx'));
  assert.ok(isOnnxModel(new URL('https://example.org/m/MODEL.ONNX?v=2')));
  assert.not.ok(isOnnxModel('https://example.org/m/model.onnx/'), 'a directory named model.onnx/ holds an artifact');
  assert.not.ok(isOnnxModel('https://example.org/m/charlm'));
  assert.not.ok(isOnnxModel({ manifest: {} }));
});

test('the cache key covers the model bytes and every compile option, not the name or field order', () => {
  const k = compileKey(base);
  assert.is(compileKey({ ...base, source: 'model bytes' }), k, 'the name is not part of the key');
  assert.is(compileKey({ ...base, shapes: { b: [2], a: [1, 3] } }), compileKey({ ...base, shapes: { a: [1, 3], b: [2] } }));
  const others: CompileRequest[] = [
    { ...base, bytes: Uint8Array.from(bytes, (b, i) => (i === 3 ? b ^ 1 : b)) },
    { ...base, bytes: bytes.subarray(0, 7) },
    { ...base, batch: 2 }, { ...base, threads: undefined }, { ...base, cores: 8 },
    { ...base, shapes: { input: [1, 576] } }, { ...base, shapes: { input: [1, 512] } },
    { ...base, bind: { sr: [16000] } }, { ...base, bind: { sr: [8000] } },
  ];
  const keys = others.map(compileKey);
  assert.is(new Set([k, ...keys]).size, others.length + 1, `keys: ${[k, ...keys].join(' ')}`);
});

test.run();
