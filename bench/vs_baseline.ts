/**
 * Specialized rnnc kernels vs the shape-agnostic AssemblyScript baseline (kernels/), one worker, in
 * one process and one run. Each case: both warmed up (V8 tiers wasm up from Liftoff to TurboFan),
 * then timed in alternating rounds; medians of per-inference latency, and their ratio.
 *
 *   npm run bench:baseline            (after npm install / npm run build)
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCell, type CellDescriptor } from '../compiler/cells/descriptor.js';
import { cellModel, type CellWeights } from '../compiler/frontend/cell_model.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { isConst, type Operand } from '../compiler/frontend/program.js';
import { rnnSteps } from '../compiler/ops/rnn.js';
import { readNpy } from '../compiler/io/npy.js';
import { compileModel } from '../compiler/index.js';
import { Engine } from '../runtime/engine.js';
import { Tensor } from '../runtime/tensor.js';
import { BaselineKernel } from './baseline.js';
import { lcg } from './data.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WARMUP = 40, ROUNDS = 8, PER_ROUND = 10;

/** A one-node model: its ONNX bytes, the descriptor and weights the baseline runs, an input. */
interface Case { name: string; model: Uint8Array; d: CellDescriptor; weights: CellWeights; x: Float32Array; T: number; B: number }

function syntheticCase(cell: 'lstm' | 'gru' | 'rnn', I: number, H: number, T: number, B: number): Case {
  const d: CellDescriptor = describeCell({ cell, inputSize: I, hiddenSize: H, maxBatch: B, linearBeforeReset: cell === 'gru' });
  const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
  const rand = lcg(7);
  const weights = { W: rand(G * H * I, 1 / Math.sqrt(I)), R: rand(G * H * H, 1 / Math.sqrt(H)), B: rand(2 * G * H, 0.1) };
  const model = cellModel(d, { weights, outputs: ['Y', 'Y_h'] });
  return { name: `${cell.toUpperCase()} ${I}/${H} seq ${T} batch ${B}`, model, d, weights, x: rand(T * B * I, 1), T, B };
}

function exampleCase(): Case {
  const dir = path.join(ROOT, 'examples', 'lstm');
  const model = new Uint8Array(readFileSync(path.join(dir, 'model.onnx')));
  const { program } = lowerModel(model, { source: 'examples/lstm/model.onnx' });
  const step = rnnSteps(program)[0];
  const data = (o: Operand | null) => (o && isConst(o) ? (program.constants[o.constant].data as Float32Array) : null);
  const x = readNpy(new Uint8Array(readFileSync(path.join(dir, 'X.npy'))), 'X.npy');
  return {
    name: 'example: LSTM 128/128 seq 50 batch 1', model, d: step.descriptor,
    weights: { W: data(step.W)!, R: data(step.R)!, B: data(step.B) }, x: x.data as Float32Array, T: x.dims[0], B: x.dims[1],
  };
}

function time(fn: () => void, n: number, into: number[]): void {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    into.push(performance.now() - t0);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const baseline = await BaselineKernel.load();
  const cases = [exampleCase(), syntheticCase('lstm', 256, 256, 100, 1), syntheticCase('gru', 256, 256, 100, 1),
    syntheticCase('rnn', 256, 256, 100, 1), syntheticCase('lstm', 256, 256, 100, 4)];
  console.log(`rnnc specialized vs kernels/ baseline, 1 worker; node ${process.versions.node}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores`);
  console.log(`median per-inference latency after ${WARMUP} warm-up runs, ${ROUNDS * PER_ROUND} timed runs each, alternating rounds\n`);
  console.log('| case | rnnc ms | baseline ms | speedup | max abs diff |');
  console.log('|---|---|---|---|---|');
  for (const c of cases) {
    const { artifact, plan } = compileModel(c.model);
    const engine = await Engine.create(artifact);
    const feeds = { [artifact.manifest.inputs[0].name]: new Tensor('float32', c.x, [c.T, c.B, c.d.inputSize]) };
    const prepared = baseline.prepare(c.d, { W: c.weights.W, R: c.weights.R, B: c.weights.B ?? null });
    const inputs = { X: c.x, seqLength: c.T, batch: c.B };
    // The engine is what a session runs under its queue; timing it directly leaves out promise ticks.
    const runRnnc = () => engine.run(feeds);
    const runBase = () => baseline.runPrepared(prepared, inputs);
    const a = runRnnc(), b = runBase();
    let diff = 0;
    (a.Y_h.data as Float32Array).forEach((v, i) => { diff = Math.max(diff, Math.abs(v - b.Y_h[i])); });
    if (!(diff < 1e-4)) throw new Error(`${c.name}: rnnc and the baseline disagree (max abs diff ${diff})`);
    for (let i = 0; i < WARMUP; i++) { runRnnc(); runBase(); }
    const tr: number[] = [], tb: number[] = [];
    for (let r = 0; r < ROUNDS; r++) { time(runRnnc, PER_ROUND, tr); time(runBase, PER_ROUND, tb); }
    const mr = median(tr), mb = median(tb);
    console.log(`| ${c.name} (${plan.kernelName}) | ${mr.toFixed(3)} | ${mb.toFixed(3)} | ${(mb / mr).toFixed(2)}x | ${diff.toExponential(1)} |`);
  }
}

await main();
