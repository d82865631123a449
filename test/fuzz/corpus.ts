/**
 * The fuzzer's seed models: the shared conformance and model folders, this repo's test exports and
 * the examples, in a fixed order so that a variant number names the same model on every machine
 * holding the same folders. Each entry keeps its first data set, when it has one, so that variants
 * which must compute what the seed computes can be checked against the exporter's outputs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadTestDir, type TestDataSet } from '../../compiler/onnx/testdata.js';
import { CONFORMANCE, REPO_ROOT, SHARED_MODELS } from '../paths.js';

/** One seed model. */
export interface Seed {
  /** Short stable label, e.g. `conformance/test_gru_defaults` or `test/lstm_mix`. */
  readonly name: string;
  readonly file: string;
  readonly bytes: Uint8Array;
  /** `test_data_set_0`, when the folder has one. */
  readonly set: TestDataSet | null;
}

/** Where seed models are looked for, and the label prefix of each place. */
const ROOTS: readonly (readonly [string, string])[] = [
  ['conformance', CONFORMANCE],
  ['shared', SHARED_MODELS],
  ['test', path.join(REPO_ROOT, 'test', 'models')],
  ['examples', path.join(REPO_ROOT, 'examples')],
];

/** The seed model files present on this machine, in the fixed order (root, then folder name). */
export function seedFiles(): { name: string; file: string }[] {
  const out: { name: string; file: string }[] = [];
  for (const [label, root] of ROOTS) {
    if (!fs.existsSync(root)) continue;
    for (const dir of fs.readdirSync(root).sort()) {
      const file = path.join(root, dir, 'model.onnx');
      if (fs.existsSync(file)) out.push({ name: `${label}/${dir}`, file });
    }
  }
  return out;
}

const loaded = new Map<string, Seed>();

/** Loads a seed (cached per process): its bytes and, when present, its first data set. */
export function loadSeed(entry: { name: string; file: string }): Seed {
  let seed = loaded.get(entry.file);
  if (!seed) {
    const dir = path.dirname(entry.file);
    const hasSet = fs.existsSync(path.join(dir, 'test_data_set_0'));
    const td = hasSet ? loadTestDir(dir) : null;
    seed = { ...entry, bytes: td ? td.modelBytes : new Uint8Array(fs.readFileSync(entry.file)), set: td?.sets[0] ?? null };
    loaded.set(entry.file, seed);
  }
  return seed;
}
