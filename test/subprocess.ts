/** Running the real `rnnc` CLI (bin/rnnc.js over dist/) in a subprocess, for the CLI-level suites. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './paths.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/rnnc.js ...args` in `cwd`; never rejects (a hang past 60 s is killed and reported). */
export function rnnc(args: readonly string[], cwd = REPO_ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(REPO_ROOT, 'bin', 'rnnc.js'), ...args], { cwd, timeout: 60_000 },
      (err, stdout, stderr) => {
        const killed = (err as { killed?: boolean } | null)?.killed;
        resolve({ code: killed ? null : child.exitCode, stdout, stderr: killed ? `killed after 60 s\n${stderr}` : stderr });
      });
  });
}

/** Asserts the CLI failed cleanly: non-zero exit, one `rnnc: <ErrorName>: ...` line naming `parts`, no stack trace. */
export function assertCliError(r: CliResult, errorName: string, ...parts: string[]): void {
  const shown = `exit ${r.code}; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
  assert.ok(r.code !== 0 && r.code !== null, `expected a non-zero exit: ${shown}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines[0].startsWith(`rnnc: ${errorName}: `), `expected 'rnnc: ${errorName}: ...' on stderr: ${shown}`);
  assert.not.ok(/^\s+at /m.test(r.stderr), `a stack trace reached stderr: ${shown}`);
  for (const p of parts) assert.ok(r.stderr.includes(p), `stderr lacks ${JSON.stringify(p)}: ${shown}`);
}

/** A fresh directory under the OS temp dir; remove it with `removeTempDir`. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rnnc-${prefix}-`));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs `f` in a fresh temp directory (`makeTempDir(prefix)`), removed afterwards whatever happens. */
export async function inTempDir(prefix: string, f: (dir: string) => Promise<void>): Promise<void> {
  const dir = makeTempDir(prefix);
  try {
    await f(dir);
  } finally {
    removeTempDir(dir);
  }
}
