/**
 * How a session that picked several workers by default makes sure they pay: the planner's table
 * is a cost model of a quiet machine with dedicated cores, and a page's main thread in Chromium, a
 * shared CI runner or a laptop on battery is not one (the LSTM 80/256 streaming step the table puts
 * on 2 workers ran 2-3x slower there than on 1). Its first calls alternate, in blocks, between every
 * worker and the calling thread alone (the multi-worker module run as worker 0 of 1, as fast as the
 * single-worker module within the noise); the session then settles on the faster one, and says
 * which and why in its note. A block's first call is not counted: it pays for the switch (waking the
 * pool's threads, or their polling on the core the caller now needs).
 */
import type { CallMode } from './adapt.js';

/** Calls per block of one mode; the first of each is not counted. */
const BLOCK = 4;
/** Counted calls before settling, both modes together. */
export const CALIBRATION_CALLS = 24;
/**
 * Every worker is kept only when this much faster than the caller alone: on a tie one thread
 * does the work and the other cores stay free for the page and the rest of the machine.
 */
const MARGIN = 1.05;

export class WorkerCalibration {
  private readonly samples: Record<CallMode, number[]> = { all: [], solo: [] };
  private calls = 0;
  private choice: CallMode | null = null;

  constructor(
    /** Workers the session runs on when it keeps them all. */
    private readonly workers: number,
    /** Why the planner asked for them (the manifest's reasons), for the note. */
    private readonly planned: string) {}

  /** The settled mode, or null while calibrating. */
  get settled(): CallMode | null {
    return this.choice;
  }

  /** The mode of the next call while calibrating. */
  next(): CallMode {
    return Math.floor(this.calls / BLOCK) % 2 === 0 ? 'all' : 'solo';
  }

  /**
   * Records a finished call run in `mode` (as next() said): `ms` it took, `steps` timesteps x batch
   * rows. Returns the settled mode, or null while calibrating.
   */
  record(mode: CallMode, ms: number, steps: number): CallMode | null {
    if (this.choice) return this.choice;
    if (this.calls % BLOCK !== 0) this.samples[mode].push(ms / Math.max(1, steps));
    this.calls++;
    if (this.samples.all.length + this.samples.solo.length < CALIBRATION_CALLS) return null;
    this.choice = this.speedup() > MARGIN ? 'all' : 'solo';
    return this.choice;
  }

  /** How many times faster a call on every worker was than on the caller alone (medians). */
  speedup(): number {
    return median(this.samples.solo) / median(this.samples.all);
  }

  /** What the session runs on and why. */
  note(): string {
    const x = `${this.speedup().toFixed(2)}x as fast as 1 over ${CALIBRATION_CALLS} of the first calls`;
    if (this.choice === 'all') return `${this.workers} workers: ${x} (${this.planned})`;
    if (this.choice === 'solo') return `1 worker: ${this.workers} workers were ${x} (${this.planned})`;
    return `${this.workers} workers for now (${this.planned}), until the first calls compare them with 1 worker`;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
