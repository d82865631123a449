/**
 * CPU hogs: busy processes beside the benchmark, standing in for the other work a user's machine
 * runs (another tab, a build). `--hog N` keeps N of them spinning for the whole run, so the cost of
 * a busy core, and what the adaptive call mode of multi-worker sessions saves there
 * (runtime/adapt.ts), can be measured and reproduced.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Hogs {
  readonly count: number;
  /** Their process ids. */
  readonly pids: readonly number[];
  /** Stops every hog (idempotent). */
  stop(): void;
}

/** Starts `count` busy processes; they die with this process too (an exit handler kills them). */
export async function startHogs(count: number): Promise<Hogs> {
  if (!Number.isInteger(count) || count < 0) throw new Error(`--hog: expected a whole number of busy processes, got ${count}`);
  const kids: ChildProcess[] = [];
  const stop = () => {
    for (const k of kids) if (k.exitCode === null && k.signalCode === null) k.kill('SIGKILL');
    process.off('exit', stop);
  };
  process.on('exit', stop);
  for (let i = 0; i < count; i++) {
    // A plain busy loop; it also stops itself if this process vanishes without running its exit handler.
    const kid = spawn(process.execPath, ['-e', `const p = ${process.pid}; for (let n = 0; ; n++) if ((n & 0xffffff) === 0) { try { process.kill(p, 0); } catch { process.exit(0); } }`], { stdio: 'ignore' });
    kids.push(kid);
  }
  await Promise.all(kids.map((k) => new Promise<void>((resolve, reject) => {
    k.once('spawn', () => resolve());
    k.once('error', (e) => reject(new Error(`--hog: cannot start a busy process: ${e.message}`)));
  }))).catch((e: unknown) => { stop(); throw e; });
  // Let them reach their loop (node's start-up) before anything is timed.
  await new Promise((r) => setTimeout(r, 300));
  return { count, pids: kids.map((k) => k.pid!), stop };
}
