/**
 * Which way a multi-worker session runs its next call: on all its workers, or on the calling thread
 * alone. Workers meet at a barrier every timestep, so one that loses its core (another busy process,
 * a hypervisor taking the CPU) stalls them all: with one CPU hog beside it, LSTM 256/256 seq 100 on 2
 * workers took 10-11 ms against 2.6-3.2 ms on 1. The session times its calls, per timestep and batch
 * row, and runs the next one the way that has been faster lately; now and then it tries the other
 * way again, less often each time that way loses, so a quiet machine pays about one slower call in
 * 64 and a machine that gets quiet again is noticed within a few calls of the next try.
 */

export type CallMode = 'all' | 'solo';

/**
 * Samples kept per mode; its estimate is their lower quartile (the second fastest of five): what
 * the mode does when the host leaves it alone. This host has hiccups of one to three slow calls
 * (GRU 256/256 on 2 workers: 1.25, 5.61, 1.22, 4.18, 1.25, 2.74 ms); a median of three switched on
 * two of them, a median of five on three (LSTM 64/64 seq 100 on 2 workers, 0.105 ms a call against
 * 0.164 on the caller alone, ran 542 of 2681 bench calls alone). A core taken for good slows every
 * call, and four slow calls of five switch.
 */
const KEEP = 5;
/** Calls between tries of the other mode: the first gap, and the longest. */
const FIRST_GAP = 8;
const LONGEST_GAP = 64;
/** The current mode is left only when it is this much slower than the other. */
const HYSTERESIS = 1.1;
/**
 * Counted calls a try must win before it switches. Leaving all workers takes two faster calls on
 * the caller alone, not one lucky one; coming back takes one (after the uncounted wake-up call):
 * all workers is the mode that wins on a quiet machine, and in the bench, where the peers' threads
 * keep the cores busy for a moment after their rounds, requiring two there kept LSTM and GRU 64/64
 * on the caller alone for 1471 of 3018 and 4338 of 9226 calls.
 */
const TRY_CALLS: Record<CallMode, number> = { all: 1, solo: 2 };

export class CallModeChooser {
  private readonly samples: Record<CallMode, number[]> = { all: [], solo: [] };
  private mode: CallMode = 'all';
  private gap = FIRST_GAP;
  private sinceTry = 0;
  /**
   * The first call of a try of all workers is not counted: after calls on the caller alone the pool's
   * threads are asleep, and waking them costs more than a short call (a streaming step) takes.
   */
  private warmNext = true;
  /** A try of the other mode is under way (its calls so far were faster). */
  private trying = false;

  /** The mode the next call runs in. */
  next(): CallMode {
    if (this.samples[this.mode].length === 0) return this.mode;
    return this.sinceTry >= this.gap ? other(this.mode) : this.mode;
  }

  /** Records a finished call: `mode` it ran in, `ms` it took, `steps` timesteps x batch rows. */
  record(mode: CallMode, ms: number, steps: number): void {
    const x = ms / Math.max(1, steps);
    if (mode !== this.mode) {
      if (mode === 'all' && this.warmNext) {
        this.warmNext = false; // sinceTry stays past the gap: the next call tries again, counted
        return;
      }
      // A try of the other way: its old samples are stale, this call is news. The try goes on
      // (next() keeps choosing it while sinceTry stays past the gap) while its calls are faster.
      const s = this.trying ? this.samples[mode] : (this.samples[mode] = []);
      s.push(x);
      const faster = x * HYSTERESIS < this.estimate(this.mode);
      if (faster && s.length < TRY_CALLS[mode]) {
        this.trying = true;
        return;
      }
      this.trying = false;
      this.warmNext = true;
      this.sinceTry = 0;
      if (faster) {
        this.mode = mode;
        this.gap = FIRST_GAP;
      } else {
        // The call that ended the try stands for the other mode until the next try (a lucky first
        // call kept among its samples would switch at the next slow call of this mode).
        this.samples[mode] = [x];
        this.gap = Math.min(LONGEST_GAP, this.gap * 2);
      }
      return;
    }
    this.sinceTry++;
    const s = this.samples[mode];
    s.push(x);
    if (s.length > KEEP) s.shift();
    const alt = other(mode);
    if (this.samples[alt].length && this.estimate(mode) > HYSTERESIS * this.estimate(alt)) {
      this.mode = alt;
      this.sinceTry = 0;
      this.gap = FIRST_GAP;
    }
  }

  /** Lower quartile of the ms per step of a mode's recent calls (Infinity before its first). */
  estimate(mode: CallMode): number {
    return this.estimateOf(this.samples[mode]);
  }

  private estimateOf(samples: readonly number[]): number {
    const s = [...samples].sort((a, b) => a - b);
    return s.length ? s[s.length >> 2] : Infinity;
  }

  get current(): CallMode {
    return this.mode;
  }
}

const other = (m: CallMode): CallMode => (m === 'all' ? 'solo' : 'all');
