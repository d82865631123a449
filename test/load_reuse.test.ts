/**
 * compiler/frontend/load.ts reads a model's bytes once for the passes of one compile: the same bytes
 * and source give the same LoadedGraph; another source, or bytes changed in place, are read again.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadGraph } from '../compiler/frontend/load.js';
import { encodeModel, rnnSpec } from './onnx_builder.js';

/** Replaces every occurrence of the ASCII `from` in `bytes` by `to` (same length), in place. */
function rename(bytes: Uint8Array, from: string, to: string): number {
  const f = Buffer.from(from), t = Buffer.from(to);
  let n = 0;
  for (let at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(f); at >= 0; at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(f, at + 1)) {
    bytes.set(t, at);
    n++;
  }
  return n;
}

test('one read per bytes and source; another source or bytes changed in place are read again', () => {
  const bytes = encodeModel(rnnSpec('GRU'));
  const g = loadGraph(bytes, 'm.onnx');
  assert.ok(loadGraph(bytes, 'm.onnx') === g, 'the same graph for the same bytes');
  assert.ok(loadGraph(bytes.slice(), 'm.onnx') !== g, 'a copy is other bytes: read on its own');
  const other = loadGraph(bytes, 'other.onnx');
  assert.is(other.source, 'other.onnx', 'another source names the model in messages');
  assert.ok(rename(bytes, 'Y_h', 'Y_q') > 0, 'the model names its output Y_h');
  const changed = loadGraph(bytes, 'other.onnx');
  assert.ok(changed.outputs.some((o) => o.name === 'Y_q') && !changed.outputs.some((o) => o.name === 'Y_h'), 'bytes changed in place are read again');
});

test.run();
