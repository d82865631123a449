/**
 * The demo's voice-activity view in headless Chromium, its microphone faked from the example
 * recording (examples/vad/speech.wav, which Chromium plays in a loop): the AudioWorklet's frames go
 * to a Worker running Silero v5 compiled by rnnc, and the page finds speech segments where the
 * recording's script put speech (examples/vad/speech.json), with per-frame probabilities close to
 * Node's on the same artifact. A screenshot of the view is saved to a temp dir (its path printed).
 * Without Chromium the test fails saying how to install it, as the other browser tests do.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { startServer } from '../cli/commands/serve.js';
import { InferenceSession, Tensor } from '../api/node.js';
import { REPO_ROOT } from './paths.js';
import { CHROMIUM, requireChromium } from './chromium.js';
import { colourStats, decodePng } from './png.js';

const DEMO = path.join(REPO_ROOT, 'demo');
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'vad');
const RECORDING = path.join(EXAMPLE, 'speech.wav');
const FRAME_SECONDS = 512 / 16000;

interface Span { start: number; end: number }
interface ViewState { contextRate: number; frames: number; probs: number[]; segments: Span[]; finished: boolean; error: string }

const load = (file: string) => import(pathToFileURL(file).href);

/** The demo site as `npm run demo` makes it, in a temp dir: charlm's artifact, the VAD view and its artifact. */
async function makeSite(): Promise<string> {
  const site = await mkdtemp(path.join(os.tmpdir(), 'rnnc-vad-demo-'));
  for (const f of ['index.html', 'main.js', 'vocab.json']) await copyFile(path.join(DEMO, f), path.join(site, f));
  const { artifact } = compileModel(new Uint8Array(await readFile(path.join(DEMO, 'charlm.onnx'))), { source: 'demo/charlm.onnx', threads: true });
  await writeArtifact(path.join(site, 'charlm'), artifact);
  await mkdir(path.join(site, 'vad'));
  for (const f of ['view.js', 'worker.js', 'worklet.js']) await copyFile(path.join(DEMO, 'vad', f), path.join(site, 'vad', f));
  const { prepareVad } = await load(path.join(DEMO, 'vad', 'prepare.mjs'));
  prepareVad(site);
  return site;
}

/** Node's probability for every frame of the recording, on the artifact the page runs. */
async function probabilitiesInNode(artifact: string): Promise<number[]> {
  const { decodeWav16k } = await load(path.join(EXAMPLE, 'wav.mjs'));
  const { SileroVad, frames } = await load(path.join(EXAMPLE, 'silero.mjs'));
  const vad = await SileroVad.create({ InferenceSession, Tensor }, artifact, { workers: 1 });
  const out: number[] = [];
  for (const f of frames(decodeWav16k(new Uint8Array(await readFile(RECORDING))))) out.push(await vad.process(f));
  await vad.release();
  return out;
}

/**
 * Where in the (looping) recording the page's first frame fell, in frames: the shift that best lines
 * the page's probabilities up with Node's. Returns it with the mean absolute difference there.
 */
function alignment(page: number[], node: number[], duration: number): { shift: number; meanDiff: number } {
  let best = { shift: 0, meanDiff: Infinity };
  for (let shift = 0; shift < node.length; shift++) {
    let sum = 0, n = 0;
    for (let k = 0; k < page.length; k++) {
      const i = Math.floor((((k + shift) * FRAME_SECONDS) % duration) / FRAME_SECONDS);
      if (i < node.length) { sum += Math.abs(page[k] - node[i]); n++; }
    }
    if (sum / n < best.meanDiff) best = { shift, meanDiff: sum / n };
  }
  return best;
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

test('the VAD view: fake microphone -> worklet -> worker; segments where the recording has speech; screenshot', async () => {
  requireChromium();
  const script = JSON.parse(await readFile(path.join(EXAMPLE, 'speech.json'), 'utf8')) as { duration: number; speech: Span[] };
  const site = await makeSite();
  const server = await startServer({ root: site, port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${RECORDING}`],
  });
  try {
    const node = await probabilitiesInNode(path.join(site, 'vad', 'silero_v5'));
    const page: Page = await browser.newPage({ viewport: { width: 1000, height: 1250 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => (window as any).vad && !(document.getElementById('vad-start') as HTMLButtonElement).disabled);
    await page.click('#vad-start');
    // One pass of the recording and two seconds more, in real time.
    const wanted = Math.ceil((script.duration + 2) / FRAME_SECONDS);
    await page.waitForFunction((n) => (window as any).vad.state.frames >= n || (window as any).vad.state.error, wanted, { timeout: 120_000, polling: 250 });
    await page.click('#vad-stop');
    await page.waitForFunction(() => (window as any).vad.state.finished || (window as any).vad.state.error, null, { timeout: 30_000 });
    const s = await page.evaluate(() => (window as any).vad.state) as ViewState;
    assert.is(s.error, '');

    const { shift, meanDiff } = alignment(s.probs, node, script.duration);
    const offset = shift * FRAME_SECONDS;
    console.log(`  context ${s.contextRate} Hz, ${s.frames} frames; the page's first frame is ${offset.toFixed(3)} s into the recording; ` +
      `mean |page - node| there ${meanDiff.toFixed(4)}; segments ${s.segments.map((x) => `${x.start.toFixed(2)}-${x.end.toFixed(2)}`).join(', ')}`);
    // The fake microphone resamples the file to the context's rate and the worklet back to 16 kHz,
    // so the page's audio is near the file's, not equal (0.036 measured); a view that heard anything
    // else, or lost its frames' order, is far off (about 0.5: the share of speech frames).
    assert.ok(meanDiff < 0.1, `the page's probabilities do not follow the recording's: mean difference ${meanDiff} at the best shift`);

    // The script's speech in page time, over every pass of the loop the page heard.
    const heard = s.frames * FRAME_SECONDS;
    const speech: Span[] = [];
    for (let pass = 0; pass * script.duration - offset < heard; pass++) {
      for (const r of script.speech) speech.push({ start: r.start + pass * script.duration - offset, end: r.end + pass * script.duration - offset });
    }
    assert.ok(s.segments.length >= 2, `segments: ${JSON.stringify(s.segments)}`);
    for (const seg of s.segments) assert.ok(speech.some((r) => overlaps(seg, r)), `segment ${seg.start}-${seg.end} s holds no speech`);
    for (const r of speech.filter((r) => r.start >= 0 && r.end <= heard)) {
      assert.ok(s.segments.some((seg) => overlaps(seg, r)), `speech at ${r.start.toFixed(2)}-${r.end.toFixed(2)} s (page time) is in no segment`);
    }
    for (const seg of s.segments.filter((x) => x.start > 0.1)) {
      const first = speech.find((r) => overlaps(seg, r))!;
      assert.ok(Math.abs(seg.start - first.start) < 0.2, `segment starts at ${seg.start} s, its speech at ${first.start} s`);
    }
    assert.match(await page.textContent('#vad-latency') ?? '', /median \d+\.\d+ ms, p90/);
    assert.is(await page.locator('#vad-segments li').count(), s.segments.length);

    const png = await page.screenshot({ fullPage: true });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rnnc-vad-shot-'));
    await writeFile(path.join(dir, 'vad.png'), png);
    console.log(`  screenshot: ${path.join(dir, 'vad.png')}`);
    const trace = colourStats(decodePng(await page.locator('#vad-trace').screenshot()));
    assert.ok(trace.colours > 8 && trace.foreground > 0.02, `the trace looks blank: ${trace.colours} colours, ${(trace.foreground * 100).toFixed(1)}% foreground`);
    assert.equal(errors, []);
  } finally {
    await browser.close();
    await server.close();
    await rm(site, { recursive: true, force: true });
  }
});

test.run();
