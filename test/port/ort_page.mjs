// A typical onnxruntime-web page script (create from a URL, names, metadata, run with Tensors,
// fetches, read outputs, release). test/port_browser.test.ts serves it in headless Chromium as
// written and with only the import changed to rnnc's browser build, and compares the results.
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

async function main() {
  const model = new URLSearchParams(location.search).get('model');
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  const [batch, seq, features] = [2, 5, 6];
  const x = Float32Array.from({ length: batch * seq * features }, (_, i) => Math.sin(i * 0.37));
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [batch, seq, features]) };
  const results = await session.run(feeds);
  const outputs = {};
  for (const name of session.outputNames) {
    const t = results[name];
    outputs[name] = { type: t.type, dims: t.dims, size: t.size, data: Array.from(await t.getData()) };
  }
  const fetched = await session.run(feeds, { [session.outputNames[0]]: null });
  await session.release();
  return { inputNames: session.inputNames, outputNames: session.outputNames, outputs, fetched: Object.keys(fetched) };
}

window.portResult = main().catch((e) => ({ error: String((e && e.stack) || e) }));
