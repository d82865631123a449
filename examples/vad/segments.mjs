#!/usr/bin/env node
// Voice activity detection with Silero VAD v5 compiled by rnnc: prints the speech segments of a WAV
// file (vad-web's default thresholds) and the per-frame latency.
//   npm run build && node examples/vad/segments.mjs examples/vad/speech.wav
// Options: --model FILE.onnx (default: vad-web's silero_vad_v5.onnx), --probs (print every frame's
// probability too).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InferenceSession, Tensor } from 'rnnc';
import { decodeWav16k } from './wav.mjs';
import { SileroVad, frames, FRAME_SAMPLES, SAMPLE_RATE } from './silero.mjs';
import { findSegments, DEFAULTS } from './segmenter.mjs';

const WARM_UP = 50; // frames left out of the latency: TurboFan tiers the module up meanwhile

function usage(message) {
  console.error(`${message}\nusage: node examples/vad/segments.mjs FILE.wav [--model FILE.onnx] [--probs]`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { file: null, model: null, probs: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--probs') o.probs = true;
    else if (a === '--model') o.model = argv[++i] ?? usage('--model needs a file');
    else if (a.startsWith('-')) usage(`unknown flag ${a}`);
    else if (o.file) usage(`one WAV file only (got ${o.file} and ${a})`);
    else o.file = a;
  }
  if (!o.file) usage('no WAV file given');
  return o;
}

/** vad-web's copy of the model, found the way Node resolves the package. */
function defaultModel() {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist', 'silero_vad_v5.onnx');
  } catch {
    return usage('no model: @ricky0123/vad-web (which ships silero_vad_v5.onnx) is not installed here; pass --model FILE.onnx');
  }
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const samples = decodeWav16k(new Uint8Array(await readFile(o.file)), o.file);
  const vad = await SileroVad.create({ InferenceSession, Tensor }, o.model ?? defaultModel());
  const probs = [], ms = [];
  for (const frame of frames(samples)) {
    const t0 = performance.now();
    probs.push(await vad.process(frame));
    ms.push(performance.now() - t0);
  }
  await vad.release();

  const secs = (t) => t.toFixed(2).padStart(6);
  console.log(`${o.file}: ${(samples.length / SAMPLE_RATE).toFixed(2)} s, ${probs.length} frames of ${FRAME_SAMPLES} samples at ${SAMPLE_RATE} Hz`);
  if (o.probs) probs.forEach((p, i) => console.log(`  frame ${String(i).padStart(4)} ${secs(i * FRAME_SAMPLES / SAMPLE_RATE)} s  ${p.toFixed(4)}`));
  const segments = findSegments(probs);
  console.log(`speech segments (positive ${DEFAULTS.positiveSpeechThreshold}, negative ${DEFAULTS.negativeSpeechThreshold}, redemption ${DEFAULTS.redemptionMs} ms, min speech ${DEFAULTS.minSpeechMs} ms):`);
  if (segments.length === 0) console.log('  none');
  for (const s of segments) console.log(`  ${secs(s.start)} s - ${secs(s.end)} s  (audio from ${s.audioStart.toFixed(2)} s with the ${DEFAULTS.preSpeechPadMs} ms pre-speech pad)`);
  const timed = ms.slice(Math.min(WARM_UP, Math.floor(ms.length / 2))).sort((a, b) => a - b);
  console.log(`per-frame latency (feeds + session.run, ${timed.length} frames after ${ms.length - timed.length} warm-up): median ${quantile(timed, 0.5).toFixed(3)} ms, p90 ${quantile(timed, 0.9).toFixed(3)} ms`);
}

main().catch((e) => {
  console.error(`${e.name ?? 'Error'}: ${e.message ?? e}`);
  process.exit(1);
});
