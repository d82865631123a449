/**
 * The one model and input of a case, as every contestant needs it: ONNX bytes (rnnc, onnxruntime-web,
 * native onnxruntime) and Keras-ordered weights (TensorFlow.js), all from the same seeded numbers.
 */
import { onnx, type ModelProtoInit } from '../compiler/onnx/proto.js';
import { attr, rawFloatTensor, valueInfo } from '../compiler/onnx/build.js';
import { gates, type BenchCase } from './cases.js';
import { lcg } from './data.js';

/** Frames of X a streaming case steps through (and checks against one whole-sequence run). */
export const STEP_FRAMES = 100;

/** One direction's weights in ONNX layout: W [G*H, I], R [G*H, H], B [2*G*H] (Wb then Rb). */
export interface OnnxWeights {
  readonly W: Float32Array;
  readonly R: Float32Array;
  readonly B: Float32Array;
}

export interface CaseData {
  readonly weights: OnnxWeights;
  /** X as [frames, batch, input]: the sequence, or the frames a streaming case steps through. */
  readonly x: Float32Array;
  readonly frames: number;
}

function seedOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Weights scaled like PyTorch's default init (1/sqrt(fan-in)), X uniform in [-1, 1). */
export function caseData(c: BenchCase): CaseData {
  const G = gates(c.cell), H = c.hidden, I = c.input;
  const rand = lcg(seedOf(c.id));
  const frames = c.kind === 'step' ? STEP_FRAMES : c.seq;
  return {
    weights: { W: rand(G * H * I, 1 / Math.sqrt(I)), R: rand(G * H * H, 1 / Math.sqrt(H)), B: rand(2 * G * H, 0.1) },
    x: rand(frames * c.batch * I, 1),
    frames,
  };
}

export interface OnnxModelOptions {
  /** Streaming form: inputs X, initial_h (and initial_c), outputs Y_h (and Y_c) to feed back. */
  readonly state?: boolean;
  /** GRU `linear_before_reset` (default 1, as PyTorch exports GRUs). */
  readonly linearBeforeReset?: boolean;
}

/** A one-node ONNX model (opset 14) of the case, weights as initializers, seq and batch symbolic. */
export function onnxModel(c: BenchCase, w: OnnxWeights, opts: OnnxModelOptions = {}): Uint8Array {
  const G = gates(c.cell), H = c.hidden, I = c.input;
  const lstm = c.cell === 'lstm';
  const state = opts.state ?? false;
  const stateNames = lstm ? ['initial_h', 'initial_c'] : ['initial_h'];
  const outNames = state ? (lstm ? ['', 'Y_h', 'Y_c'] : ['', 'Y_h']) : ['Y'];
  const attributes = [attr.int('hidden_size', H)];
  if (!lstm) attributes.push(attr.int('linear_before_reset', opts.linearBeforeReset === false ? 0 : 1));
  const model: ModelProtoInit = {
    irVersion: 8,
    producerName: 'rnnc bench/models.ts',
    opsetImport: [{ domain: '', version: 14 }],
    graph: {
      name: c.id,
      node: [{
        name: c.cell, opType: lstm ? 'LSTM' : 'GRU',
        input: ['X', 'W', 'R', 'B', ...(state ? ['', ...stateNames] : [])],
        output: outNames,
        attribute: attributes,
      }],
      initializer: [rawFloatTensor('W', [1, G * H, I], w.W), rawFloatTensor('R', [1, G * H, H], w.R), rawFloatTensor('B', [1, 2 * G * H], w.B)],
      input: [valueInfo('X', ['seq', 'batch', I]), ...(state ? stateNames.map((n) => valueInfo(n, [1, 'batch', H])) : [])],
      output: outNames.filter(Boolean).map((n) => valueInfo(n, n === 'Y' ? ['seq', 1, 'batch', H] : [1, 'batch', H])),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Weights as tf.layers.lstm / gru take them: kernel [I, G*H], recurrent kernel [H, G*H], bias [G*H]. */
export interface KerasWeights {
  readonly kernel: Float32Array;
  readonly recurrentKernel: Float32Array;
  readonly bias: Float32Array;
}

/**
 * ONNX -> Keras. Keras orders LSTM gates i,f,c,o (ONNX: i,o,f,c) and GRU gates z,r,h (as ONNX), and
 * has one bias: Wb + Rb. For a GRU that is exact only with linear_before_reset = 0, which is all
 * tfjs-layers 4.22 implements (its GRU takes only resetAfter = false).
 */
export function kerasWeights(c: BenchCase, w: OnnxWeights): KerasWeights {
  const G = gates(c.cell), H = c.hidden, I = c.input;
  const onnxGateOf = c.cell === 'lstm' ? [0, 2, 3, 1] : [0, 1, 2];
  const transpose = (m: Float32Array, cols: number) => {
    const out = new Float32Array(cols * G * H);
    for (let kg = 0; kg < G; kg++) {
      const og = onnxGateOf[kg];
      for (let j = 0; j < H; j++) {
        const row = (og * H + j) * cols;
        for (let k = 0; k < cols; k++) out[k * G * H + kg * H + j] = m[row + k];
      }
    }
    return out;
  };
  const bias = new Float32Array(G * H);
  for (let kg = 0; kg < G; kg++) {
    const og = onnxGateOf[kg];
    for (let j = 0; j < H; j++) bias[kg * H + j] = w.B[og * H + j] + w.B[G * H + og * H + j];
  }
  return { kernel: transpose(w.W, I), recurrentKernel: transpose(w.R, H), bias };
}
