/**
 * This machine's ceiling for a case: the least time the usual RNN algorithm can take here, from the
 * probes' compute peak and read bandwidth (a roofline per part of the work). It tells how far each
 * contestant is from what the hardware allows, and whether a target is reachable at all: a speedup
 * over a peer larger than (peer's time / ceiling) is impossible on this machine.
 *
 * Per thread, with the work split evenly (as rnnc's partition plan does):
 *   - input projection (one GEMM over the sequence, W reused by every row): its flops at the peak,
 *     or W's read at the bandwidth for its size if slower (a call of one or a few rows);
 *   - each timestep: the thread's slice of R read at the bandwidth the probe measured for a working
 *     set of that size, or its flops at the peak, whichever is slower;
 *   - a streaming step: its slice of W and R, read once, the same way.
 * Not counted: the cell update, barriers, call overhead. The bandwidth is one core's alone, so with
 * two threads reading past their private L2 (sharing L3 and DRAM) the ceiling is optimistic.
 */
import { gates, type BenchCase } from './cases.js';
import type { MachineProbe } from './peak.js';

/** Read bandwidth (bytes/s) for a working set of `bytes`: log-log interpolation between the probes. */
export function bandwidthAt(m: Pick<MachineProbe, 'bandwidth'>, bytes: number): number {
  const pts = [...m.bandwidth].sort((a, b) => a.bytes - b.bytes);
  if (!pts.length) throw new Error('bench: the machine probe has no bandwidth samples');
  if (bytes <= pts[0].bytes) return pts[0].gbps * 1e9;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1], b = pts[i];
    if (bytes <= b.bytes) {
      const t = Math.log(bytes / a.bytes) / Math.log(b.bytes / a.bytes);
      return Math.exp(Math.log(a.gbps) + t * Math.log(b.gbps / a.gbps)) * 1e9;
    }
  }
  return pts[pts.length - 1].gbps * 1e9;
}

/** Seconds to stream `bytes` (one thread's share) or do `flops` on one core, whichever is slower. */
function roof(m: MachineProbe, bytes: number, flops: number): number {
  return Math.max(bytes / bandwidthAt(m, bytes), flops / (m.mulAddGflops * 1e9));
}

/** The ceiling of case `c` on `threads` threads, in ms (see the file comment). */
export function ceilingMs(c: BenchCase, threads: number, m: MachineProbe): number {
  const G = gates(c.cell), H = c.hidden, I = c.input;
  if (c.kind === 'step') return 1e3 * roof(m, (4 * G * H * (I + H)) / threads, (2 * G * H * (I + H) * c.batch) / threads);
  // W is read at least once per call: a call of a few rows (seq 1) is bound by that read, as a step is.
  const gemm = roof(m, (4 * G * H * I) / threads, (2 * G * H * I * c.seq * c.batch) / threads);
  const step = roof(m, (4 * G * H * H) / threads, (2 * G * H * H * c.batch) / threads);
  return 1e3 * (gemm + c.seq * step);
}
