/**
 * onnxruntime-web's session surface: options checked (execution providers, threads, harmless ones
 * accepted, an unknown one named), `env.wasm.numThreads`, fetches (names or an object, checked),
 * run options, `inputMetadata` and `outputMetadata` of artifacts and in-process models.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel } from '../compiler/index.js';
import { InputError } from '../contract/errors.js';
import { env, InferenceSession, Tensor } from '../api/node.js';
import { encodeModel, rnnSpec } from './onnx_builder.js';
import { mulberry32, randomArray } from './random.js';

const MODEL = encodeModel(rnnSpec('GRU'));
const X = new Tensor('float32', randomArray(mulberry32(5), 3 * 2 * 2), [3, 2, 2]);

/** Asserts `p` rejects with an InputError whose message holds every part. */
async function rejectsInput(p: Promise<unknown>, ...parts: string[]): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, InputError, (e as Error).message);
    for (const part of parts) assert.ok((e as Error).message.includes(part), `the message lacks ${JSON.stringify(part)}: ${(e as Error).message}`);
    return;
  }
  assert.unreachable(`expected an InputError naming ${parts.join(', ')}, but it resolved`);
}

test('session options: wasm and cpu providers, harmless options accepted; others and unknown keys named', async () => {
  for (const executionProviders of [['wasm'], ['cpu'], [{ name: 'wasm' }]]) {
    const s = await InferenceSession.create(MODEL, { executionProviders, graphOptimizationLevel: 'all', enableCpuMemArena: true, logSeverityLevel: 3 });
    await s.release();
  }
  await rejectsInput(InferenceSession.create(MODEL, { executionProviders: ['webgpu'] }), "'webgpu'", "'wasm'");
  await rejectsInput(InferenceSession.create(MODEL, { executionProviders: [{ name: 'webnn' }] }), "'webnn'");
  await rejectsInput(InferenceSession.create(MODEL, { intraOpNumThread: 1 } as never), "'intraOpNumThread'", 'intraOpNumThreads', 'workers');
  await rejectsInput(InferenceSession.create(MODEL, { intraOpNumThreads: -1 }), 'intraOpNumThreads', '-1');
  await rejectsInput(InferenceSession.create(MODEL, { graphOptimizationLevel: 'bogus' as never }), 'graphOptimizationLevel', "'bogus'", '"all"');
  await (await InferenceSession.create(MODEL, { graphOptimizationLevel: null, executionMode: null, logSeverityLevel: null } as never)).release(); // onnxruntime-web's defaults
  await rejectsInput(InferenceSession.create(MODEL, { logSeverityLevel: 7 as never }), 'logSeverityLevel', '7');
  await rejectsInput(InferenceSession.create(MODEL, { executionMode: 'fast' as never }), 'executionMode', "'fast'");
  await rejectsInput(InferenceSession.create(MODEL, { intraOpNumThreads: 2, workers: 1 }), 'workers', 'intraOpNumThreads');
});

test('onnxruntime\'s habits: a provider list falling back to wasm, its other session options, create(buffer, byteOffset, byteLength), the default export, profiling calls, env.versions', async () => {
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => { warned.push(m); };
  try {
    // As onnxruntime-web skips a provider it cannot use for the next one: a warning naming it.
    const s = await InferenceSession.create(MODEL, { executionProviders: ['webgpu', { name: 'wasm' }], enableProfiling: true, profileFilePrefix: 'p', optimizedModelFilePath: 'x.onnx', enableGraphCapture: false, externalData: [] });
    s.startProfiling();
    s.endProfiling();
    await s.release();
  } finally {
    console.warn = warn;
  }
  assert.ok(warned.some((w) => w.includes("'webgpu' skipped")), warned.join(' | '));
  assert.ok(warned.some((w) => w.includes('enableProfiling ignored')), warned.join(' | '));
  assert.ok(warned.some((w) => w.includes('optimizedModelFilePath ignored')), warned.join(' | '));
  await InferenceSession.create(MODEL, { externalData: [{ path: 'w.bin', data: 'w.bin' }] }).then(() => assert.unreachable('external data resolved'),
    (e: Error) => assert.match(e.message, /externalData: rnnc loads models whose weights are inside the \.onnx file only/));
  // The model's bytes inside a larger buffer, as onnxruntime's four-argument create takes them.
  const big = new Uint8Array(MODEL.byteLength + 10);
  big.set(MODEL, 7);
  const a = await InferenceSession.create(big.buffer, 7, MODEL.byteLength, { batch: 2 });
  const b = await InferenceSession.create(MODEL, { batch: 2 });
  assert.equal(Array.from((await a.run({ X })).Y.data as Float32Array), Array.from((await b.run({ X })).Y.data as Float32Array));
  await a.release();
  await b.release();
  const tail = new Uint8Array(MODEL.byteLength + 3);
  tail.set(MODEL, 3);
  await (await InferenceSession.create(tail.buffer, 3)).release();
  await rejectsInput(InferenceSession.create(big.buffer, 7, MODEL.byteLength + 4), 'byteOffset 7', `byteLength ${MODEL.byteLength + 4}`);
  await rejectsInput(InferenceSession.create(MODEL as never, 0), 'buffer must be an ArrayBuffer');
  const ort = (await import('../api/node.js')).default;
  assert.is(ort.InferenceSession, InferenceSession);
  assert.is(ort.Tensor, Tensor);
  assert.is(ort.env, env);
  assert.is(env.versions.rnnc, (await import('../contract/version.js')).RNNC_VERSION);
});

test('intraOpNumThreads and env.wasm.numThreads choose the workers', async () => {
  const a = await InferenceSession.create(MODEL, { intraOpNumThreads: 2 });
  assert.is(a.workers, 2, 'intraOpNumThreads: 2');
  await a.release();
  env.wasm.numThreads = 2;
  try {
    const b = await InferenceSession.create(MODEL);
    assert.is(b.workers, 2, 'env.wasm.numThreads = 2');
    await b.release();
    const c = await InferenceSession.create(MODEL, { intraOpNumThreads: 1 });
    assert.is(c.workers, 1, 'the option wins over env');
    await c.release();
    env.wasm.numThreads = 1.5;
    await rejectsInput(InferenceSession.create(MODEL), 'env.wasm.numThreads', '1.5');
  } finally {
    env.wasm.numThreads = undefined;
  }
});

test('fetches: names or an object return only those outputs; unknown names are an InputError', async () => {
  const s = await InferenceSession.create(MODEL, { batch: 2 });
  const all = await s.run({ X });
  assert.equal(Object.keys(all), ['Y', 'Y_h']);
  const some = await s.run({ X }, ['Y_h']);
  assert.equal(Object.keys(some), ['Y_h']);
  assert.equal(Array.from(some.Y_h.data as Float32Array), Array.from(all.Y_h.data as Float32Array));
  assert.equal(Object.keys(await s.run({ X }, { Y: null })), ['Y']);
  assert.equal(Object.keys(await s.run({ X }, { tag: 'run 4', logSeverityLevel: 2 })), ['Y', 'Y_h'], 'an object of run options');
  assert.equal(Object.keys(await s.run({ X }, ['Y'], { tag: 'run 5' })), ['Y']);
  await rejectsInput(s.run({ X }, ['nope']), "'nope'", "'Y'", "'Y_h'");
  await rejectsInput(s.run({ X }, { Y: null, nope: null } as never), "'nope'");
  await rejectsInput(s.run({ X }, { bogus: 1 } as never), "'bogus'", 'run option', "'Y_h'");
  await rejectsInput(s.run({ X }, []), 'empty');
  await s.release();
});

test('inputMetadata and outputMetadata: an artifact says its types, dims and largest batch; an in-process model what it declares', async () => {
  const artifact = await InferenceSession.create(compileModel(MODEL, { batch: 2 }).artifact);
  assert.equal(artifact.inputMetadata, [{ name: 'X', isTensor: true, type: 'float32', shape: ['seq', 'batch', 2], maxBatch: 2 }]);
  assert.equal(artifact.outputMetadata.map((m) => [m.name, m.type, m.shape]), [['Y', 'float32', ['seq', 1, 'batch', 3]], ['Y_h', 'float32', [1, 'batch', 3]]]);
  await artifact.release();
  const inProcess = await InferenceSession.create(MODEL);
  assert.equal(inProcess.inputMetadata, [{ name: 'X', isTensor: true, type: 'float32', shape: ['seq', 'batch', 2] }]);
  assert.equal(inProcess.outputNames, ['Y', 'Y_h']);
  await inProcess.release();
});

test.run();
