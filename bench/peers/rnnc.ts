/**
 * rnnc as a contestant: the case's ONNX model compiled once with compileModel (the path
 * `InferenceSession.create('model.onnx')` takes), run through the public InferenceSession on 1 or 2
 * workers. A step case streams: `session.stream().step({ X })`, the state stays in wasm memory.
 */
import { compileModel } from '../../compiler/index.js';
import type { Artifact } from '../../contract/manifest.js';
import { InferenceSession, Tensor } from '../../api/node.js';
import { engineRelaxedSimd } from '../../runtime/features.js';
import type { BenchCase } from '../cases.js';
import { weightSizes, type WeightSizes } from '../sizes.js';
import type { CaseData } from '../models.js';
import type { Contestant, ContestantId } from './types.js';

export interface CompiledCase {
  readonly artifact: Artifact;
  /** The kernel names, e.g. `lstm_f32_u4r1__wasmsimd_k2`. */
  readonly kernels: readonly string[];
  readonly compileMs: number;
  readonly weights: WeightSizes;
}

/** Compiles the case's model for its batch. */
export function compileCase(c: BenchCase, model: Uint8Array): CompiledCase {
  const t0 = performance.now();
  // threads: build the multi-worker module even where the planner would pick one worker; fused
  // multiply-adds where this engine has them, as a session compiling the model here would.
  const { artifact } = compileModel(model, { batch: c.batch, source: c.id, threads: true, relaxedSimd: engineRelaxedSimd(undefined) });
  const compileMs = performance.now() - t0;
  return { artifact, kernels: artifact.manifest.kernels, compileMs, weights: weightSizes(model, artifact) };
}

export async function rnncContestant(id: ContestantId, workers: 1 | 2, c: BenchCase, data: CaseData, compiled: CompiledCase, adaptWorkers = true): Promise<Contestant> {
  const session = await InferenceSession.create(compiled.artifact, { workers, adaptWorkers });
  const note = session.workers !== workers ? `ran on ${session.workers} worker(s): ${session.note ?? 'unknown reason'}` : null;
  const B = c.batch, I = c.input, H = c.hidden;
  const base = { id, note, release: () => session.release(), calls: () => session.callCounts };
  if (c.kind !== 'step') {
    const X = new Tensor('float32', data.x, [data.frames, B, I]);
    const runY = async () => (await session.run({ X })).Y.data as Float32Array;
    return { ...base, run: async () => { await runY(); }, outputs: runY };
  }
  const frames = Array.from({ length: data.frames }, (_, f) => new Tensor('float32', data.x.slice(f * B * I, (f + 1) * B * I), [1, B, I]));
  const zeros = new Tensor('float32', new Float32Array(B * H), [1, B, H]);
  const initial: Record<string, Tensor> = c.cell === 'lstm' ? { initial_h: zeros, initial_c: zeros } : { initial_h: zeros };
  const stream = session.stream();
  let f = 0, started = false;
  const step = async () => {
    // The first step after a reset starts from the initial state inputs; later ones resume.
    const out = await stream.step(started ? { X: frames[f] } : { X: frames[f], ...initial });
    started = true;
    f = (f + 1) % frames.length;
    return out.Y_h.data as Float32Array;
  };
  return {
    ...base,
    run: async () => { await step(); },
    outputs: async () => {
      stream.reset();
      started = false;
      f = 0;
      const y = new Float32Array(data.frames * B * H);
      for (let t = 0; t < data.frames; t++) y.set(await step(), t * B * H);
      return y;
    },
  };
}
