/**
 * Runs ONNX backend-style test directories (model.onnx + test_data_set_*) through rnnc and compares
 * every output with the expected one.
 */
import path from 'node:path';
import { compileModel, lowerModel, openInputs, type ModelCompileOptions } from '../compiler/index.js';
import type { ProgramIO } from '../compiler/frontend/program.js';
import { loadTestDir } from '../compiler/onnx/testdata.js';
import type { NamedTensor } from '../compiler/io/tensor_data.js';
import { ArtifactSession } from '../runtime/session.js';
import { Tensor } from '../runtime/tensor.js';
import { InputError, ModelError } from '../contract/errors.js';

/** Tolerance: an element passes when |got - expected| <= atol + rtol * |expected| (numpy's allclose). */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}
export const DEFAULT_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };

export interface OutputCheck {
  readonly set: string;
  readonly output: string;
  readonly maxAbsError: number;
  readonly pass: boolean;
  /** Why no error could be measured (the output's dims differ from the expected ones). */
  readonly note?: string;
}

export interface DirCheck {
  readonly dir: string;
  readonly kernel: string;
  readonly outputs: readonly OutputCheck[];
  readonly pass: boolean;
}

/** Binds each data file to a graph input: by its tensor name, else by position. */
function bindInputs(files: readonly NamedTensor[], inputNames: readonly string[], where: string): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  files.forEach((t, i) => {
    const name = t.name && inputNames.includes(t.name) ? t.name : inputNames[i];
    if (name === undefined) throw new InputError(`${where}: input_${i}.pb has no matching graph input (the model has ${inputNames.length})`);
    feeds[name] = new Tensor(t.dtype, t.data, t.dims);
  });
  return feeds;
}

/** A compiled module for one data set's open sizes and control values, and its kernel's name. */
interface Compiled {
  readonly session: ArtifactSession;
  readonly kernel: string;
}

/**
 * Compiles `dir/model.onnx`, runs every data set and compares the outputs. Sizes the model leaves
 * open and the values of its control inputs (Silero VAD's `sr`) come from each data set, as an
 * InferenceSession takes them at its first run: one compile per distinct sizes and values.
 */
export async function checkTestDir(dir: string, tol: Tolerance = DEFAULT_TOLERANCE, opts: ModelCompileOptions = {}): Promise<DirCheck> {
  const td = loadTestDir(dir);
  const source = path.join(dir, 'model.onnx');
  const graph = openInputs(td.modelBytes, { source, batch: opts.batch, shapes: opts.shapes, bind: opts.bind });
  const compiled = new Map<string, Compiled>();
  const compileFor = async (feeds: Record<string, Tensor>): Promise<Compiled> => {
    const shapes = { ...opts.shapes, ...Object.fromEntries(graph.open.map((n) => [n, [...feeds[n].dims]])) };
    const bind = { ...opts.bind, ...Object.fromEntries(graph.control.map((n) => [n, Array.from(feeds[n].data as ArrayLike<number | bigint>, Number)])) };
    const key = JSON.stringify([shapes, bind]);
    const had = compiled.get(key);
    if (had) return had;
    // Compile for the largest batch among the data sets (unless the caller fixed one).
    const batch = opts.batch ?? largestBatch(td, lowerModel(td.modelBytes, { source, shapes, bind }).program.inputs);
    const { artifact, plan } = compileModel(td.modelBytes, { source, ...opts, shapes, bind, batch });
    const made = { session: await ArtifactSession.fromArtifact(artifact), kernel: plan.kernelName };
    compiled.set(key, made);
    return made;
  };
  const outputs: OutputCheck[] = [];
  let kernel = '';
  // A directory that compares nothing passes nothing.
  if (td.sets.length === 0) throw new ModelError(`${dir}: no test_data_set_* directory beside model.onnx: nothing to compare`);
  try {
    for (const set of td.sets) {
      const where = path.join(dir, set.name);
      if (set.outputs.length === 0) throw new ModelError(`${where}: no output_*.pb: nothing to compare`);
      const feeds = bindInputs(set.inputs, graph.inputs, where);
      for (const name of [...graph.open, ...graph.control]) {
        if (!feeds[name]) throw new InputError(`${where}: no data for input '${name}', whose ${graph.open.includes(name) ? 'size' : 'value'} the compile needs`);
      }
      const { session, kernel: k } = await compileFor(feeds);
      kernel ||= k;
      const got = await session.run(feeds);
      set.outputs.forEach((expected, i) => {
        const name = expected.name && expected.name in got ? expected.name : session.outputNames[i];
        const actual = name === undefined ? undefined : got[name];
        if (!actual) throw new ModelError(`${where}: output_${i}.pb ('${expected.name}') matches no output of the model`);
        outputs.push({ set: set.name, output: name, ...compare(actual, expected, tol) });
      });
    }
  } finally {
    for (const c of compiled.values()) await c.session.release();
  }
  return { dir, kernel, outputs, pass: outputs.every((o) => o.pass) };
}

/** The largest `batch` axis value among the data sets' inputs (1 if none). */
function largestBatch(td: ReturnType<typeof loadTestDir>, inputs: readonly ProgramIO[]): number {
  let batch = 1;
  for (const set of td.sets) {
    set.inputs.forEach((t, i) => {
      const io = inputs.find((x) => x.name === t.name) ?? inputs[i];
      const axis = io?.dims.indexOf('batch') ?? -1;
      if (io && axis >= 0 && t.dims.length === io.dims.length) batch = Math.max(batch, t.dims[axis]);
    });
  }
  return batch;
}

function compare(actual: Tensor, expected: NamedTensor, tol: Tolerance): { maxAbsError: number; pass: boolean; note?: string } {
  const sameDims = actual.dims.length === expected.dims.length && actual.dims.every((d, i) => d === expected.dims[i]);
  if (!sameDims || actual.data.length !== expected.data.length) {
    return { maxAbsError: Infinity, pass: false, note: `dims [${actual.dims.join(', ')}] where [${expected.dims.join(', ')}] are expected` };
  }
  let maxAbsError = 0;
  let pass = true;
  for (let i = 0; i < actual.data.length; i++) {
    const e = Math.abs(Number(actual.data[i]) - expected.data[i]);
    if (!(e <= maxAbsError)) maxAbsError = Number.isNaN(e) ? Infinity : e;
    if (!(e <= tol.atol + tol.rtol * Math.abs(expected.data[i]))) pass = false;
  }
  return { maxAbsError, pass };
}
