/** The machine model the planner decides against: cores, cache, compute and the costs of sharing work. */

/** The machine model the choice is made against. */
export interface MachineModel {
  /** Private L2 bytes per core (not observable from wasm; 512 KiB is typical of current x64 cores). */
  readonly l2Bytes: number;
  /** Sustained f32x4 mul+add rate of one core, GFLOP/s (measured on the CI machine's cores). */
  readonly gflops: number;
  /** Cost of one barrier among the workers, microseconds (cache-line handoff, spin, futex wake). */
  readonly barrierUs: number;
  /** The cell update (activations, state) per hidden unit and timestep, nanoseconds. */
  readonly updateNsPerUnit: number;
  /**
   * What a call pays to start and collect its other workers, microseconds: a few tens in Node (the
   * caller computes a share, the others poll for the next call), a few hundred in a browser page
   * (the main thread cannot block: it awaits DONE through the event loop). A recommendation must
   * hold for both, since one artifact serves both.
   */
  readonly callUs: number;
  /** The sequence length the choice is made for (calls of one step pay callUs per step). */
  readonly seq: number;
  /**
   * Throughput of two busy threads over one (bench/parallel.ts), as a fraction of the ideal 2x:
   * 1 on dedicated cores, near 0.5 where the "cores" share one physical core.
   */
  readonly parallelEfficiency: number;
}

/**
 * Measured on the CI machine (2 vCPUs, AMD EPYC, Node 20; bench/parallel.ts): two busy threads run
 * at twice the rate of one; with the calling thread computing worker 0's share (no third thread
 * competing for the cores) a barrier and a tiny step cost 0.3 us per timestep, taken as 0.5 here;
 * 2 workers reach 1.7-2.1x on LSTM 256/256 and 1.2-1.6x on GRU 256/256 (two barriers per step).
 * The cell update took 0.2 ms of LSTM 4/256's 1.5 ms (100 steps): about 8 ns per unit and step.
 * A streaming step of the demo's LSTM 128 took 0.03 ms on 1 worker and 0.5-0.8 ms on 2 in Chromium
 * (0.06 ms in Node): per call, 2 workers cost about 200 us more where the caller awaits them.
 */
export const DEFAULT_MACHINE: MachineModel = { l2Bytes: 1024 * 1024, gflops: 35, barrierUs: 0.5, updateNsPerUnit: 8, callUs: 200, seq: 100, parallelEfficiency: 0.9 };
