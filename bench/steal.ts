/**
 * CPU time the hypervisor took from this VM ("steal" in /proc/stat), as a share of the wall time
 * of all CPUs: on a shared host it is the load that load averages do not show, and a 2-worker
 * contestant, whose threads meet at a barrier every step, loses to it far more than a 1-worker one.
 * Linux only; elsewhere null.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** A reading: steal jiffies (1/100 s) of all CPUs, and when. */
export interface StealMark {
  readonly jiffies: number;
  readonly atMs: number;
}

export function stealMark(): StealMark | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    // cpu user nice system idle iowait irq softirq steal ...
    const steal = Number(cpu[8]);
    return cpu[0] === 'cpu' && Number.isFinite(steal) ? { jiffies: steal, atMs: performance.now() } : null;
  } catch {
    return null;
  }
}

/** Percent of the CPUs' time stolen between two marks, or null when unknown. */
export function stealPercent(from: StealMark | null, to: StealMark | null = stealMark()): number | null {
  if (!from || !to || to.atMs <= from.atMs) return null;
  const cpuMs = (to.atMs - from.atMs) * os.availableParallelism();
  return (100 * (to.jiffies - from.jiffies) * 10) / cpuMs;
}
