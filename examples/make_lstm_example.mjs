#!/usr/bin/env node
// Writes the bundled example: examples/lstm/model.onnx (one LSTM node, input 128, hidden 128, weights
// as initializers, seq and batch symbolic) and examples/lstm/X.npy (seq 50, batch 1). Deterministic;
// run after `npm run build`: node examples/make_lstm_example.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { writeNpy } from '../dist/compiler/io/npy.js';

const { onnx } = onnxProto;
const I = 128, H = 128, G = 4, T = 50;
let s = 12345;
const rand = (n, scale) => Float32Array.from({ length: n }, () => {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  return ((s / 4294967296) * 2 - 1) * scale;
});
const tensor = (name, dims, data) => ({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
const info = (name, dims) => ({
  name,
  type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});
const model = {
  irVersion: 8,
  producerName: 'rnnc examples/make_lstm_example.mjs',
  opsetImport: [{ domain: '', version: 14 }],
  graph: {
    name: 'lstm_example',
    node: [{
      name: 'lstm', opType: 'LSTM', input: ['X', 'W', 'R', 'B'], output: ['Y', 'Y_h', 'Y_c'],
      attribute: [{ name: 'hidden_size', type: onnx.AttributeProto.AttributeType.INT, i: H }],
    }],
    initializer: [
      tensor('W', [1, G * H, I], rand(G * H * I, 1 / Math.sqrt(I))),
      tensor('R', [1, G * H, H], rand(G * H * H, 1 / Math.sqrt(H))),
      tensor('B', [1, 2 * G * H], rand(2 * G * H, 0.1)),
    ],
    input: [info('X', ['seq', 'batch', I])],
    output: [info('Y', ['seq', 1, 'batch', H]), info('Y_h', [1, 'batch', H]), info('Y_c', [1, 'batch', H])],
  },
};
const dir = new URL('./lstm/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('model.onnx', dir), onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish());
writeFileSync(new URL('X.npy', dir), writeNpy([T, 1, I], rand(T * I, 1)));
console.log('wrote examples/lstm/model.onnx and examples/lstm/X.npy');
