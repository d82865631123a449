// The audio thread's part of the voice-activity view: mixes the microphone down to mono, brings it to
// 16 kHz (the mean of the input samples each output sample's period covers, as vad-web's resampler
// does; the view never runs a context below 16 kHz) and posts 512-sample frames to the port the view
// hands it, whose other end is in the VAD worker: frames never pass through the page's main thread.

const RATE = 16000;
const FRAME = 512;

class VadFrames extends AudioWorkletProcessor {
  constructor() {
    super();
    this.inRate = sampleRate; // the context's rate, a global of the worklet scope
    this.seen = 0;            // input samples so far: integer arithmetic keeps the resampler exact over hours
    this.slot = 0;            // the output sample being summed
    this.sum = 0;
    this.count = 0;
    this.frame = new Float32Array(FRAME);
    this.filled = 0;
    this.running = true;
    this.out = this.port; // until the view hands over the VAD worker's port
    this.port.onmessage = (e) => {
      if (e.data === 'stop') this.running = false;
      else if (e.data?.frames) this.out = e.data.frames;
    };
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return this.running;
    const n = channels[0].length;
    for (let i = 0; i < n; i++) {
      let x = 0;
      for (const c of channels) x += c[i];
      this.take(x / channels.length);
    }
    return this.running;
  }

  take(x) {
    const slot = Math.floor((this.seen++ * RATE) / this.inRate);
    if (slot !== this.slot && this.count > 0) {
      this.emit(this.sum / this.count);
      this.sum = 0;
      this.count = 0;
    }
    this.slot = slot;
    this.sum += x;
    this.count++;
  }

  emit(y) {
    this.frame[this.filled++] = y;
    if (this.filled < FRAME) return;
    this.out.postMessage(this.frame, [this.frame.buffer]);
    this.frame = new Float32Array(FRAME);
    this.filled = 0;
  }
}

registerProcessor('vad-frames', VadFrames);
