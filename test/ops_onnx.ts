/**
 * Runs a test graph three ways for the op tests: compiled by rnnc into the module that ships, through
 * the float64 interpreter of its program, and by onnxruntime-node on the same bytes.
 */
import * as assert from 'uvu/assert';
import ort from 'onnxruntime-node';
import { compileModel } from '../compiler/index.js';
import { lowerModel } from '../compiler/frontend/index.js';
import type { Program } from '../compiler/frontend/program.js';
import { Engine } from '../runtime/engine.js';
import { Tensor } from '../runtime/tensor.js';
import { interpretProgram } from './program_interp.js';

/** One float32 graph input: its data and dims. */
export interface Feed {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** What each of the three gave for every graph output, and the program that was compiled. */
export interface ThreeWays {
  readonly program: Program;
  readonly rnnc: Record<string, Float32Array>;
  readonly f64: Record<string, Float64Array>;
  readonly ort: Record<string, Float32Array>;
  readonly dims: Record<string, readonly number[]>;
}

/** Compiles `bytes` (for `batch`), runs it on `feeds` (seq from the first input's axis 0) and onnxruntime too. */
export async function runThreeWays(bytes: Uint8Array, feeds: Record<string, Feed>, seq: number, batch: number): Promise<ThreeWays> {
  const { program } = lowerModel(bytes, { batch });
  const engine = await Engine.create(compileModel(bytes, { batch }).artifact);
  const got = engine.run(Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new Tensor('float32', f.data, [...f.dims])])));
  const f64 = interpretProgram(program, seq, batch, Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, f.data])));
  const session = await ort.InferenceSession.create(bytes);
  const want = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ort.Tensor('float32', f.data, [...f.dims])])));
  await session.release();
  const names = Object.keys(got);
  return {
    program,
    rnnc: Object.fromEntries(names.map((n) => [n, got[n].data as Float32Array])),
    f64,
    ort: Object.fromEntries(names.map((n) => [n, want[n].data as Float32Array])),
    dims: Object.fromEntries(names.map((n) => [n, got[n].dims])),
  };
}

/** Largest |a - b| / max(1, |b|); NaN where only one side is NaN (a failure). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length, 'output sizes');
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    const e = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(e <= worst)) worst = e;
  }
  return worst;
}
