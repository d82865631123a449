/** `rnnc bench [PATTERNS] | --cell lstm --input 256 --hidden 256 [--seq 100]`: the side-by-side benchmark. */
import { existsSync } from 'node:fs';
import { InputError } from '../../contract/errors.js';

export interface BenchFlags {
  cell?: string;
  input?: number;
  hidden?: number;
  seq: number;
  batch?: number;
  quick?: boolean;
  peers?: string;
  hog?: number;
  write: boolean;
}

export async function benchCommand(patterns: string[], f: BenchFlags): Promise<void> {
  if (patterns.some((p) => p.endsWith('.onnx') || existsSync(p))) {
    throw new InputError('rnnc bench compares cell shapes with onnxruntime-web and TensorFlow.js (--cell/--input/--hidden, or case ids from --list); to time a whole model use `rnnc run MODEL --time`');
  }
  let bench;
  try {
    bench = await import('../../bench/run.js');
  } catch (e) {
    throw new InputError(`rnnc bench needs the benchmark's peers (onnxruntime-web, onnxruntime-node, @tensorflow/tfjs, vega-lite: the dev dependencies of an rnnc checkout): ${(e as Error).message}`);
  }
  const { makeCase } = await import('../../bench/cases.js');
  let cases;
  if (f.cell || f.input || f.hidden) {
    if ((f.cell !== 'lstm' && f.cell !== 'gru') || !f.input || !f.hidden) throw new InputError('rnnc bench --cell lstm|gru needs --input and --hidden');
    cases = [makeCase('sequence', f.cell, f.input, f.hidden, f.seq, f.batch ?? 1, false)];
  }
  await bench.runBench({
    quick: f.quick, filter: patterns.join(',') || undefined, cases,
    contestants: f.peers ? (f.peers.split(',').map((s) => s.trim()) as never) : undefined, hogs: f.hog, outDir: f.write ? undefined : null,
  });
}
