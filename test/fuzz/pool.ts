/**
 * A pool of long-lived fuzzing children (child.ts), each handling many jobs in turn. Each child runs
 * with a V8 heap cap (--max-old-space-size); each job with limits on the CPU time and the wall time
 * it may take and on the child's resident memory, which also counts what the heap cap does not
 * (wasm memories, array buffers). A child that hangs, crashes or runs out of memory is killed and a
 * fresh one takes the next job; so is one after any failure, so that no state of a failed job leaks
 * into the next.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Job, JobReport } from './child.js';
import { isFailure, type Outcome } from './outcome.js';

export interface PoolOptions {
  /** Children at once. */
  readonly jobs: number;
  /**
   * CPU time a job (compile and runs together) may use before it counts as a hang. CPU time, not
   * wall time, so that a machine busy with other work does not turn slow compiles into hangs.
   */
  readonly cpuLimitMs: number;
  /** Wall time a job may take: the limit for hangs that sleep (a wait that never ends), and where CPU time cannot be read. */
  readonly wallLimitMs: number;
  /** The children's V8 heap cap (MiB). */
  readonly heapMb: number;
  /** The children's resident memory cap (MiB). */
  readonly rssMb: number;
  /** A child is replaced after this many jobs, failures or not. */
  readonly recycleAfter: number;
}

export const DEFAULT_POOL: PoolOptions = { jobs: 2, cpuLimitMs: 20_000, wallLimitMs: 180_000, heapMb: 1024, rssMb: 3072, recycleAfter: 100 };
/** How often a running job's CPU time and memory are read. */
const POLL_MS = 100;
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (ms) and resident memory (MiB) of process `pid` from Linux's /proc, or null elsewhere. */
function usage(pid: number): { cpuMs: number; rssMb: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND, rssMb: rss ? Number(rss[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

type Kill = { readonly why: 'hang' | 'oom'; readonly message: string };

/** How a child's death reads: a limit it went past (our kill), V8's out-of-memory message, or a crash. */
function death(killed: Kill | null, code: number | null, signal: string | null, stderr: string, opts: PoolOptions): Outcome {
  const tail = stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' | ').slice(0, 400);
  if (killed) return { cls: killed.why, name: killed.why === 'oom' ? 'RSS' : '', message: killed.message, where: '' };
  if (/heap out of memory|Reached heap limit|out of memory/i.test(stderr)) {
    return { cls: 'oom', name: 'heap', message: `V8 heap above ${opts.heapMb} MiB: ${tail}`, where: '' };
  }
  return { cls: 'crash', name: signal ?? `exit ${code}`, message: tail || '(nothing on stderr)', where: '' };
}

class Child {
  private readonly proc: ChildProcess;
  private stderr = '';
  readonly ready: Promise<void>;
  handled = 0;

  constructor(private readonly opts: PoolOptions) {
    this.proc = fork(CHILD, ['--fuzz-child'], {
      execArgv: [`--max-old-space-size=${opts.heapMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.proc.stderr!.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-8192); });
    this.ready = new Promise((resolve, reject) => {
      this.proc.once('message', () => resolve());
      this.proc.once('exit', (code) => reject(new Error(`fuzz child exited (code ${code}) before it was ready:\n${this.stderr}`)));
    });
  }

  /** Runs one job; a dead child's report says why it died. */
  run(job: Job): Promise<{ report: JobReport | null; outcome: Outcome }> {
    this.handled++;
    this.stderr = '';
    const pid = this.proc.pid!;
    const cpuAtStart = usage(pid)?.cpuMs ?? 0;
    return new Promise((resolve) => {
      let killed: Kill | null = null;
      const kill = (k: Kill) => {
        killed = k;
        this.proc.kill('SIGKILL');
      };
      const { cpuLimitMs, wallLimitMs, rssMb } = this.opts;
      const timer = setTimeout(() => kill({ why: 'hang', message: `no answer within ${wallLimitMs / 1000} s` }), wallLimitMs);
      const watch = setInterval(() => {
        const u = usage(pid);
        if (!u || killed) return;
        // Memory first: a job that filled memory past the limit also spent CPU time doing it (page
        // faults count), and on a loaded machine both limits can be past at the same poll.
        if (u.rssMb > rssMb) kill({ why: 'oom', message: `resident memory above ${rssMb} MiB` });
        else if (u.cpuMs - cpuAtStart > cpuLimitMs) kill({ why: 'hang', message: `no answer after ${cpuLimitMs / 1000} s of CPU time` });
      }, POLL_MS);
      const done = () => {
        clearTimeout(timer);
        clearInterval(watch);
        this.proc.off('message', onMessage);
        this.proc.off('exit', onExit);
      };
      const onMessage = (m: { type: string; report: JobReport }) => {
        if (m.type !== 'done' || killed) return;
        done();
        resolve({ report: m.report, outcome: m.report.outcome });
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        resolve({ report: null, outcome: death(killed, code, signal, this.stderr, this.opts) });
      };
      this.proc.on('message', onMessage);
      this.proc.on('exit', onExit);
      this.proc.send(job);
    });
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  stop(): void {
    if (this.alive) this.proc.kill('SIGKILL');
  }
}

/**
 * Runs `jobs` on the pool, calling `onReport` for each as it ends (in completion order). A job whose
 * child died gets a report with the job's outcome only; the caller knows the job.
 */
export async function runJobs(
  jobs: readonly Job[], opts: PoolOptions, onReport: (job: Job, report: JobReport | null, outcome: Outcome, ms: number) => void,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    let child: Child | null = null;
    try {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (!child || !child.alive || child.handled >= opts.recycleAfter) {
          child?.stop();
          child = new Child(opts);
          await child.ready;
        }
        const t0 = performance.now();
        const { report, outcome } = await child.run(job);
        const ms = performance.now() - t0;
        if (isFailure(outcome)) {
          child.stop();
          child = null;
        }
        onReport(job, report, outcome, ms);
      }
    } finally {
      child?.stop();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, jobs.length)) }, lane));
}
