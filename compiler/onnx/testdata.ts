/**
 * Reads a directory in the ONNX backend test layout: `model.onnx` plus `test_data_set_<k>/` folders
 * holding `input_<i>.pb` and `output_<i>.pb`, each one serialized TensorProto.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NamedTensor } from '../io/tensor_data.js';
import { ModelError } from '../../contract/errors.js';
import { readTensorFile } from './tensor.js';

/** One `test_data_set_<k>` folder. */
export interface TestDataSet {
  /** The folder name, e.g. `test_data_set_0`. */
  readonly name: string;
  /**
   * `input_0.pb`, `input_1.pb`, ... in numeric order. A tensor's name may be empty: match it by
   * position against the graph inputs then.
   */
  readonly inputs: NamedTensor[];
  /** `output_0.pb`, ... in numeric order; match by name, or by position against the graph outputs. */
  readonly outputs: NamedTensor[];
}

/** A backend test directory: the model's bytes and its data sets in numeric order. */
export interface TestDir {
  readonly modelBytes: Uint8Array;
  readonly sets: TestDataSet[];
}

/**
 * Loads `dir/model.onnx` and every `dir/test_data_set_<k>/`. Errors (ModelError, or UnsupportedError
 * for a tensor type rnnc cannot read) name the file at fault.
 */
export function loadTestDir(dir: string): TestDir {
  const modelPath = path.join(dir, 'model.onnx');
  const modelBytes = readFile(modelPath);
  const setNames = numbered(listDir(dir), /^test_data_set_(\d+)$/).filter((n) =>
    fs.statSync(path.join(dir, n)).isDirectory(),
  );
  const sets = setNames.map((name) => {
    const setDir = path.join(dir, name);
    const files = listDir(setDir);
    const load = (kind: 'input' | 'output') => {
      const names = numbered(files, new RegExp(`^${kind}_(\\d+)\\.pb$`));
      names.forEach((f, i) => {
        if (f !== `${kind}_${i}.pb`) throw new ModelError(`${path.join(setDir, `${kind}_${i}.pb`)}: missing (found ${f})`);
      });
      return names.map((f) => {
        const file = path.join(setDir, f);
        return readTensorFile(readFile(file), file, ModelError);
      });
    };
    return { name, inputs: load('input'), outputs: load('output') };
  });
  return { modelBytes, sets };
}

/** The names matching `re` (whose first group is a number), sorted by that number. */
function numbered(names: string[], re: RegExp): string[] {
  return names
    .map((n) => ({ n, m: re.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((x) => x.n);
}

function readFile(file: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new ModelError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    throw new ModelError(`${dir}: cannot list the directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
