/** `rnnc compile model.onnx -o DIR`: writes the artifact (kernel, manifest, packed weights). */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compileModel, loadBinaryen } from '../../compiler/index.js';
import { writeArtifact } from '../../compiler/module/artifact.js';
import { readTuning, tunedEntry } from '../../api/tune.js';
import { importPrinter } from '../../api/compiler_import.js';
import type { CellDescriptor } from '../../compiler/cells/descriptor.js';
import { formatBytes, makeOutputDir, modelOptions, planOptions, readModelFile, writing, type PlanFlags } from './common.js';

export interface CompileFlags extends PlanFlags {
  output: string;
  wat?: boolean;
  batch?: number;
  verbose?: boolean;
  tuning?: string;
  optimize?: 'full';
}

export async function compileCommand(modelPath: string, f: CompileFlags): Promise<void> {
  const bytes = await readModelFile(modelPath);
  // Before the compile, which may take a while: a file in the way of the directory fails now.
  await makeOutputDir(f.output, '-o');
  // Both modules: an artifact may run where threads are (or are not) available.
  const tuning = f.tuning ? await readTuning(f.tuning) : null;
  const tuned = tuning ? (d: CellDescriptor) => tunedEntry(tuning, d) : undefined;
  // binaryen (seconds to load) only for its optimizer: rnnc encodes the modules itself.
  if (f.optimize) await loadBinaryen();
  const { artifact } = compileModel(bytes, { source: modelPath, batch: f.batch, threads: true, tuned, optimize: f.optimize, ...planOptions(f), ...modelOptions(f) });
  const written = await writing('-o', () => writeArtifact(f.output, artifact));
  if (f.wat) {
    const watPath = path.join(f.output, 'model.wat');
    // wabt loads only for --wat: a quarter of a second of every compile otherwise.
    const { toWat } = await importPrinter();
    const wat = await toWat(artifact.wasm as Uint8Array, modelPath);
    await writing('--wat', () => writeFile(watPath, wat));
    written.push(watPath);
  }
  console.log(`compiled ${modelPath} -> ${artifact.manifest.kernels.join(', ')} (key ${artifact.manifest.key})`);
  if (f.verbose) console.log(artifact.manifest.summary.join('\n'));
  for (const p of written) {
    const size = (await readFile(p)).byteLength;
    console.log(`  wrote ${p} (${formatBytes(size)})`);
  }
}
