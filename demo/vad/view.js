// The demo's voice-activity view: microphone -> AudioWorklet (./worklet.js: 512-sample frames at
// 16 kHz) -> a Worker running Silero v5 with rnnc's browser runtime (./worker.js) -> this page, which
// only draws: a live trace of the speech probability and the segments found. The artifact and the
// shared example modules come from `node demo/vad/prepare.mjs` (run by `npm run demo`).

const $ = (id) => document.getElementById(id);
const SECONDS_SHOWN = 10;
const FRAME_SECONDS = 512 / 16000;
const WARM_UP = 50; // frames left out of the latency figures

/** What the view knows; also read by tests and the console as window.vad.state (finished: the worker closed the last segment after a stop). */
const state = { running: false, contextRate: null, frames: 0, probs: [], ms: [], segments: [], openFrom: null, finished: false, workers: null, error: '' };
let audio = null;   // { ctx, stream, source, node } while the microphone runs
let worker = null;
let drawing = false;

function onWorkerMessage(e) {
  const m = e.data;
  if (m.type === 'ready') {
    state.workers = m.workers;
    $('vad-kernel').textContent = `${m.kernels.join(', ')} on ${m.workers} worker${m.workers === 1 ? '' : 's'} inside a Worker`;
  } else if (m.type === 'frame') {
    state.frames = m.frame + 1;
    state.probs.push(m.p);
    state.ms.push(m.ms);
    state.openFrom = m.openFrom;
    if (m.segment) addSegment(m.segment);
    scheduleDraw();
  } else if (m.type === 'stopped') {
    state.openFrom = null;
    state.finished = true;
    if (m.segment) addSegment(m.segment);
    scheduleDraw();
  } else if (m.type === 'error') {
    showError(m.message);
  }
}

function addSegment(s) {
  state.segments.push(s);
  const li = document.createElement('li');
  li.textContent = `${s.start.toFixed(2)} s - ${s.end.toFixed(2)} s`;
  $('vad-segments').append(li);
}

/** Starts the microphone and the VAD worker; resolves once frames flow. */
async function start() {
  if (state.running) return;
  $('vad-start').disabled = true;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, autoGainControl: true, noiseSuppression: true },
    });
    let ctx = new AudioContext();
    // The worklet only averages down to 16 kHz; a slower device gets a 16 kHz context, resampled by the browser.
    if (ctx.sampleRate < 16000) { await ctx.close(); ctx = new AudioContext({ sampleRate: 16000 }); }
    await ctx.audioWorklet.addModule(new URL('./worklet.js', import.meta.url));
    worker ??= new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = onWorkerMessage;
    worker.onerror = (e) => showError(`the VAD worker failed: ${e.message}`);
    const node = new AudioWorkletNode(ctx, 'vad-frames', { numberOfInputs: 1, numberOfOutputs: 0 });
    const { port1, port2 } = new MessageChannel();
    node.port.postMessage({ frames: port1 }, [port1]);
    worker.postMessage({ type: 'start', port: port2 }, [port2]);
    Object.assign(state, { running: true, contextRate: ctx.sampleRate, frames: 0, probs: [], ms: [], segments: [], openFrom: null, finished: false, error: '' });
    $('vad-segments').replaceChildren();
    const source = ctx.createMediaStreamSource(stream);
    source.connect(node);
    await ctx.resume();
    audio = { ctx, stream, source, node };
    $('vad-rate').textContent = `${ctx.sampleRate} Hz${ctx.sampleRate === 16000 ? '' : ' (averaged down to 16 kHz in the worklet)'}`;
    $('vad-stop').disabled = false;
  } catch (e) {
    $('vad-start').disabled = false;
    showError(`${e.name ?? 'Error'}: ${e.message ?? e}`);
    throw e;
  }
}

async function stop() {
  if (!audio) return;
  const { ctx, stream, source, node } = audio;
  audio = null;
  source.disconnect();
  node.port.postMessage('stop');
  stream.getTracks().forEach((t) => t.stop());
  await ctx.close();
  worker.postMessage({ type: 'stop' });
  state.running = false;
  $('vad-stop').disabled = true;
  $('vad-start').disabled = false;
}

function showError(message) {
  state.error = message;
  $('vad-error').textContent = message;
  console.error(message);
}

function scheduleDraw() {
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => { drawing = false; draw(); });
}

/** The last SECONDS_SHOWN of probabilities, segments shaded, the two thresholds dashed. */
function draw() {
  const canvas = $('vad-trace');
  const g = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const shown = Math.round(SECONDS_SHOWN / FRAME_SECONDS);
  const first = Math.max(0, state.frames - shown);
  const x = (frame) => ((frame - first) / shown) * w;
  const y = (p) => h - 2 - p * (h - 4);
  g.fillStyle = '#eef1f7';
  g.fillRect(0, 0, w, h);
  g.fillStyle = 'rgba(26, 127, 55, 0.18)';
  const shade = (from, to) => g.fillRect(x(from), 0, x(to) - x(from), h);
  for (const s of state.segments) shade(s.start / FRAME_SECONDS, s.end / FRAME_SECONDS);
  if (state.openFrom !== null) shade(state.openFrom, state.frames);
  g.setLineDash([4, 4]);
  g.strokeStyle = '#8a90a0';
  for (const t of [0.3, 0.25]) { g.beginPath(); g.moveTo(0, y(t)); g.lineTo(w, y(t)); g.stroke(); }
  g.setLineDash([]);
  g.strokeStyle = '#2b5fd9';
  g.lineWidth = 2;
  g.beginPath();
  for (let f = first; f < state.frames; f++) (f === first ? g.moveTo : g.lineTo).call(g, x(f), y(state.probs[f]));
  g.stroke();
  $('vad-speaking').innerHTML = state.openFrom !== null ? '<span class="on">speech</span>' : 'quiet';
  $('vad-frames').textContent = `${state.frames} (${(state.frames * FRAME_SECONDS).toFixed(1)} s)`;
  const timed = state.ms.slice(WARM_UP).sort((a, b) => a - b);
  if (timed.length) {
    const q = (f) => timed[Math.min(timed.length - 1, Math.floor(f * (timed.length - 1)))];
    $('vad-latency').textContent = `median ${q(0.5).toFixed(3)} ms, p90 ${q(0.9).toFixed(3)} ms per 32 ms frame`;
  }
}

$('vad-start').addEventListener('click', () => start().catch(() => {}));
$('vad-stop').addEventListener('click', () => stop().catch((e) => showError(String(e))));
$('vad-start').disabled = false;
window.vad = { state, start, stop };
