/**
 * `rnnc bench [PATTERNS] | --cell lstm --input 256 --hidden 256 [--seq 100]`: the side-by-side
 * benchmark. It lives in bench/ (its peers are dev dependencies), which product code never imports:
 * this command runs it as a child process, `node dist/bench/run.js`, with the flags translated.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  /** Write the committed bench/results instead of a new folder of its own. */
  updateResults?: boolean;
}

/** The benchmark's entry, built next to this package's CLI (an rnnc checkout; not in the npm package). */
const BENCH = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

/** The arguments of `node dist/bench/run.js` for these flags. */
export function benchArgs(patterns: readonly string[], f: BenchFlags): string[] {
  if (patterns.some((p) => p.endsWith('.onnx') || existsSync(p))) {
    throw new InputError('rnnc bench compares cell shapes with onnxruntime-web and TensorFlow.js (--cell/--input/--hidden, or case ids from --list); to time a whole model use `rnnc run MODEL --time`');
  }
  const args: string[] = [];
  if (f.cell || f.input || f.hidden) {
    if ((f.cell !== 'lstm' && f.cell !== 'gru') || !f.input || !f.hidden) throw new InputError('rnnc bench --cell lstm|gru needs --input and --hidden');
    args.push('--cell', f.cell, '--input', String(f.input), '--hidden', String(f.hidden), '--seq', String(f.seq), '--batch', String(f.batch ?? 1));
  }
  if (patterns.length) args.push('--filter', patterns.join(','));
  if (f.quick) args.push('--quick');
  if (f.peers) args.push('--peers', f.peers);
  if (f.hog) args.push('--hog', String(f.hog));
  if (!f.write && f.updateResults) throw new InputError('rnnc bench: --no-write and --update-results contradict each other; give one');
  if (!f.write) args.push('--no-write');
  if (f.updateResults) args.push('--update');
  return args;
}

export async function benchCommand(patterns: string[], f: BenchFlags): Promise<void> {
  const args = benchArgs(patterns, f);
  if (!existsSync(BENCH)) {
    throw new InputError(`rnnc bench runs ${BENCH}, which is missing: it comes with an rnnc checkout (npm install && npm run build), with the peers as dev dependencies`);
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [BENCH, ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) process.exitCode = code ?? 1;
}
