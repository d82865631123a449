/**
 * TensorFlow.js as a contestant: tf.layers.lstm / gru on the wasm backend (SIMD; one thread: the
 * backend has no multithreading in Node), with the case's weights in Keras order. A step case uses a
 * stateful layer (batchInputShape [batch, 1, input]): predict() carries the state over, as Keras does.
 *
 * tfjs-layers 4.22 implements only resetAfter = false for GRU, i.e. ONNX linear_before_reset = 0,
 * so its GRU runs that variant (same flops) and is checked against onnxruntime on that variant.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { BenchCase } from '../cases.js';
import { gates } from '../cases.js';
import { kerasWeights, type CaseData } from '../models.js';
import type { Contestant } from './types.js';

let loading: Promise<typeof TF> | null = null;

/** TensorFlow.js with the wasm backend ready, loaded once. */
export function loadTfjs(): Promise<typeof TF> {
  loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The package's Node entry sits in dist/, next to the .wasm files.
    wasm.setWasmPaths(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    wasm.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js: the wasm backend failed to initialize');
    await tf.ready();
    if (!tf.env().getBool('WASM_HAS_SIMD_SUPPORT')) throw new Error('TensorFlow.js: the wasm backend runs without SIMD here');
    return tf;
  })();
  return loading;
}

export async function tfjsContestant(c: BenchCase, data: CaseData): Promise<Contestant> {
  const tf = await loadTfjs();
  const G = gates(c.cell), H = c.hidden, I = c.input, B = c.batch;
  const step = c.kind === 'step';
  const config = {
    units: H, returnSequences: !step, activation: 'tanh', recurrentActivation: 'sigmoid',
    kernelInitializer: 'zeros', recurrentInitializer: 'zeros', biasInitializer: 'zeros',
    ...(step ? { stateful: true, batchInputShape: [B, 1, I] } : { inputShape: [data.frames, I] }),
  } as const;
  const layer = c.cell === 'lstm' ? tf.layers.lstm(config) : tf.layers.gru(config);
  const model = tf.sequential({ layers: [layer] });
  const k = kerasWeights(c, data.weights);
  const weights = [tf.tensor2d(k.kernel, [I, G * H]), tf.tensor2d(k.recurrentKernel, [H, G * H]), tf.tensor1d(k.bias)];
  layer.setWeights(weights);
  weights.forEach((w) => w.dispose());

  // X [frames, batch, I] (ONNX) -> [batch, frames, I] (Keras).
  const xs = tf.tidy(() => tf.tensor3d(data.x, [data.frames, B, I]).transpose([1, 0, 2]));
  const frames = step ? tf.tidy(() => tf.unstack(xs, 1).map((t) => t.reshape([B, 1, I]))) : [];
  let f = 0;
  const predict = async (): Promise<Float32Array> => {
    const y = model.predict(step ? frames[f] : xs) as TF.Tensor;
    f = (f + 1) % Math.max(1, frames.length);
    const out = (await y.data()) as Float32Array;
    y.dispose();
    return out;
  };
  const release = async () => {
    model.dispose();
    xs.dispose();
    frames.forEach((t) => t.dispose());
  };
  if (!step) {
    return {
      id: 'tfjs-1t', note: null, release,
      run: async () => { await predict(); },
      // [batch, frames, H] -> [frames, batch, H]
      outputs: async () => {
        const y = await predict(), out = new Float32Array(y.length);
        for (let b = 0; b < B; b++) for (let t = 0; t < data.frames; t++) out.set(y.subarray((b * data.frames + t) * H, (b * data.frames + t + 1) * H), (t * B + b) * H);
        return out;
      },
    };
  }
  return {
    id: 'tfjs-1t', note: null, release,
    run: async () => { await predict(); },
    outputs: async () => {
      model.resetStates();
      f = 0;
      const y = new Float32Array(data.frames * B * H);
      for (let t = 0; t < data.frames; t++) y.set(await predict(), t * B * H);
      return y;
    },
  };
}

/** TensorFlow.js's version string. */
export async function tfjsVersion(): Promise<string> {
  const tf = await loadTfjs();
  return `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`;
}
