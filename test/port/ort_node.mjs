// A typical onnxruntime-web script, as its users write it (create, names, metadata, run with
// Tensors, fetches, read outputs, release). test/port.test.ts runs it as written and again with
// only the import changed to rnnc, and compares what it prints.
import * as ort from 'onnxruntime-web';
import { readFile } from 'node:fs/promises';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const [modelPath] = process.argv.slice(2);
const session = await ort.InferenceSession.create(await readFile(modelPath), {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
});

const [batch, seq, features] = [2, 5, 6];
const x = Float32Array.from({ length: batch * seq * features }, (_, i) => Math.sin(i * 0.37));
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [batch, seq, features]) };
const results = await session.run(feeds);

const outputs = {};
for (const name of session.outputNames) {
  const t = results[name];
  outputs[name] = { type: t.type, dims: t.dims, location: t.location, size: t.size, data: Array.from(await t.getData()) };
}
const fetched = await session.run(feeds, [session.outputNames[1]]);
let badFetch = null;
try {
  await session.run(feeds, ['no_such_output']);
} catch (e) {
  badFetch = 'rejected';
}
console.log(JSON.stringify({
  inputNames: session.inputNames,
  outputNames: session.outputNames,
  inputMetadata: session.inputMetadata.map(({ name, isTensor, type, shape }) => ({ name, isTensor, type, shape })),
  outputs,
  fetched: Object.keys(fetched),
  badFetch,
}));
await session.release();
