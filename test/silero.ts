/**
 * The three Silero VAD models `@ricky0123/vad-web` ships, for the tests: where they are, the feeds
 * vad-web gives them per frame (v5/v6: context + frame and one state; legacy: the frame and h, c),
 * a deterministic test signal, and the backend test layout `rnnc check` reads, written from
 * onnxruntime-node's outputs over a run of frames that carries the state.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { DataType, onnx } from '../compiler/onnx/proto.js';
import { encodeTensorProto } from '../compiler/onnx/tensor.js';
import { Tensor } from '../runtime/tensor.js';
import { REPO_ROOT } from './paths.js';
import { mulberry32 } from './random.js';

export type SileroName = 'v5' | 'v6' | 'legacy';
export const SILERO: readonly SileroName[] = ['v5', 'v6', 'legacy'];

export const sileroPath = (name: SileroName) => path.join(REPO_ROOT, 'node_modules', '@ricky0123', 'vad-web', 'dist', `silero_vad_${name}.onnx`);

/** Samples per call at a rate: v5/v6 read 64 (16 kHz) or 32 (8 kHz) samples of context before the frame. */
export function frameLength(name: SileroName, rate: 16000 | 8000): number {
  const frame = rate === 16000 ? 512 : 256;
  return name === 'legacy' ? frame : frame + (rate === 16000 ? 64 : 32);
}

/** The state inputs and their dims. */
export const stateDims = (name: SileroName): Record<string, number[]> =>
  (name === 'legacy' ? { h: [2, 1, 64], c: [2, 1, 64] } : { state: [2, 1, 128] });

/** The state output that feeds each state input on the next frame. */
export const stateOut = (name: SileroName): Record<string, string> => (name === 'legacy' ? { h: 'hn', c: 'cn' } : { state: 'stateN' });

/**
 * Frame k of a test signal: a few tones that change from frame to frame over a noise floor (a
 * recording has one: without it the models' log spectrum of near-silent bins magnifies float32
 * rounding, onnxruntime's as much as rnnc's).
 */
export function signal(k: number, n: number, seed = 7): Float32Array {
  const rng = mulberry32(seed * 1000 + k);
  return Float32Array.from({ length: n }, (_, i) => 0.25 * Math.sin(i * 0.07 * (k + 1)) + 0.1 * Math.sin(i * 0.31 + k) + 0.05 * (rng() - 0.5));
}

/** One call's feeds as plain data: input, sr and the state inputs. */
export interface Frame {
  readonly input: Float32Array;
  readonly sr: number;
  readonly state: Record<string, Float32Array>;
}

/** rnnc tensors for a frame (sr as int64 unless `srType` says otherwise). */
export function rnncFeeds(name: SileroName, f: Frame, srType: 'int64' | 'int32' = 'int64'): Record<string, Tensor> {
  const sr = srType === 'int64' ? new Tensor('int64', [BigInt(f.sr)], []) : new Tensor('int32', [f.sr], []);
  const feeds: Record<string, Tensor> = { input: new Tensor('float32', f.input, [1, f.input.length]), sr };
  for (const [k, dims] of Object.entries(stateDims(name))) feeds[k] = new Tensor('float32', f.state[k], dims);
  return feeds;
}

/** onnxruntime tensors for a frame. */
export function ortFeeds(name: SileroName, f: Frame): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    input: new ort.Tensor('float32', f.input, [1, f.input.length]),
    sr: new ort.Tensor('int64', BigInt64Array.from([BigInt(f.sr)]), []),
  };
  for (const [k, dims] of Object.entries(stateDims(name))) feeds[k] = new ort.Tensor('float32', f.state[k], dims);
  return feeds;
}

/** Zero state, as vad-web starts a stream. */
export const zeroState = (name: SileroName): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(stateDims(name)).map(([k, d]) => [k, new Float32Array(d.reduce((p, x) => p * x, 1))]));

/**
 * Writes `dir/model.onnx` and one test_data_set per frame: onnxruntime-node's outputs over `frames`
 * frames at each rate, the state carried from frame to frame. Returns the directory.
 */
export async function writeCheckDir(name: SileroName, rates: readonly (16000 | 8000)[], frames: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rnnc-silero-${name}-`));
  fs.copyFileSync(sileroPath(name), path.join(dir, 'model.onnx'));
  const session = await ort.InferenceSession.create(sileroPath(name));
  let set = 0;
  for (const rate of rates) {
    let state = zeroState(name);
    for (let k = 0; k < frames; k++) {
      const f: Frame = { input: signal(k, frameLength(name, rate)), sr: rate, state };
      const feeds = ortFeeds(name, f);
      const out = await session.run(feeds);
      const d = path.join(dir, `test_data_set_${set++}`);
      fs.mkdirSync(d);
      session.inputNames.forEach((n, i) => fs.writeFileSync(path.join(d, `input_${i}.pb`), tensorFile(n, feeds[n])));
      session.outputNames.forEach((n, i) => fs.writeFileSync(path.join(d, `output_${i}.pb`), tensorFile(n, out[n])));
      state = Object.fromEntries(Object.entries(stateOut(name)).map(([i, o]) => [i, Float32Array.from(out[o].data as Float32Array)]));
    }
  }
  await session.release();
  return dir;
}

/** A serialized TensorProto of an onnxruntime tensor (float32 or int64). */
function tensorFile(name: string, t: ort.Tensor): Uint8Array {
  if (t.type === 'float32') return encodeTensorProto(name, t.dims, Float32Array.from(t.data as Float32Array));
  return onnx.TensorProto.encode({ name, dims: [...t.dims], dataType: DataType.INT64, int64Data: Array.from(t.data as BigInt64Array, Number) }).finish();
}
