/** A stream of steps over a session (ArtifactSession.stream): the state it owns between its steps. */
import type { Engine } from './engine.js';
import type { StateSnapshot } from './state.js';
import type { Tensor } from './tensor.js';

type Step = (feeds: Readonly<Record<string, Tensor>>, stream: StepStream) => Promise<Record<string, Tensor>>;

/** Streaming steps over one session's RNN state (see ArtifactSession.stream). */
export class StepStream {
  /** @internal the engine this stream's state lives with, once a step ran (null: the next step starts fresh). */
  engine: Engine | null = null;
  /** @internal its state, while another call has the engine's memory. */
  saved: StateSnapshot | null = null;
  /** @internal a step failed inside the module: the state is half updated. */
  lost = false;

  /** @internal made by ArtifactSession.stream. */
  constructor(private readonly runStep: Step) {}

  /** Whether a step ran since the last reset. */
  get started(): boolean {
    return this.engine !== null;
  }

  /**
   * Runs the next timestep(s); the state carries over from this stream's previous step, so the
   * first step's batch is the stream's, and a later step takes no initial state input (an
   * InputError names it).
   */
  step(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    return this.runStep(feeds, this);
  }

  /** The next step starts from the initial state again. */
  reset(): void {
    this.engine = null;
    this.saved = null;
    this.lost = false;
  }
}
