// Silero VAD v5/v6 frame by frame, fed as @ricky0123/vad-web feeds it: each 512-sample frame at
// 16 kHz goes in behind the last 64 samples of the frame before (the context, zeros at first), with
// the recurrent state from the previous call and sr = 16000 as an int64 tensor. `lib` is anything
// with onnxruntime's InferenceSession and Tensor: rnnc (Node or browser), onnxruntime-node or -web.

export const FRAME_SAMPLES = 512;
export const CONTEXT_SAMPLES = 64;
export const SAMPLE_RATE = 16000;

export class SileroVad {
  /** Opens `model` (a path or URL for lib's InferenceSession.create) with `options`. */
  static async create(lib, model, options) {
    return new SileroVad(lib, await lib.InferenceSession.create(model, options));
  }

  constructor(lib, session) {
    this.lib = lib;
    this.session = session;
    this.sr = new lib.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), [1]);
    this.input = new Float32Array(CONTEXT_SAMPLES + FRAME_SAMPLES);
    this.reset();
  }

  /** Back to silence: zero state and context. */
  reset() {
    this.state = new this.lib.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
    this.input.fill(0);
  }

  /** The speech probability of one 512-sample frame. */
  async process(frame) {
    if (frame.length !== FRAME_SAMPLES) throw new RangeError(`a frame has ${frame.length} samples; expected ${FRAME_SAMPLES}`);
    this.input.copyWithin(0, FRAME_SAMPLES); // the last 64 samples of the frame before
    this.input.set(frame, CONTEXT_SAMPLES);
    // A fresh copy per call: a runtime may keep the feed until the call completes.
    const input = new this.lib.Tensor('float32', this.input.slice(), [1, CONTEXT_SAMPLES + FRAME_SAMPLES]);
    const out = await this.session.run({ input, state: this.state, sr: this.sr });
    this.state = out.stateN;
    return out.output.data[0];
  }

  async release() {
    await this.session.release?.();
  }
}

/** The whole frames of 16 kHz mono samples (a partial last frame is left out, as vad-web does). */
export function* frames(samples) {
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) yield samples.subarray(at, at + FRAME_SAMPLES);
}
