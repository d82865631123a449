// Voice activity detection as onnxruntime-web users write it with Silero VAD: the recurrent state is
// an explicit input and output, carried from call to call by the script. test/port.test.ts runs it
// as written and with only the import changed to rnnc, and compares what it prints.
import * as ort from 'onnxruntime-web';
import { readFile } from 'node:fs/promises';

ort.env.wasm.numThreads = 1;

const [modelPath] = process.argv.slice(2);
const session = await ort.InferenceSession.create(await readFile(modelPath), { executionProviders: ['wasm'] });

const sr = new ort.Tensor('int64', [16000n], []);
let state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
const probs = [];
for (let chunk = 0; chunk < 24; chunk++) {
  // A tone that starts, swells and stops, with a little noise: the probability rises and falls.
  const loud = chunk >= 6 && chunk < 18 ? 0.5 : 0.01;
  const samples = Float32Array.from({ length: 512 }, (_, k) => {
    const t = (chunk * 512 + k) / 16000;
    return loud * Math.sin(2 * Math.PI * 220 * t) * Math.sin(2 * Math.PI * 3 * t) + 0.002 * Math.sin(k * 12.9898);
  });
  const { output, stateN } = await session.run({ input: new ort.Tensor('float32', samples, [1, 512]), state, sr });
  probs.push(output.data[0]);
  state = stateN;
}
console.log(JSON.stringify({
  inputNames: session.inputNames,
  outputNames: session.outputNames,
  types: session.inputMetadata.map((m) => m.type),
  outputs: { probs: { type: 'float32', dims: [probs.length], location: 'cpu', size: probs.length, data: probs }, state: { type: state.type, dims: state.dims, location: state.location, size: state.size, data: Array.from(state.data) } },
}));
await session.release();
