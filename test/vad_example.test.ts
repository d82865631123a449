/**
 * The voice-activity example (examples/vad/): on its committed recording, Silero v5 and v6 run by
 * rnnc frame by frame as vad-web feeds them give every frame's speech probability within 1e-5 of
 * onnxruntime-node's, the same speech segments, and segments where the recording's script put speech
 * (examples/vad/speech.json). Below that: the segmenter's rules on made-up probabilities, and the
 * example's WAV reader.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import { InferenceSession, Tensor } from '../api/node.js';
import { REPO_ROOT } from './paths.js';
import { mulberry32, pick, randInt, type Rng } from './random.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'vad');
const MODELS = path.join(REPO_ROOT, 'node_modules', '@ricky0123', 'vad-web', 'dist');

interface Segment { start: number; end: number; audioStart: number; speechFrames: number }
interface Region { start: number; end: number; text: string }

// The example is plain JavaScript: loaded by URL so the test runs exactly the files users run.
const load = (file: string) => import(pathToFileURL(path.join(EXAMPLE, file)).href);
const { decodeWav16k, parseWav, resample } = await load('wav.mjs');
const { SileroVad, frames } = await load('silero.mjs');
const { findSegments, Segmenter } = await load('segmenter.mjs') as {
  findSegments: (p: Iterable<number>, o?: object) => Segment[];
  Segmenter: new (o?: object) => { push(p: number): Segment | null; finish(): Segment | null };
};

const recording: Float32Array = decodeWav16k(new Uint8Array(await readFile(path.join(EXAMPLE, 'speech.wav'))), 'speech.wav');
const script = JSON.parse(await readFile(path.join(EXAMPLE, 'speech.json'), 'utf8')) as { duration: number; speech: Region[] };

/** Every frame's speech probability with `lib`'s InferenceSession and Tensor. */
async function probabilities(lib: unknown, model: string): Promise<number[]> {
  const vad = await SileroVad.create(lib, path.join(MODELS, model));
  const out: number[] = [];
  for (const frame of frames(recording)) out.push(await vad.process(frame));
  await vad.release();
  return out;
}

function maxDiff(a: number[], b: number[]): { diff: number; frame: number } {
  assert.is(a.length, b.length, 'frame count');
  let diff = 0, frame = -1;
  a.forEach((v, i) => { const d = Math.abs(v - b[i]); if (!(d <= diff)) { diff = d; frame = i; } });
  return { diff, frame };
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;

test('the recording: 16 kHz, its script\'s length, four sentences with pauses', () => {
  assert.ok(Math.abs(recording.length / 16000 - script.duration) < 0.01, `${recording.length} samples for ${script.duration} s`);
  assert.is(script.speech.length, 4);
  script.speech.slice(1).forEach((r, i) => {
    const pause = r.start - script.speech[i].end;
    assert.ok(pause >= 1 && pause <= 2.01, `pause before "${r.text}" is ${pause} s`);
  });
});

for (const [model, version] of [['silero_vad_v5.onnx', 'v5'], ['silero_vad_v6.onnx', 'v6']]) {
  test(`Silero ${version} on the recording: every frame within 1e-5 of onnxruntime-node, same segments, where the speech is`, async () => {
    const [ours, theirs] = [await probabilities({ InferenceSession, Tensor }, model), await probabilities(ort, model)];
    assert.is(ours.length, Math.floor(recording.length / 512));
    const { diff, frame } = maxDiff(ours, theirs);
    assert.ok(diff <= 1e-5, `max abs difference ${diff} at frame ${frame} (rnnc ${ours[frame]}, onnxruntime-node ${theirs[frame]})`);
    // The recording must exercise both ends of the scale, or agreement would say little.
    assert.ok(Math.max(...theirs) > 0.9 && Math.min(...theirs) < 0.05, `probabilities span ${Math.min(...theirs)}..${Math.max(...theirs)}`);
    const segments = findSegments(ours);
    assert.equal(segments, findSegments(theirs));
    assert.ok(segments.length >= 2, `${segments.length} segments: ${JSON.stringify(segments)}`);
    for (const s of segments) assert.ok(script.speech.some((r) => overlaps(s, r)), `segment ${s.start}-${s.end} s holds no speech`);
    for (const r of script.speech) assert.ok(segments.some((s) => overlaps(s, r)), `"${r.text}" (${r.start}-${r.end} s) is in no segment`);
    // Starts land on the speech that opens them, within a frame or two of where the script put it.
    for (const s of segments) {
      const first = script.speech.find((r) => overlaps(s, r))!;
      assert.ok(Math.abs(s.start - first.start) < 0.15, `segment starts at ${s.start} s, its speech at ${first.start} s`);
    }
  });
}

// 32 ms frames: redemption 1400 ms = 43 frames, pad 800 ms = 25, min speech 400 ms = 12.
const run = (parts: [number, number][]) => parts.flatMap(([p, n]) => Array<number>(n).fill(p));

test('segmenter: vad-web\'s rules on made-up probabilities', () => {
  const t = 0.032;
  // 30 quiet frames, 20 speech, 42 quiet (one short of redemption), 10 speech, 43 quiet: one segment.
  const one = findSegments(run([[0.1, 30], [0.9, 20], [0.1, 42], [0.9, 10], [0.1, 43], [0.1, 5]]));
  assert.is(one.length, 1);
  assert.ok(Math.abs(one[0].start - 30 * t) < 1e-9 && Math.abs(one[0].end - (30 + 20 + 42 + 10 + 43) * t) < 1e-9, JSON.stringify(one));
  assert.ok(Math.abs(one[0].audioStart - 5 * t) < 1e-9, 'the pad reaches 25 frames back');
  assert.is(one[0].speechFrames, 30);
  // Between the thresholds (0.25 <= p < 0.3) neither starts speech nor counts toward its end.
  const held = findSegments(run([[0.9, 12], [0.27, 100], [0.1, 43]]));
  assert.is(held.length, 1);
  assert.ok(Math.abs(held[0].end - (12 + 100 + 43) * t) < 1e-9, JSON.stringify(held));
  // 11 speech frames is a misfire; 12 is a segment.
  assert.equal(findSegments(run([[0.9, 11], [0.1, 50]])), []);
  assert.is(findSegments(run([[0.9, 12], [0.1, 50]])).length, 1);
  // Open at the end of the audio: closed there, as vad-web's endSegment does.
  const open = findSegments(run([[0.1, 3], [0.9, 20]]));
  assert.ok(open.length === 1 && Math.abs(open[0].end - 23 * t) < 1e-9 && open[0].audioStart === 0, JSON.stringify(open));
  // The pad never reaches back into the segment before.
  const two = findSegments(run([[0.9, 20], [0.1, 43], [0.1, 3], [0.9, 20]]));
  assert.is(two.length, 2);
  assert.ok(Math.abs(two[1].audioStart - 63 * t) < 1e-9, JSON.stringify(two));
});

test('segmenter: streaming push/finish gives what findSegments gives; bad thresholds are refused', () => {
  const probs = run([[0.1, 10], [0.8, 30], [0.2, 50], [0.6, 15], [0.1, 7]]);
  const s = new Segmenter();
  const got = probs.map((p) => s.push(p)).filter((x) => x !== null);
  const last = s.finish();
  if (last) got.push(last);
  assert.equal(got, findSegments(probs));
  assert.throws(() => new Segmenter({ negativeSpeechThreshold: 0.5 }), /negativeSpeechThreshold is 0.5; expected 0..positiveSpeechThreshold/);
});

/**
 * vad-web's own FrameProcessor (the package is a dev dependency) on `probs`, its events turned into
 * segments as its NonRealTimeVAD does: start at the SpeechStart frame, end after the SpeechEnd frame
 * (or at the end of the audio); the audio it hands over, one sample per frame here, gives the pad.
 */
async function vadWebSegments(probs: number[]): Promise<Segment[]> {
  const require = createRequire(import.meta.url);
  const { FrameProcessor, defaultFrameProcessorOptions } = require('@ricky0123/vad-web/dist/frame-processor.js');
  let i = 0;
  const fp = new FrameProcessor(async () => ({ isSpeech: probs[i], notSpeech: 1 - probs[i] }), () => {}, defaultFrameProcessorOptions, 32);
  fp.resume();
  const out: Segment[] = [];
  let start = 0;
  const t = 0.032;
  const handle = (end: number) => (e: { msg: string; audio?: Float32Array }) => {
    if (e.msg === 'SPEECH_START') start = i;
    if (e.msg === 'SPEECH_END') {
      const frames = e.audio!.length;
      out.push({ start: start * t, end: end * t, audioStart: (end - frames) * t, speechFrames: NaN });
    }
  };
  for (; i < probs.length; i++) await fp.process(new Float32Array(1), handle(i + 1));
  fp.endSegment(handle(probs.length));
  return out;
}

/** Made-up probabilities: runs of speech and quiet, values on and around both thresholds. */
function randomProbabilities(rng: Rng): number[] {
  const out: number[] = [];
  const speechy = [0.3, 0.31, 0.5, 0.9, 0.99], between = [0.25, 0.27, 0.299], quiet = [0.0, 0.1, 0.2, 0.249];
  while (out.length < 400) {
    const kind = pick(rng, [speechy, between, quiet, quiet]);
    for (let n = randInt(rng, 1, 60); n > 0; n--) out.push(pick(rng, kind));
  }
  return out;
}

test('segmenter: the same segments as vad-web\'s FrameProcessor on 300 made-up probability runs', async () => {
  const rng = mulberry32(17);
  let segments = 0;
  for (let run = 0; run < 300; run++) {
    const probs = randomProbabilities(rng);
    const theirs = await vadWebSegments(probs);
    const ours = findSegments(probs).map((s) => ({ ...s, speechFrames: NaN }));
    assert.equal(ours.length, theirs.length, `run ${run}: ${ours.length} segments, vad-web ${theirs.length}`);
    ours.forEach((s, k) => {
      for (const key of ['start', 'end', 'audioStart'] as const) {
        assert.ok(Math.abs(s[key] - theirs[k][key]) < 1e-9, `run ${run} segment ${k} ${key}: ${s[key]}, vad-web ${theirs[k][key]}`);
      }
    });
    segments += ours.length;
  }
  assert.ok(segments > 300, `only ${segments} segments in 300 runs: the runs do not exercise the rules`);
});

/** A WAV file's bytes: `channels` interleaved, `bits` 16 (PCM) or 32 (float). */
function wav(samples: number[], rate: number, channels: number, bits: 16 | 32): Uint8Array {
  const width = bits / 8, data = samples.length * width;
  const b = new DataView(new ArrayBuffer(44 + data));
  const tag = (at: number, s: string) => [...s].forEach((c, i) => b.setUint8(at + i, c.charCodeAt(0)));
  tag(0, 'RIFF'); b.setUint32(4, 36 + data, true); tag(8, 'WAVE');
  tag(12, 'fmt '); b.setUint32(16, 16, true); b.setUint16(20, bits === 32 ? 3 : 1, true); b.setUint16(22, channels, true);
  b.setUint32(24, rate, true); b.setUint32(28, rate * channels * width, true); b.setUint16(32, channels * width, true); b.setUint16(34, bits, true);
  tag(36, 'data'); b.setUint32(40, data, true);
  samples.forEach((v, i) => (bits === 32 ? b.setFloat32(44 + i * 4, v, true) : b.setInt16(44 + i * 2, Math.round(v * 32768), true)));
  return new Uint8Array(b.buffer);
}

test('WAV reader: 16-bit stereo is mixed down, float32 read as is, 48 kHz and 8 kHz become 16 kHz; bad files named', () => {
  const stereo = parseWav(wav([0.5, 0, -0.25, -0.25], 16000, 2, 16), 'st.wav');
  assert.equal({ rate: stereo.sampleRate, ch: stereo.channels, s: Array.from(stereo.samples) }, { rate: 16000, ch: 2, s: [0.25, -0.25] });
  const f = parseWav(wav([0.125, -1], 16000, 1, 32));
  assert.equal(Array.from(f.samples), [0.125, -1]);
  assert.equal(Array.from(decodeWav16k(wav([0.3, 0.6, 0.9, -0.3, -0.6, -0.9], 48000, 1, 32)) as Float32Array).map((v) => Number(v.toFixed(5))), [0.6, -0.6]);
  assert.equal(Array.from(resample(Float32Array.from([0, 1, 0]), 8000, 16000)), [0, 0.5, 1, 0.5, 0, 0]);
  assert.throws(() => parseWav(new Uint8Array(20), 'x.wav'), /x\.wav: not a WAV file/);
});

test.run();
