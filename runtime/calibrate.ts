/**
 * How a session that picked several workers by default makes sure they pay: the planner's table
 * is a cost model of a quiet machine with dedicated cores, and a page's main thread in Chromium, a
 * shared CI runner or a laptop on battery is not one (the LSTM 80/256 streaming step the table puts
 * on 2 workers ran 2-3x slower there than on 1). In rounds of calls, the session alternates, in
 * blocks, between every worker and the calling thread alone (the multi-worker module run as worker
 * 0 of 1, as fast as the single-worker module within the noise), keeps the faster until the next
 * round, and says which and why in its note. A block's first call is not counted: it pays for the
 * switch (waking the pool's threads, or their polling on the core the caller now needs).
 *
 * Rounds start after a warm-up and again later: the first calls run code the engine has not yet
 * optimized (in Chromium a streaming step on the caller alone looked 1.5x slower than on 2 workers
 * over the first calls, and was 3x faster once warm), so the last round decides. While every worker
 * is kept, a round comes back, 64 calls after the last at first, then twice as long after each up
 * to every RECHECK calls: how a session is called changes (back-to-back
 * warm-up calls, then a step every few milliseconds), and so does what its workers cost (in
 * Chromium a streaming step on 2 workers took 0.04 ms back to back, and 0.1-2.5 ms a call for some
 * milliseconds after each pause). Once the caller alone wins (at a later check: twice in a row),
 * the pool stops for good.
 */
import type { CallMode } from './adapt.js';

/** Calls per block of one mode; the first of each is not counted. */
const BLOCK = 4;
/** Counted calls in a round, both modes together. */
export const CALIBRATION_CALLS = 24;
/** Calls per round: 24 counted in blocks of 4. */
const ROUND = (CALIBRATION_CALLS / (BLOCK - 1)) * BLOCK;
/** The calls each round starts at; the first ones warm both modes up. */
export const ROUND_STARTS: readonly number[] = [32, 256];
/** While every worker is kept, the calls between the end of a round and the next check: the first gap and the longest. */
export const FIRST_RECHECK = 64;
export const RECHECK = 512;
/**
 * A later check stops the pool for good at once when the caller alone was this much faster (a
 * change in how the session is called); by a smaller margin only when two checks in a row say so,
 * so that one busy moment of the machine does not.
 */
const CLEAR_LOSS = 1.6;
/**
 * Every worker is kept only when this much faster than the caller alone: on a tie one thread
 * does the work and the other cores stay free for the page and the rest of the machine.
 */
const MARGIN = 1.05;

export class WorkerCalibration {
  private samples: Record<CallMode, number[]> = { all: [], solo: [] };
  private calls = 0;
  private choice: CallMode | null = null;
  private speed = NaN;
  /** The call the last finished round started at. */
  private decidedAt = 0;
  /** Checks in a row, after the rounds of ROUND_STARTS, that found the caller alone faster. */
  private strikes = 0;
  /** The call the next check starts at, and the gap before it. */
  private nextCheck = last() + FIRST_RECHECK;
  private gap = FIRST_RECHECK;

  constructor(
    /** Workers the session runs on when it keeps them all. */
    private readonly workers: number,
    /** Why the planner asked for them (the manifest's reasons), for the note. */
    private readonly planned: string) {}

  /**
   * The decision of the last round, once the rounds of ROUND_STARTS are over (null before); 'all'
   * may still turn 'solo' at a later check, 'solo' is final.
   */
  get settled(): CallMode | null {
    return this.calls >= last() ? this.choice : null;
  }

  /** The mode the next call must run in; null: on every worker, as the pool's chooser says (adapt.ts). */
  next(): CallMode | null {
    const r = this.roundCall();
    if (r >= 0 || this.calls < ROUND_STARTS[0]) return Math.floor(Math.max(r, this.calls) / BLOCK) % 2 === 0 ? 'all' : 'solo';
    return this.choice === 'solo' ? 'solo' : null;
  }

  /**
   * Records a finished call: the mode it ran in, `ms` it took, `steps` timesteps x batch rows.
   * Returns the final decision once every round is over, else null.
   */
  record(mode: CallMode, ms: number, steps: number): CallMode | null {
    const r = this.roundCall();
    this.calls++;
    if (r < 0) return this.settled;
    if (r % BLOCK !== 0) this.samples[mode].push(ms / Math.max(1, steps));
    if (r === ROUND - 1) {
      this.decidedAt = this.calls - ROUND;
      // How many times faster a call on every worker was than on the caller alone (medians).
      this.speed = median(this.samples.solo) / median(this.samples.all);
      this.samples = { all: [], solo: [] };
      const choice = this.speed > MARGIN ? 'all' : 'solo';
      const recheck = this.decidedAt >= last();
      this.strikes = recheck && choice === 'solo' ? this.strikes + 1 : 0;
      this.choice = recheck && choice === 'solo' && this.strikes < 2 && this.speed * CLEAR_LOSS > 1 ? 'all' : choice;
      if (recheck) this.gap = Math.min(RECHECK, 2 * this.gap);
      if (recheck) this.nextCheck = this.calls + this.gap;
    }
    return this.settled;
  }

  /** What the session runs on and why. */
  note(): string {
    if (this.choice === null) return `${this.workers} workers for now (${this.planned}), until calls compare them with 1 worker`;
    const x = `${this.speed.toFixed(2)}x as fast as 1 over ${CALIBRATION_CALLS} calls from call ${this.decidedAt}`;
    const later = this.settled === 'solo' ? '' : this.settled ? `, checked again from call ${this.nextCheck}` : ', to be checked again';
    if (this.choice === 'all' && this.strikes > 0) return `${this.workers} workers, for now: at the check from call ${this.decidedAt} they were ${x.replace(/ from call \d+$/, '')}${later} (${this.planned})`;
    if (this.choice === 'all') return `${this.workers} workers: ${x}${later} (${this.planned})`;
    return `1 worker: ${this.workers} workers were ${x}${later} (${this.planned})`;
  }

  /** The index of the next call within the round it falls in, or -1 outside the rounds. */
  private roundCall(): number {
    for (const s of ROUND_STARTS) if (this.calls >= s && this.calls < s + ROUND) return this.calls - s;
    if (this.choice !== 'all' || this.calls < this.nextCheck || this.calls >= this.nextCheck + ROUND) return -1;
    return this.calls - this.nextCheck;
  }
}

const last = () => ROUND_STARTS[ROUND_STARTS.length - 1] + ROUND;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
