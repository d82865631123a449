/** Running a module script in a child Node with relaxed SIMD (the flag on Node 20/21), for the suites that need it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { detectFeatures } from '../runtime/features.js';

/** The flags a child Node needs for relaxed SIMD: none where this one has it, null where no flag turns it on. */
export function relaxedFlags(): string[] | null {
  if (detectFeatures().relaxedSimd) return [];
  const major = Number(process.versions.node.split('.')[0]);
  return major === 20 || major === 21 ? ['--experimental-wasm-relaxed-simd'] : null;
}

/** Runs `script` (an ES module) in a child Node with `flags` and `args`; its stdout parsed as JSON. */
export async function childJson<T>(flags: readonly string[], script: string, ...args: string[]): Promise<T> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--input-type=module', '-e', script, ...args], { timeout: 60_000 });
    return JSON.parse(stdout) as T;
  } catch (e) {
    throw new Error(`the child Node failed: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
}
