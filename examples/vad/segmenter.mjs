// Speech segments from per-frame speech probabilities, with the rules and defaults of
// @ricky0123/vad-web's frame processor (its defaultFrameProcessorOptions): a frame at or above
// positiveSpeechThreshold is speech and starts a segment; once speaking, a run of redemptionMs of
// frames below negativeSpeechThreshold ends it (a speech frame resets the run); a segment with fewer
// than minSpeechMs of speech frames is a misfire and dropped; the audio handed over starts up to
// preSpeechPadMs before the first speech frame. Plain JavaScript without imports: Node's example,
// the tests and the browser demo all run this one file.

/** vad-web's defaults for Silero v5/v6. */
export const DEFAULTS = Object.freeze({
  positiveSpeechThreshold: 0.3,
  negativeSpeechThreshold: 0.25,
  redemptionMs: 1400,
  preSpeechPadMs: 800,
  minSpeechMs: 400,
});

/**
 * A streaming segmenter: `push(p)` takes the next frame's speech probability and returns the segment
 * that frame ended, or null; `finish()` closes the segment still open at the end of the audio.
 * A segment is { start, end, audioStart, speechFrames } in seconds (speechFrames: a count), where
 * start is the first speech frame, end the end of the frame where the redemption ran out (so it
 * includes that trailing quiet, as vad-web's segments do) and audioStart the start of the pre-speech
 * pad vad-web hands over with the audio.
 */
export class Segmenter {
  constructor({ frameSamples = 512, sampleRate = 16000, ...options } = {}) {
    const o = { ...DEFAULTS, ...options };
    if (!(o.positiveSpeechThreshold >= 0 && o.positiveSpeechThreshold <= 1)) throw new RangeError(`positiveSpeechThreshold is ${o.positiveSpeechThreshold}; expected 0..1`);
    if (!(o.negativeSpeechThreshold >= 0 && o.negativeSpeechThreshold <= o.positiveSpeechThreshold)) throw new RangeError(`negativeSpeechThreshold is ${o.negativeSpeechThreshold}; expected 0..positiveSpeechThreshold`);
    const msPerFrame = (frameSamples / sampleRate) * 1000;
    this.options = o;
    this.secondsPerFrame = msPerFrame / 1000;
    this.redemptionFrames = Math.floor(o.redemptionMs / msPerFrame);
    this.padFrames = Math.floor(o.preSpeechPadMs / msPerFrame);
    this.minSpeechFrames = Math.floor(o.minSpeechMs / msPerFrame);
    this.frame = 0;            // index of the next frame
    this.speaking = false;
    this.startFrame = 0;       // first speech frame of the open segment
    this.audioStartFrame = 0;  // first frame of the audio kept for it (the pad)
    this.speechFrames = 0;
    this.quietFrames = 0;      // the redemption run
    this.lastEnd = 0;          // frames before this were handed over already: the pad never reaches back past them
  }

  push(p) {
    const i = this.frame++;
    const isSpeech = p >= this.options.positiveSpeechThreshold;
    if (isSpeech) {
      this.speechFrames++;
      this.quietFrames = 0;
      if (!this.speaking) {
        this.speaking = true;
        this.startFrame = i;
        this.audioStartFrame = Math.max(this.lastEnd, i - this.padFrames);
      }
    }
    if (this.speaking && p < this.options.negativeSpeechThreshold && ++this.quietFrames >= this.redemptionFrames) {
      return this.close(i + 1);
    }
    return null;
  }

  finish() {
    return this.speaking ? this.close(this.frame) : null;
  }

  /** Ends the open segment before frame `end`; returns it, or null for a misfire. */
  close(end) {
    const s = { start: this.startFrame, end, audioStart: this.audioStartFrame, speechFrames: this.speechFrames };
    this.speaking = false;
    this.speechFrames = 0;
    this.quietFrames = 0;
    this.lastEnd = end;
    if (s.speechFrames < this.minSpeechFrames) return null;
    const t = this.secondsPerFrame;
    return { start: s.start * t, end: s.end * t, audioStart: s.audioStart * t, speechFrames: s.speechFrames };
  }
}

/** All speech segments of a recording from its per-frame probabilities (see Segmenter). */
export function findSegments(probabilities, options = {}) {
  const seg = new Segmenter(options);
  const out = [];
  for (const p of probabilities) {
    const s = seg.push(p);
    if (s) out.push(s);
  }
  const last = seg.finish();
  if (last) out.push(last);
  return out;
}
