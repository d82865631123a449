/** `rnnc tune MODEL | --cell ... --input ... --hidden ...`: measures plan variants, stores the best. */
import { availableParallelism } from 'node:os';
import { lowerModel } from '../../compiler/frontend/index.js';
import { rnnSteps } from '../../compiler/ops/rnn.js';
import { descriptorKey, type CellDescriptor } from '../../compiler/cells/descriptor.js';
import { engineFingerprint, readTuning, tuneCell, writeTuning } from '../../api/tune.js';
import { InputError } from '../../contract/errors.js';
import { spawnNodeWorker } from '../../runtime/node.js';
import { engineRelaxedSimd } from '../../runtime/features.js';
import { readModelFile, writing } from './common.js';
import { constants, existsSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { descriptorFromFlags, type ShapeFlags } from './kernel.js';

export interface TuneFlags extends Partial<ShapeFlags> {
  seq: number;
  tuning: string;
  maxWorkers?: number;
}

/** A one-line progress bar on stderr (a terminal) or a line per variant (a log). */
function progress(key: string) {
  const tty = process.stderr.isTTY;
  return (done: number, total: number, label: string, ms: number) => {
    const width = 24, filled = Math.round((done / total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${key}: ${label} ${ms.toFixed(3)} ms`;
    if (tty) process.stderr.write(`\r${line.padEnd(110).slice(0, 110)}${done === total ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
}

export async function tuneCommand(model: string | undefined, f: TuneFlags): Promise<void> {
  let cells: CellDescriptor[];
  if (model) {
    const { program } = lowerModel(await readModelFile(model), { source: model, batch: f.batch });
    cells = rnnSteps(program).map((s) => s.descriptor);
  } else {
    if (!f.cell || !f.input || !f.hidden) throw new InputError('rnnc tune needs a model file, or --cell, --input and --hidden');
    cells = [descriptorFromFlags(f as ShapeFlags)];
  }
  const file = await readTuning(f.tuning, true);
  // Before minutes of measuring: a tuning file that cannot be written fails now, not after them.
  const dir = path.dirname(path.resolve(f.tuning));
  if (!existsSync(f.tuning) && !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new InputError(`--tuning ${f.tuning}: ${dir} is not a directory to write the tuning file into`);
  }
  await writing('--tuning', () => access(existsSync(f.tuning) ? f.tuning : dir, constants.W_OK));
  const engine = engineFingerprint();
  const seen = new Set<string>();
  for (const d of cells) {
    const key = descriptorKey(d);
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = await tuneCell(d, {
      seq: f.seq, batch: d.maxBatch, maxWorkers: f.maxWorkers ?? availableParallelism(), spawn: spawnNodeWorker,
      onProgress: progress(key),
    });
    const plan = Object.entries(entry.plan).map(([k, v]) => `${k}=${v}`).join(' ') || 'the default plan';
    const planMs = entry.planMs ?? entry.ms;
    console.log(`${key} at seq ${f.seq}, batch ${d.maxBatch}: untuned default plan ${entry.defaultMs.toFixed(3)} ms on 1 worker; ` +
      `best plan (${plan}) ${planMs.toFixed(3)} ms (${((entry.defaultMs / planMs - 1) * 100).toFixed(0)}% faster)` +
      (entry.workers > 1 ? `; on ${entry.workers} workers ${entry.ms.toFixed(3)} ms` : '; 1 worker is best'));
    const rest = file.entries.filter((e) => !(e.key === key && e.engine === engine));
    await writing('--tuning', () => writeTuning(f.tuning, { ...file, entries: [...rest, entry] }));
    file.entries.splice(0, file.entries.length, ...rest, entry);
  }
  console.log(`tuning for ${engine} stored in ${f.tuning}; rnnc compile --tuning ${f.tuning} uses it`);
  // Timed as a session here compiles (fused where this engine has relaxed SIMD); an artifact keeps the flavour it is compiled in.
  if (engineRelaxedSimd(undefined)) console.log('  timed with fused multiply-adds (this engine has relaxed SIMD); rnnc compile writes plain SIMD unless --relaxed-simd or --also-fused, and InferenceSession.create fuses here as it did');
}
