/** `rnnc compile model.onnx -o DIR`: writes the artifact (kernel, manifest, packed weights). */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactCache, cacheDirectory, cachedArtifact } from '../../api/cache.js';
import { importCompiler, importPrinter } from '../../api/compiler_import.js';
import { writeArtifact } from '../../compiler/module/write.js';
import type { CellDescriptor } from '../../compiler/cells/descriptor.js';
import { InputError } from '../../contract/errors.js';
import { formatBytes, modelOptions, planOptions, readModelFile, withOutputDir, writing, type PlanFlags } from './common.js';

export interface CompileFlags extends PlanFlags {
  output: string;
  wat?: boolean;
  batch?: number;
  verbose?: boolean;
  tuning?: string;
  optimize?: 'full';
  /** False with --no-cache: compile even when the artifact cache holds the model. */
  cache?: boolean;
  /** --also-fused: the fused flavour in <output>/fused, named by the plain manifest. */
  alsoFused?: boolean;
}

/** Where --also-fused puts the fused flavour, inside the artifact directory. */
const FUSED_DIR = 'fused';

export async function compileCommand(modelPath: string, f: CompileFlags): Promise<void> {
  if (f.alsoFused && f.relaxedSimd !== undefined) {
    throw new InputError(`--also-fused writes both flavours (plain, and fused in ${path.join(f.output, FUSED_DIR)}); drop --${f.relaxedSimd ? '' : 'no-'}relaxed-simd`);
  }
  const bytes = await readModelFile(modelPath);
  // Before the compile, which may take a while: a file in the way of the directory fails now (and
  // a directory made for it goes again if the compile fails).
  await withOutputDir(f.output, '-o', () => compileInto(modelPath, bytes, f));
}

async function compileInto(modelPath: string, bytes: Uint8Array, f: CompileFlags): Promise<void> {
  // api/tune.ts imports the compiler: loaded only for --tuning.
  const tune = f.tuning ? await import('../../api/tune.js') : null;
  const tuning = tune && f.tuning ? await tune.readTuning(f.tuning) : null;
  // Both modules: an artifact may run where threads are (or are not) available.
  const options = { source: modelPath, batch: f.batch, threads: true, optimize: f.optimize, ...planOptions(f), ...modelOptions(f) };
  // The cache's key is the model's bytes and these options (the tuning file's plans among them), as
  // InferenceSession.create keys its compiles; a hit loads neither the compiler nor binaryen.
  const dir = f.cache === false ? null : cacheDirectory(undefined);
  const cache = dir ? new ArtifactCache(dir) : null;
  let compiled = false;
  const compile = (flavour: typeof options) => cachedArtifact(cache, bytes, { ...flavour, tuning: tuning ?? undefined }, async () => {
    compiled = true;
    const compiler = await importCompiler();
    // binaryen (seconds to load) only for its optimizer: rnnc encodes the modules itself.
    if (f.optimize) await compiler.loadBinaryen();
    const tuned = tune && tuning ? (d: CellDescriptor) => tune.tunedEntry(tuning, d) : undefined;
    return compiler.compileModel(bytes, { ...flavour, tuned }).artifact;
  });
  const plain = await compile(options);
  // The fused flavour beside it: a loader whose engine has relaxed SIMD takes it (the plain
  // manifest names its directory; that field binds no module, so the plain files stay as compiled).
  const fused = f.alsoFused ? await compile({ ...options, relaxedSimd: true }) : null;
  const artifact = fused ? { ...plain, manifest: { ...plain.manifest, fused: FUSED_DIR, fusedKey: fused.manifest.key } } : plain;
  const written = await writing('-o', () => writeArtifact(f.output, artifact));
  if (fused) written.push(...await writing('-o', () => writeArtifact(path.join(f.output, FUSED_DIR), fused)));
  if (f.wat) {
    const watPath = path.join(f.output, 'model.wat');
    // wabt loads only for --wat: a quarter of a second of every compile otherwise.
    const { toWat } = await importPrinter();
    const wat = await toWat(artifact.wasm as Uint8Array, modelPath);
    await writing('--wat', () => writeFile(watPath, wat));
    written.push(watPath);
  }
  console.log(`compiled ${modelPath} -> ${artifact.manifest.kernels.join(', ')} (key ${artifact.manifest.key}${compiled ? '' : `; from the cache ${dir}`})`);
  if (fused) console.log(`  and fused multiply-adds in ${path.join(f.output, FUSED_DIR)} (-> ${fused.manifest.kernels.join(', ')}), loaded instead where the engine has relaxed SIMD`);
  else if (!artifact.manifest.features.relaxedSimd && artifact.manifest.kernels.length > 0) {
    console.log('  plain SIMD: runs on every engine with wasm SIMD; --also-fused adds fused multiply-adds for Chrome >= 114 and Node >= 22 (faster there), --relaxed-simd writes only those');
  }
  if (f.verbose) console.log(artifact.manifest.summary.join('\n'));
  for (const p of written) {
    const size = (await readFile(p)).byteLength;
    console.log(`  wrote ${p} (${formatBytes(size)})`);
  }
}
