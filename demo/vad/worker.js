// The voice-activity view's worker: runs Silero v5 (compiled by rnnc, ./silero_v5/) with the browser
// runtime on every 512-sample frame that arrives on the worklet's port, segments the probabilities
// with vad-web's rules, and tells the page each frame's probability, its latency and every segment.
// Frames are handled one at a time in arrival order: Silero's state runs from frame to frame.
import * as rnnc from '/rnnc/rnnc.js';
import { SileroVad } from './silero.mjs';
import { Segmenter } from './segmenter.mjs';

let vad = null;
let segmenter = null;
let frame = 0;
let queue = Promise.resolve();

const fail = (e) => postMessage({ type: 'error', message: `${e?.name ?? 'Error'}: ${e?.message ?? e}` });

async function start(port) {
  vad ??= await SileroVad.create(rnnc, new URL('./silero_v5/', import.meta.url), { workers: 1 });
  vad.reset();
  segmenter = new Segmenter();
  frame = 0;
  postMessage({ type: 'ready', workers: vad.session.workers, kernels: vad.session.manifest?.kernels ?? [] });
  port.onmessage = (e) => { queue = queue.then(() => step(e.data)).catch(fail); };
}

async function step(samples) {
  const t0 = performance.now();
  const p = await vad.process(samples);
  const ms = performance.now() - t0;
  const segment = segmenter.push(p);
  // openFrom: the first speech frame of the segment still open, so the page can shade it as it grows.
  postMessage({ type: 'frame', frame: frame++, p, ms, segment, openFrom: segmenter.speaking ? segmenter.startFrame : null });
}

onmessage = (e) => {
  const m = e.data;
  if (m.type === 'start') start(m.port).catch(fail);
  else if (m.type === 'stop') {
    queue = queue.then(() => {
      const segment = segmenter?.finish();
      postMessage({ type: 'stopped', segment });
    }).catch(fail);
  }
};
