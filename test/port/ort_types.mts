// A TypeScript file written against onnxruntime-web's declarations: its namespaces
// (InferenceSession.SessionOptions, FeedsType, ReturnType, Tensor.Type) and generics
// (TypedTensor<T>). test/port.test.ts type-checks it as written and with only the import changed.
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = '/static/';
ort.env.logLevel = 'warning';

const options: ort.InferenceSession.SessionOptions = {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  freeDimensionOverrides: { batch: 1 },
};

export async function infer(model: string, values: Float32Array, dims: readonly number[]): Promise<Float32Array> {
  const session: ort.InferenceSession = await ort.InferenceSession.create(model, options);
  const input: ort.TypedTensor<'float32'> = new ort.Tensor('float32', values, dims);
  const feeds: ort.InferenceSession.FeedsType = { [session.inputNames[0]]: input };
  const results: ort.InferenceSession.ReturnType = await session.run(feeds);
  const out = results[session.outputNames[0]];
  const flat: ort.Tensor = out.reshape([out.size]);
  const type: ort.Tensor.Type = flat.type;
  for (const m of session.inputMetadata) {
    if (m.isTensor) console.log(m.name, m.type, m.shape.join('x'));
  }
  const fetched = await session.run(feeds, [session.outputNames[0]], { tag: 'second' });
  const ids = new ort.Tensor('int64', BigInt64Array.from([1n, 2n]), [1, 2]);
  const mask = new ort.Tensor('bool', [true, false], [2]);
  const bytes: ort.TypedTensor<'uint8'> = new ort.Tensor('uint8', Uint8Array.of(1, 2), [2]);
  console.log(type, ids.dims, mask.type, bytes.size, flat.location, Object.keys(fetched));
  const data = await flat.getData();
  flat.dispose();
  await session.release();
  return data as Float32Array;
}
