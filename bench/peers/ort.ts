/**
 * onnxruntime as a contestant: onnxruntime-web (wasm, SIMD; 1 or 2 threads) and native
 * onnxruntime-node (1 thread, the ceiling reference). Both speak onnxruntime-common's API.
 *
 * onnxruntime-web fixes its thread count once per loaded instance (global thread pools), so the
 * 1-thread and 2-thread runs use two instances in this one process: the Node build
 * (`onnxruntime-web`, 2 threads on worker_threads) and the self-contained wasm build
 * (`dist/ort.wasm.min.mjs`, 1 thread). Both run the same ort-wasm-simd-threaded.wasm.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchCase } from '../cases.js';
import type { CaseData } from '../models.js';
import type { Contestant, ContestantId } from './types.js';

interface OrtTensor { readonly data: unknown; readonly dims: readonly number[] }
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
/** The part of onnxruntime-common both packages export. */
export interface OrtModule {
  readonly InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  readonly env: {
    logLevel?: string;
    readonly versions?: Record<string, string>;
    wasm: { numThreads?: number; simd?: boolean | string; wasmBinary?: ArrayBufferLike | Uint8Array };
  };
}

const loaded = new Map<string, Promise<OrtModule>>();

function ortWebDist(): string {
  // The package exports no ./package.json; its CommonJS entry sits in dist/.
  return path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
}

/** The onnxruntime-web instance running on `threads` threads (1 or 2), loaded once. */
export function loadOrtWeb(threads: 1 | 2): Promise<OrtModule> {
  const key = `web${threads}`;
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      const ort = threads === 1
        ? (await import(pathToFileURL(path.join(ortWebDist(), 'ort.wasm.min.mjs')).href)) as OrtModule
        : (await import('onnxruntime-web')) as unknown as OrtModule;
      ort.env.logLevel = 'error';
      ort.env.wasm.numThreads = threads;
      ort.env.wasm.simd = true;
      if (threads === 1) ort.env.wasm.wasmBinary = readFileSync(path.join(ortWebDist(), 'ort-wasm-simd-threaded.wasm'));
      return ort;
    })();
    loaded.set(key, p);
  }
  return p;
}

/** Native onnxruntime-node, loaded once. */
export function loadOrtNode(): Promise<OrtModule> {
  let p = loaded.get('node');
  if (!p) {
    p = import('onnxruntime-node').then((m) => m.default as unknown as OrtModule);
    loaded.set('node', p);
  }
  return p;
}

/** onnxruntime's own version strings of a loaded instance (`env.versions`). */
export function ortVersion(ort: OrtModule): string {
  return Object.entries(ort.env.versions ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
}

const WEB_OPTIONS = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
const NODE_OPTIONS = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };

/**
 * A session of `model` (the case's ONNX bytes: the sequence form, or for a step case the streaming
 * form with initial_h/initial_c in and Y_h/Y_c out, fed back every step).
 */
export async function ortContestant(id: ContestantId, ort: OrtModule, c: BenchCase, data: CaseData, model: Uint8Array): Promise<Contestant> {
  const web = id.startsWith('ort-web');
  const session = await ort.InferenceSession.create(model, web ? WEB_OPTIONS : NODE_OPTIONS);
  const B = c.batch, I = c.input, H = c.hidden;
  const base = { id, note: null, release: () => session.release() };
  if (c.kind !== 'step') {
    const X = new ort.Tensor('float32', data.x, [data.frames, B, I]);
    const runY = async () => (await session.run({ X })).Y.data as Float32Array;
    return { ...base, run: async () => { await runY(); }, outputs: runY };
  }
  const frames = Array.from({ length: data.frames }, (_, f) => new ort.Tensor('float32', data.x.slice(f * B * I, (f + 1) * B * I), [1, B, I]));
  const zeros = () => new ort.Tensor('float32', new Float32Array(B * H), [1, B, H]);
  const lstm = c.cell === 'lstm';
  let h = zeros(), cell = zeros(), f = 0;
  const step = async () => {
    const out = await session.run(lstm ? { X: frames[f], initial_h: h, initial_c: cell } : { X: frames[f], initial_h: h });
    h = out.Y_h;
    if (lstm) cell = out.Y_c;
    f = (f + 1) % frames.length;
  };
  return {
    ...base,
    run: step,
    outputs: async () => {
      h = zeros(); cell = zeros(); f = 0;
      const y = new Float32Array(data.frames * B * H);
      for (let t = 0; t < data.frames; t++) {
        await step();
        y.set(h.data as Float32Array, t * B * H);
      }
      return y;
    },
  };
}
