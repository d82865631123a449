/**
 * Accuracy of the SIMD activations (compiler/emit/activations.ts) over f32, measured through a probe
 * module (compiler/emit/probe.ts) that applies the kernels' own emitter to arrays in memory.
 *
 * - Sigmoid and Tanh: <= 4 ulp against float64 Math.* rounded to f32 wherever the true result is a
 *   normal f32, absolute error <= 1.2e-38 where it is subnormal (or zero); over a dense sweep of
 *   [-20, 20], 2e5 random bit patterns over every finite f32 (denormals included), the boundaries
 *   |x| ~ 9, ~87.3, ~88.8, and ±0, ±Infinity, NaN.
 * - The other nine: |error| <= 1e-6 * max(1, |ref|) over [-30, 30] and special values.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activation, type Activation, type ActivationName } from '../compiler/cells/descriptor.js';
import { buildActivationProbe } from '../compiler/emit/probe.js';
import { loadBinaryen } from '../compiler/emit/wasm/binaryen.js';
import { MAX_PAGES } from '../contract/abi.js';
import { toWat } from '../compiler/module/wat.js';
import { applyActivation } from './reference.js';
import { mulberry32 } from './random.js';

await loadBinaryen(); // probes are optimized by default

const BASE = 1024;
const FLT_MIN = 2 ** -126;
const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });

/** Compiles the probe of `a` (validated by WebAssembly.validate and wabt) and returns x -> a(x). */
async function probe(a: Activation): Promise<(xs: Float32Array) => Float32Array> {
  const wasm = buildActivationProbe(a);
  assert.ok(WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>), `${a.name} probe validates`);
  await toWat(wasm, `${a.name} probe`);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>), { env: { memory } });
  const apply = instance.exports.apply as (ptr: number, n: number) => void;
  return (xs) => {
    const n = Math.ceil(xs.length / 4) * 4;
    const need = BASE + n * 4 - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    const view = new Float32Array(memory.buffer, BASE, n);
    view.fill(0);
    view.set(xs);
    apply(BASE, n);
    return view.slice(0, xs.length);
  };
}

const bitsOf = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];
const fromBits = (u: number) => new Float32Array(Uint32Array.of(u >>> 0).buffer)[0];
/** f32 bits mapped to a line where adjacent floats differ by 1 (±0 both map to 0). */
const ordinal = (x: number) => {
  const u = bitsOf(x);
  return u & 0x80000000 ? -(u & 0x7fffffff) : u;
};

/** `count` floats on each side of x, stepping one ulp at a time. */
function around(x: number, count: number): number[] {
  const out: number[] = [];
  const o = ordinal(x);
  for (let k = -count; k <= count; k++) {
    const n = o + k;
    out.push(fromBits(n < 0 ? (0x80000000 | -n) : n));
  }
  return out;
}

const SPECIAL = [0, -0, Infinity, -Infinity, NaN, fromBits(0xffc00000), fromBits(0x7f800001), 1e-45, -1e-45, FLT_MIN, -FLT_MIN,
  3.4028234663852886e38, -3.4028234663852886e38];

/** Inputs for sigmoid and tanh: sweep, random bit patterns, denormals, boundaries, special values. */
function sigmoidTanhInputs(): Float32Array {
  const xs: number[] = [];
  for (let i = -20 * 4096; i <= 20 * 4096; i++) xs.push(i / 4096);
  const rng = mulberry32(0xac7);
  for (let k = 0; k < 200_000; k++) {
    const x = fromBits((rng() * 2 ** 32) >>> 0);
    if (Number.isFinite(x)) xs.push(x);
  }
  for (let k = 0; k < 20_000; k++) xs.push(fromBits(((rng() * 2 ** 23) >>> 0) | (k & 1 ? 0x80000000 : 0))); // denormals
  for (const b of [9, 9.02, 87.3, 87.33654, 88.72, 88.8, 103.97]) for (const s of [1, -1]) xs.push(...around(s * b, 300));
  xs.push(...SPECIAL);
  return Float32Array.from(xs);
}

function sigmoid64(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

interface Accuracy {
  maxUlp: number;
  worstX: number;
  maxSubnormalError: number;
  normal: number;
  subnormal: number;
}

/** Checks every output; returns the worst errors seen. */
function ulpAccuracy(name: string, xs: Float32Array, got: Float32Array, exact: (x: number) => number): Accuracy {
  const acc: Accuracy = { maxUlp: 0, worstX: 0, maxSubnormalError: 0, normal: 0, subnormal: 0 };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i], y = got[i];
    if (Number.isNaN(x)) {
      assert.ok(Number.isNaN(y), `${name}(NaN) = ${y}; expected NaN`);
      continue;
    }
    const e = exact(x);
    const r = Math.fround(e);
    if (Math.abs(r) >= FLT_MIN) {
      acc.normal++;
      const ulp = Math.abs(ordinal(y) - ordinal(r));
      if (!(ulp <= acc.maxUlp)) {
        acc.maxUlp = Number.isNaN(y) ? Infinity : ulp;
        acc.worstX = x;
      }
    } else {
      acc.subnormal++;
      const err = Math.abs(y - e);
      if (!(err <= acc.maxSubnormalError)) acc.maxSubnormalError = Number.isNaN(err) ? Infinity : err;
    }
  }
  return acc;
}

for (const [name, exact] of [['Sigmoid', sigmoid64], ['Tanh', Math.tanh]] as const) {
  test(`${name}: <= 4 ulp where the result is normal, <= 1.2e-38 absolute where subnormal, NaN stays NaN`, async () => {
    const f = await probe(activation(name));
    const xs = sigmoidTanhInputs();
    const got = f(xs);
    const acc = ulpAccuracy(name, xs, got, exact);
    console.log(`  ${name}: max ${acc.maxUlp} ulp (at x = ${acc.worstX}) over ${acc.normal} normal results; ` +
      `max abs error ${acc.maxSubnormalError.toExponential(2)} over ${acc.subnormal} subnormal results`);
    assert.ok(acc.maxUlp <= 4, `${name}: ${acc.maxUlp} ulp at x = ${acc.worstX}`);
    assert.ok(acc.maxSubnormalError <= 1.2e-38, `${name}: subnormal error ${acc.maxSubnormalError}`);
    assert.ok(acc.subnormal > 10_000 && acc.normal > 300_000, 'both regimes are exercised');
    const lo = name === 'Sigmoid' ? 0 : -1;
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isNaN(xs[i])) assert.ok(got[i] >= lo && got[i] <= 1, `${name}(${xs[i]}) = ${got[i]} is outside [${lo}, 1]`);
    }
  });
}

test('Sigmoid and Tanh at the special values', async () => {
  const sig = await probe(activation('Sigmoid'));
  const tanh = await probe(activation('Tanh'));
  const xs = Float32Array.of(0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45);
  const s = Array.from(sig(xs)), t = Array.from(tanh(xs));
  assert.equal(s.slice(0, 4), [0.5, 0.5, 1, 0]);
  assert.ok(Number.isNaN(s[4]) && Number.isNaN(t[4]));
  // tanh is odd: the sign of zero survives, and tanh(x) = x for denormals.
  assert.ok(Object.is(t[0], 0) && Object.is(t[1], -0), `tanh(±0) = ${t[0]}, ${t[1]}`);
  assert.equal(t.slice(2, 4), [1, -1]);
  assert.equal(t.slice(5), [1e-45, -1e-45].map(Math.fround));
});

/** The nine other activations with a few alpha/beta each (f32-exact values, as the kernel sees them). */
const OTHERS: [ActivationName, number?, number?][] = [
  ['Relu'], ['Affine'], ['Affine', 0.5, 0.25], ['Affine', -1.5, 2], ['LeakyRelu'], ['LeakyRelu', 0.5],
  ['ThresholdedRelu'], ['ThresholdedRelu', 0.25], ['ThresholdedRelu', -0.5], ['ScaledTanh'], ['ScaledTanh', 0.5, 2.5],
  ['ScaledTanh', 1.5, -0.75], ['HardSigmoid'], ['HardSigmoid', 0.5, -0.25], ['Elu'], ['Elu', 0.5], ['Elu', 1.5],
  ['Softsign'], ['Softplus'],
];

function otherInputs(): Float32Array {
  const xs: number[] = [];
  for (let i = -30 * 256; i <= 30 * 256; i++) xs.push(i / 256);
  const rng = mulberry32(0x07e5);
  for (let k = 0; k < 20_000; k++) xs.push((rng() * 2 - 1) * 30);
  for (const m of [1e-30, 1e-7, 40, 87.3, 88.8, 100, 1e3, 1e6, 1e20, 1e38]) xs.push(m, -m);
  xs.push(...SPECIAL);
  return Float32Array.from(xs);
}

test('the other nine activations: |error| <= 1e-6 * max(1, |ref|) over [-30, 30] and special values', async () => {
  const xs = otherInputs();
  for (const [name, alpha, beta] of OTHERS) {
    const a = activation(name, alpha === undefined ? undefined : Math.fround(alpha), beta === undefined ? undefined : Math.fround(beta));
    const label = `${name}(alpha ${a.alpha}, beta ${a.beta})`;
    const got = (await probe(a))(xs);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i], y = got[i];
      if (Number.isNaN(x)) {
        // NaN propagates, so a model gone wrong shows it; ThresholdedRelu's x > alpha masks it to 0.
        if (name === 'ThresholdedRelu') assert.is(y, 0, `${label}(NaN)`);
        else assert.ok(Number.isNaN(y), `${label}(NaN) = ${y}; expected NaN`);
        continue;
      }
      const ref = applyActivation(a, x);
      if (!Number.isFinite(Math.fround(ref))) {
        // Infinite (or past the f32 range) and NaN results must match exactly, as f32.
        assert.ok(Object.is(y, Math.fround(ref)), `${label}(${x}) = ${y}; expected ${Math.fround(ref)}`);
        continue;
      }
      const err = Math.abs(y - ref) / Math.max(1, Math.abs(ref));
      assert.ok(err <= 1e-6, `${label}(${x}) = ${y}; expected ${ref} (relative error ${err.toExponential(2)})`);
      worst = Math.max(worst, err);
    }
    assert.ok(worst <= 1e-6);
  }
});

test('Softplus at large |x|: x above, 0 below, no overflow', async () => {
  const f = await probe(activation('Softplus'));
  const xs = Float32Array.of(50, 88, 89, 100, 1e4, 1e10, 3e38, Infinity, -50, -88, -89, -100, -1e4, -1e10, -3e38, -Infinity);
  const got = f(xs);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const want = x > 0 ? x : 0;
    assert.ok(Math.abs(got[i] - Math.fround(want)) <= 1e-6 * Math.max(1, Math.abs(want)) || got[i] === want, `Softplus(${x}) = ${got[i]}`);
    assert.ok(got[i] >= 0, `Softplus(${x}) = ${got[i]} is negative`);
  }
  assert.is(got[7], Infinity);
});

test('probe modules are optimized like kernels, yet the unoptimized emitter gives the same values', async () => {
  const xs = sigmoidTanhInputs().subarray(0, 50_000);
  for (const name of ['Sigmoid', 'Tanh', 'Softplus', 'Elu'] as const) {
    const a = activation(name);
    const plain = buildActivationProbe(a, { optimize: false });
    assert.ok(WebAssembly.validate(plain as Uint8Array<ArrayBuffer>));
    const inst = await WebAssembly.instantiate(await WebAssembly.compile(plain as Uint8Array<ArrayBuffer>), { env: { memory } });
    const apply = inst.exports.apply as (ptr: number, n: number) => void;
    const got = (await probe(a))(xs);
    new Float32Array(memory.buffer, BASE, xs.length).set(xs);
    apply(BASE, xs.length);
    const raw = new Float32Array(memory.buffer, BASE, xs.length);
    for (let i = 0; i < xs.length; i++) {
      assert.ok(Object.is(got[i], raw[i]) || (Number.isNaN(got[i]) && Number.isNaN(raw[i])), `${name}(${xs[i]}): ${got[i]} vs ${raw[i]}`);
    }
  }
});

test.run();
