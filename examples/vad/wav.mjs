// Reads a WAV file into 16 kHz mono float32 samples, the input Silero VAD takes: PCM 8/16/24/32-bit
// or IEEE float 32/64, any channel count (mixed down by averaging), any sample rate (resampled).
// No dependencies, so the example runs wherever Node does.

const PCM = 1, FLOAT = 3, EXTENSIBLE = 0xfffe;

/**
 * Parses a WAV file. Returns { sampleRate, channels, samples } with `samples` mono float32 in
 * [-1, 1] at the file's own rate. Throws an Error naming `name` and what was expected.
 */
export function parseWav(bytes, name = 'the WAV file') {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new Error(`${name}: not a WAV file (expected a RIFF/WAVE header)`);
  }
  let fmt = null, data = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at), size = view.getUint32(at + 4, true), body = at + 8;
    if (id === 'fmt ') fmt = readFormat(view, body, size, name);
    if (id === 'data') data = bytes.subarray(body, Math.min(body + size, bytes.length));
    at = body + size + (size & 1); // chunks are padded to an even size
  }
  if (!fmt) throw new Error(`${name}: no 'fmt ' chunk`);
  if (!data) throw new Error(`${name}: no 'data' chunk`);
  return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples: mixDown(data, fmt) };
}

function readFormat(view, at, size, name) {
  let format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const bits = view.getUint16(at + 14, true);
  if (format === EXTENSIBLE && size >= 26) format = view.getUint16(at + 24, true); // the sub-format GUID starts with the format code
  const ok = (format === PCM && [8, 16, 24, 32].includes(bits)) || (format === FLOAT && (bits === 32 || bits === 64));
  if (!ok) throw new Error(`${name}: format ${format} with ${bits}-bit samples is not supported; expected PCM 8/16/24/32-bit or float 32/64-bit`);
  if (channels < 1 || sampleRate < 1) throw new Error(`${name}: ${channels} channels at ${sampleRate} Hz; expected at least one channel and a positive rate`);
  return { format, channels, sampleRate, bits };
}

/** One float per frame of the data chunk: the mean of its channels. */
function mixDown(data, { format, channels, bits }) {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = bits / 8;
  const frames = Math.floor(data.length / (width * channels));
  const read = sampleReader(view, format, bits);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read((f * channels + c) * width);
    out[f] = sum / channels;
  }
  return out;
}

function sampleReader(view, format, bits) {
  if (format === FLOAT) return bits === 32 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  switch (bits) {
    case 8: return (at) => (view.getUint8(at) - 128) / 128; // 8-bit PCM is unsigned
    case 16: return (at) => view.getInt16(at, true) / 32768;
    case 24: return (at) => ((view.getUint8(at + 2) << 24 | view.getUint8(at + 1) << 16 | view.getUint8(at) << 8) >> 8) / 8388608;
    default: return (at) => view.getInt32(at, true) / 2147483648;
  }
}

/**
 * Resamples mono samples from `from` Hz to `to` Hz. Going down, each output sample is the mean of
 * the input samples its period covers (a box filter against aliasing, as vad-web's resampler does);
 * going up, it interpolates linearly.
 */
export function resample(samples, from, to) {
  if (from === to) return samples;
  const ratio = from / to;
  const out = new Float32Array(Math.floor(samples.length / ratio));
  for (let i = 0; i < out.length; i++) {
    if (ratio > 1) {
      const lo = Math.floor(i * ratio), hi = Math.min(samples.length, Math.max(lo + 1, Math.floor((i + 1) * ratio)));
      let sum = 0;
      for (let k = lo; k < hi; k++) sum += samples[k];
      out[i] = sum / (hi - lo);
    } else {
      const x = i * ratio, k = Math.floor(x), t = x - k;
      out[i] = samples[k] * (1 - t) + (samples[Math.min(k + 1, samples.length - 1)] ?? 0) * t;
    }
  }
  return out;
}

/** Reads a WAV file's bytes as 16 kHz mono float32. */
export function decodeWav16k(bytes, name) {
  const { sampleRate, samples } = parseWav(bytes, name);
  return resample(samples, sampleRate, 16000);
}
