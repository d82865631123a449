// The demo: loads the compiled character LSTM (./charlm/, made by `rnnc compile demo/charlm.onnx`)
// with the browser runtime that `rnnc serve` exposes at /rnnc/, then generates text one character per
// streaming step. `?workers=N` asks for N workers (threads need a cross-origin isolated page).
import * as rnnc from '/rnnc/rnnc.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

/** Deterministic uniform [0, 1) numbers (mulberry32). */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples an index from probabilities sharpened or flattened by `temperature` (p^(1/T), renormalized). */
function sample(probs, temperature, rand) {
  const w = Array.from(probs, (p) => Math.pow(Math.max(p, 0), 1 / temperature));
  let u = rand() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < w.length; i++) if ((u -= w[i]) <= 0) return i;
  return w.length - 1;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
};

async function load() {
  const vocab = await (await fetch('./vocab.json')).json();
  const workers = params.has('workers') ? Number(params.get('workers')) : undefined;
  const session = await rnnc.InferenceSession.create('./charlm/', { workers });
  return { vocab, session };
}

/**
 * Feeds the prompt in one step, then one sampled character per step. Returns the text and the
 * latency of every one-character step in milliseconds.
 */
async function generate({ session, vocab }, prompt, length, { temperature = 0.7, seed = 1, onChar } = {}) {
  const index = new Map(vocab.chars.map((c, i) => [c, i]));
  const ids = [...prompt.toLowerCase()].filter((c) => index.has(c)).map((c) => index.get(c));
  if (ids.length === 0) ids.push(index.get(' '));
  const V = vocab.chars.length;
  const rand = random(seed);
  const stream = session.stream();
  let out = await stream.step({ tokens: new rnnc.Tensor('int32', ids, [ids.length, 1]) });
  const stepMs = [];
  let text = '';
  for (let i = 0; i < length; i++) {
    const probs = out.probs.data.subarray(out.probs.data.length - V);
    const next = sample(probs, temperature, rand);
    text += vocab.chars[next];
    onChar?.(vocab.chars[next]);
    const t0 = performance.now();
    out = await stream.step({ tokens: new rnnc.Tensor('int32', [next], [1, 1]) });
    stepMs.push(performance.now() - t0);
  }
  return { text, stepMs };
}

function drawChart(stepMs) {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#eef1f7';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!stepMs.length) return;
  const top = Math.max(...stepMs) * 1.1;
  const w = canvas.width / stepMs.length;
  ctx.fillStyle = '#2b5fd9';
  stepMs.forEach((ms, i) => {
    const h = (ms / top) * (canvas.height - 4);
    ctx.fillRect(i * w, canvas.height - h, Math.max(1, w - 1), h);
  });
}

function showSession(session) {
  const threads = session.workers > 1;
  $('threads').innerHTML = threads
    ? `<span class="on">on</span> (cross-origin isolated: ${session.workers} workers over shared memory)`
    : crossOriginIsolated
      ? '<span class="on">available</span> (cross-origin isolated); one worker is the plan for this model, <a href="?workers=2">?workers=2</a> asks for two'
      : '<span class="off">off</span> (not cross-origin isolated: no SharedArrayBuffer)';
  $('workers').textContent = String(session.workers);
  $('kernel').textContent = session.manifest.kernels.join(', ');
  $('note').textContent = session.note ?? '';
}

async function main() {
  const state = await load();
  showSession(state.session);
  const button = $('generate');
  const run = async () => {
    button.disabled = true;
    const prompt = $('prompt').value;
    const output = $('output');
    output.innerHTML = '';
    const head = document.createElement('span');
    head.className = 'prompt';
    head.textContent = prompt;
    const body = document.createTextNode('');
    output.append(head, body);
    try {
      const { stepMs } = await generate(state, prompt, Number($('length').value) || 300, {
        temperature: Number($('temperature').value) || 0.7,
        seed: Number(params.get('seed') ?? Date.now()),
        onChar: (c) => { body.data += c; },
      });
      const sorted = [...stepMs].sort((a, b) => a - b);
      // Pages that are not cross-origin isolated get coarse timers (100 us in Chromium): the mean is the fair number there.
      const mean = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
      $('latency').textContent = `mean ${mean.toFixed(3)} ms, median ${median(stepMs).toFixed(3)} ms, p90 ${sorted[Math.floor(0.9 * (sorted.length - 1))].toFixed(3)} ms over ${stepMs.length} steps`;
      drawChart(stepMs);
    } finally {
      button.disabled = false;
    }
  };
  button.addEventListener('click', () => run().catch(fail));
  button.disabled = false;
  return state;
}

function fail(e) {
  $('error').textContent = `${e.name ?? 'Error'}: ${e.message ?? e}`;
  console.error(e);
  throw e;
}

const ready = main().catch(fail);
// For tests and the console: the runtime, the session and the generator.
window.demo = { rnnc, ready, generate: async (prompt, length, opts) => generate(await ready, prompt, length, opts) };
