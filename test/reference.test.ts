/**
 * Tests of the float64 reference itself: against ONNX's backend test data, against hand-written
 * single-step equations, and against structural properties (reverse, sequence_lens, layout,
 * bidirectional) on random descriptors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import onnxProto from 'onnx-proto';
import {
  ACTIVATION_NAMES, activation, describeCell, numDirections,
  type ActivationName, type CellDescriptor, type CellKind, type Direction,
} from '../compiler/cells/descriptor.js';
import { CONFORMANCE, sharedTest } from './paths.js';
import { applyActivation, referenceRnn, type ReferenceInputs, type ReferenceOutputs } from './reference.js';
import { sigmoid } from '../compiler/cells/activations.js';
import { isTame, mulberry32, randInt, randomDescriptor, randomInputs, TAME_SEQ_LENGTH } from './random.js';

const { onnx } = onnxProto;
type Long = { toString(): string };
const num = (v: number | Long): number => (typeof v === 'number' ? v : Number(v.toString()));

/** Decodes a serialized TensorProto (float or int32/int64) into dims and a Float64Array. */
function readTensor(file: string): { dims: number[]; data: Float64Array } {
  const t = onnx.TensorProto.decode(fs.readFileSync(file));
  const dims = t.dims.map(num);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData?.length ? new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength) : null;
  const data = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    switch (t.dataType) {
      case onnx.TensorProto.DataType.FLOAT: data[k] = raw ? raw.getFloat32(4 * k, true) : t.floatData[k]; break;
      case onnx.TensorProto.DataType.INT32: data[k] = raw ? raw.getInt32(4 * k, true) : t.int32Data[k]; break;
      case onnx.TensorProto.DataType.INT64: data[k] = raw ? Number(raw.getBigInt64(8 * k, true)) : num(t.int64Data[k]); break;
      default: throw new Error(`${file}: unsupported tensor data type ${t.dataType}`);
    }
  }
  return { dims, data };
}

const INPUT_SLOTS = ['X', 'W', 'R', 'B', 'sequenceLens', 'initialH', 'initialC', 'P'] as const;
const OUTPUT_SLOTS = ['Y', 'Y_h', 'Y_c'] as const;

/** Builds descriptor, inputs and expected outputs from one ONNX backend test directory. */
function loadConformanceCase(dir: string) {
  const model = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, 'model.onnx')));
  const graph = model.graph!;
  const node = graph.node![0];
  const attr = new Map((node.attribute ?? []).map((a) => [a.name!, a]));
  const str = (a: string) => (attr.has(a) ? Buffer.from(attr.get(a)!.s!).toString() : undefined);
  const int = (a: string) => (attr.has(a) ? num(attr.get(a)!.i!) : undefined);
  const dataDir = path.join(dir, 'test_data_set_0');
  const byName = new Map<string, Float64Array>();
  const dimsByName = new Map<string, number[]>();
  graph.input!.forEach((vi, k) => {
    const t = readTensor(path.join(dataDir, `input_${k}.pb`));
    byName.set(vi.name!, t.data);
    dimsByName.set(vi.name!, t.dims);
  });
  const slot = (k: number) => (node.input![k] ? byName.get(node.input![k]) ?? null : null);
  const layout = (int('layout') ?? 0) as 0 | 1;
  const [d0, d1, inputSize] = dimsByName.get(node.input![0])!;
  const [seqLength, batch] = layout === 0 ? [d0, d1] : [d1, d0];
  const actNames = (attr.get('activations')?.strings ?? []).map((s) => {
    const n = Buffer.from(s).toString();
    return ACTIVATION_NAMES.find((a) => a.toLowerCase() === n.toLowerCase())!;
  });
  const alphas = attr.get('activation_alpha')?.floats ?? [];
  const betas = attr.get('activation_beta')?.floats ?? [];
  const d = describeCell({
    cell: node.opType!.toLowerCase() as CellKind,
    inputSize, hiddenSize: int('hidden_size')!, maxBatch: batch, layout,
    direction: (str('direction') ?? 'forward') as Direction,
    activations: actNames.map((n: ActivationName, k) => activation(n, alphas[k], betas[k])),
    clip: attr.has('clip') ? attr.get('clip')!.f! : null,
    linearBeforeReset: !!int('linear_before_reset'),
    inputForget: !!int('input_forget'),
    hasPeepholes: !!slot(7), hasSequenceLens: !!slot(4), hasInitialH: !!slot(5), hasInitialC: !!slot(6),
  }, path.basename(dir));
  const inp: ReferenceInputs = { X: slot(0)!, W: slot(1)!, R: slot(2)!, seqLength, batch };
  for (let k = 3; k < INPUT_SLOTS.length; k++) Object.assign(inp, { [INPUT_SLOTS[k]]: slot(k) });
  const expected: Partial<Record<(typeof OUTPUT_SLOTS)[number], Float64Array>> = {};
  graph.output!.forEach((vo, k) => {
    const role = OUTPUT_SLOTS[node.output!.indexOf(vo.name!)];
    expected[role] = readTensor(path.join(dataDir, `output_${k}.pb`)).data;
  });
  return { d, inp, expected };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < expected.length; k++) {
    if (!(Math.abs(actual[k] - expected[k]) <= tol)) {
      assert.unreachable(`${what}[${k}]: got ${actual[k]}, expected ${expected[k]} (tolerance ${tol})`);
    }
  }
}

const conformanceDirs = fs.existsSync(CONFORMANCE) ? fs.readdirSync(CONFORMANCE).sort() : [];
sharedTest('conformance data is present', () => {
  assert.ok(conformanceDirs.length >= 12, `expected the ONNX backend cases in ${CONFORMANCE}`);
});
for (const name of conformanceDirs) {
  test(`onnx backend: ${name}`, () => {
    const { d, inp, expected } = loadConformanceCase(path.join(CONFORMANCE, name));
    const out = referenceRnn(d, inp);
    assert.ok(Object.keys(expected).length > 0);
    for (const [role, want] of Object.entries(expected)) {
      assertClose(out[role as keyof ReferenceOutputs]!, want, 1e-5, `${name} ${role}`);
    }
  });
}

test('activations: values and edge cases', () => {
  const f = (n: ActivationName, x: number, alpha?: number, beta?: number) => applyActivation(activation(n, alpha, beta), x);
  assert.is(f('Relu', -2), 0);
  assert.is(f('Relu', 3), 3);
  assert.ok(Math.abs(f('Tanh', 0.5) - Math.tanh(0.5)) < 1e-16);
  assert.is(f('Sigmoid', 0), 0.5);
  assert.ok(f('Sigmoid', -800) >= 0 && f('Sigmoid', 800) === 1);
  assert.is(f('Affine', 2, 0.5, -1), 0);
  assert.is(f('LeakyRelu', -2, 0.1), -0.2);
  assert.is(f('ThresholdedRelu', 0.5, 0.5), 0);
  assert.is(f('ThresholdedRelu', 0.75, 0.5), 0.75);
  assert.is(f('ScaledTanh', 1, 2, 0.5), 2 * Math.tanh(0.5));
  assert.is(f('HardSigmoid', 10), 1);
  assert.is(f('HardSigmoid', -10), 0);
  assert.is(f('HardSigmoid', 1), 0.7);
  assert.ok(Math.abs(f('Elu', -1, 2) - 2 * (Math.exp(-1) - 1)) < 1e-15);
  assert.is(f('Elu', 1.5, 2), 1.5);
  assert.is(f('Softsign', -3), -0.75);
  assert.ok(Math.abs(f('Softplus', 0.3) - Math.log(1 + Math.exp(0.3))) < 1e-15);
  assert.is(f('Softplus', 1000), 1000);
  assert.ok(f('Softplus', -1000) >= 0 && f('Softplus', -40) > 0);
});

/** Single-step, one-unit inputs: every weight, bias, peephole and state is a distinct scalar. */
function scalarInputs(G: number, extra: Partial<ReferenceInputs> = {}): ReferenceInputs {
  const v = (k: number, n: number) => Array.from({ length: n }, (_, j) => 0.1 * (((k + 3 * j) % 7) - 3) + 0.05 * j);
  return { X: new Float64Array([0.7]), W: v(1, G), R: v(2, G), B: v(3, 2 * G), seqLength: 1, batch: 1, ...extra };
}

test('LSTM step: gate order i,o,f,c; clip after the peephole term; o peeks at the new C', () => {
  const clipT = 0.3;
  for (const inputForget of [false, true]) {
    const d = describeCell({ cell: 'lstm', inputSize: 1, hiddenSize: 1, clip: clipT, inputForget, hasPeepholes: true, hasInitialH: true, hasInitialC: true });
    const inp = scalarInputs(4, { P: [0.9, -0.8, 0.7], initialH: [0.4], initialC: [-0.6] });
    const [W, R, B, P] = [inp.W, inp.R, inp.B!, inp.P!];
    const x = 0.7, h0 = 0.4, c0 = -0.6;
    const cl = (v: number) => Math.max(-clipT, Math.min(clipT, v));
    const pre = (g: number) => W[g] * x + R[g] * h0 + B[g] + B[4 + g];
    const i = sigmoid(cl(pre(0) + P[0] * c0));
    const f = inputForget ? 1 - i : sigmoid(cl(pre(2) + P[2] * c0));
    const C = f * c0 + i * Math.tanh(cl(pre(3)));
    const o = sigmoid(cl(pre(1) + P[1] * C));
    const out = referenceRnn(d, inp);
    assertClose(out.Y_c!, [C], 1e-15, 'Y_c');
    assertClose(out.Y_h, [o * Math.tanh(C)], 1e-15, 'Y_h');
    assertClose(out.Y, out.Y_h, 0, 'Y');
  }
});

test('GRU step: gate order z,r,h; linear_before_reset puts Rbh inside the reset product', () => {
  for (const linearBeforeReset of [false, true]) {
    const d = describeCell({ cell: 'gru', inputSize: 1, hiddenSize: 1, linearBeforeReset, hasInitialH: true });
    const inp = scalarInputs(3, { initialH: [0.4] });
    const [W, R, B] = [inp.W, inp.R, inp.B!];
    const x = 0.7, h0 = 0.4;
    const z = sigmoid(W[0] * x + R[0] * h0 + B[0] + B[3]);
    const r = sigmoid(W[1] * x + R[1] * h0 + B[1] + B[4]);
    const hh = Math.tanh(linearBeforeReset ? W[2] * x + B[2] + r * (R[2] * h0 + B[5]) : W[2] * x + B[2] + R[2] * (r * h0) + B[5]);
    assertClose(referenceRnn(d, inp).Y_h, [(1 - z) * hh + z * h0], 1e-15, `Y_h (lbr=${linearBeforeReset})`);
  }
});

test('RNN step with a custom activation and clip', () => {
  const d = describeCell({ cell: 'rnn', inputSize: 1, hiddenSize: 1, clip: 0.05, activations: [activation('Affine', 2, 0.25)] });
  const inp = scalarInputs(1);
  const pre = inp.W[0] * 0.7 + inp.B![0] + inp.B![1];
  assertClose(referenceRnn(d, inp).Y_h, [2 * Math.max(-0.05, Math.min(0.05, pre)) + 0.25], 1e-15, 'Y_h');
});

/** [n0, n1, inner] -> [n1, n0, inner]. */
function swap01(a: ArrayLike<number>, n0: number, n1: number, inner: number): Float64Array {
  const out = new Float64Array(n0 * n1 * inner);
  for (let p = 0; p < n0; p++) {
    for (let q = 0; q < n1; q++) {
      for (let k = 0; k < inner; k++) out[(q * n0 + p) * inner + k] = a[(p * n1 + q) * inner + k];
    }
  }
  return out;
}

/** A random layout-0 case: descriptor (with `over` applied) and inputs for T steps. */
function randomCase(seed: number, over: Partial<Omit<CellDescriptor, 'direction'>> = {}, direction?: Direction) {
  const rng = mulberry32(seed);
  const d = describeCell({ ...randomDescriptor(rng, { layout: 0, maxSize: 9, direction }), ...over });
  const T = randInt(rng, 1, 12);
  return { d, T, inp: randomInputs(rng, d, T, randInt(rng, 1, d.maxBatch)) };
}

test('layout 1 equals layout 0 transposed', () => {
  for (let seed = 1; seed <= 60; seed++) {
    const { d, T, inp } = randomCase(seed);
    const { batch: nb } = inp;
    const D = numDirections(d.direction), H = d.hiddenSize;
    const t1 = (a: ArrayLike<number> | null | undefined) => (a ? swap01(a, D, nb, H) : a);
    const d1 = describeCell({ ...d, layout: 1 });
    const inp1 = { ...inp, X: swap01(inp.X, T, nb, d.inputSize), initialH: t1(inp.initialH), initialC: t1(inp.initialC) };
    const o0 = referenceRnn(d, inp), o1 = referenceRnn(d1, inp1);
    assertClose(o1.Y, swap01(o0.Y, T * D, nb, H), 0, `seed ${seed} Y`);
    assertClose(o1.Y_h, swap01(o0.Y_h, D, nb, H), 0, `seed ${seed} Y_h`);
    if (o0.Y_c) assertClose(o1.Y_c!, swap01(o0.Y_c, D, nb, H), 0, `seed ${seed} Y_c`);
  }
});

/** Reverses, per batch row b, the first lens[b] steps of a layout-0 [T, B, n] tensor. */
function reverseRows(a: ArrayLike<number>, T: number, nb: number, n: number, lens: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(a);
  for (let b = 0; b < nb; b++) {
    for (let t = 0; t < lens[b]; t++) {
      for (let k = 0; k < n; k++) out[(t * nb + b) * n + k] = a[((lens[b] - 1 - t) * nb + b) * n + k];
    }
  }
  return out;
}

test('reverse direction equals forward on the time-reversed sequence (per sequence length)', () => {
  for (let seed = 100; seed <= 160; seed++) {
    const { d, T, inp } = randomCase(seed, {}, 'forward');
    const lens = inp.sequenceLens ?? new Array<number>(inp.batch).fill(T);
    const rev = referenceRnn(describeCell({ ...d, direction: 'reverse' }), inp);
    const fwd = referenceRnn(d, { ...inp, X: reverseRows(inp.X, T, inp.batch, d.inputSize, lens) });
    assertClose(rev.Y, reverseRows(fwd.Y, T, inp.batch, d.hiddenSize, lens), 0, `seed ${seed} Y`);
    assertClose(rev.Y_h, fwd.Y_h, 0, `seed ${seed} Y_h`);
    if (fwd.Y_c) assertClose(rev.Y_c!, fwd.Y_c, 0, `seed ${seed} Y_c`);
  }
});

test('bidirectional equals forward and reverse stacked', () => {
  for (let seed = 200; seed <= 250; seed++) {
    const { d, T, inp } = randomCase(seed, {}, 'bidirectional');
    const nb = inp.batch, H = d.hiddenSize, per = d.activations.length / 2;
    const half = (a: ArrayLike<number> | null | undefined, dir: number) =>
      a ? Float64Array.from(a).slice((dir * a.length) / 2, ((dir + 1) * a.length) / 2) : a;
    const outs = [0, 1].map((dir) => {
      const dd = describeCell({ ...d, direction: dir ? 'reverse' : 'forward', activations: d.activations.slice(dir * per, (dir + 1) * per) });
      const pick = { W: half(inp.W, dir)!, R: half(inp.R, dir)!, B: half(inp.B, dir), P: half(inp.P, dir), initialH: half(inp.initialH, dir), initialC: half(inp.initialC, dir) };
      return referenceRnn(dd, { ...inp, ...pick });
    });
    const bi = referenceRnn(d, inp);
    for (let dir = 0; dir < 2; dir++) {
      for (let t = 0; t < T; t++) {
        assertClose(bi.Y.subarray((t * 2 + dir) * nb * H, (t * 2 + dir + 1) * nb * H), outs[dir].Y.subarray(t * nb * H, (t + 1) * nb * H), 0, `seed ${seed} Y[${t},${dir}]`);
      }
      assertClose(bi.Y_h.subarray(dir * nb * H, (dir + 1) * nb * H), outs[dir].Y_h, 0, `seed ${seed} Y_h[${dir}]`);
      if (bi.Y_c) assertClose(bi.Y_c.subarray(dir * nb * H, (dir + 1) * nb * H), outs[dir].Y_c!, 0, `seed ${seed} Y_c[${dir}]`);
    }
  }
});

test('sequence_lens: each row equals that row run alone for its length; Y is zero past it', () => {
  for (let seed = 300; seed <= 360; seed++) {
    const { d, T, inp } = randomCase(seed, { hasSequenceLens: true });
    const nb = inp.batch, D = numDirections(d.direction), H = d.hiddenSize, I = d.inputSize;
    const full = referenceRnn(d, inp);
    for (let b = 0; b < nb; b++) {
      const L = inp.sequenceLens![b];
      const row = (a: ArrayLike<number> | null | undefined, n0: number, n: number) => {
        if (!a) return a;
        const out = new Float64Array(n0 * n);
        for (let p = 0; p < n0; p++) for (let k = 0; k < n; k++) out[p * n + k] = a[(p * nb + b) * n + k];
        return out;
      };
      const alone = referenceRnn(describeCell({ ...d, hasSequenceLens: false }), {
        ...inp, batch: 1, seqLength: L, sequenceLens: null,
        X: row(inp.X, T, I)!.subarray(0, L * I), initialH: row(inp.initialH, D, H), initialC: row(inp.initialC, D, H),
      });
      const Yb = row(full.Y, T * D, H)!;
      assertClose(Yb.subarray(0, L * D * H), alone.Y, 0, `seed ${seed} row ${b} Y`);
      assertClose(Yb.subarray(L * D * H), new Float64Array((T - L) * D * H), 0, `seed ${seed} row ${b} Y tail`);
      assertClose(row(full.Y_h, D, H)!, alone.Y_h, 0, `seed ${seed} row ${b} Y_h`);
      if (full.Y_c) assertClose(row(full.Y_c, D, H)!, alone.Y_c!, 0, `seed ${seed} row ${b} Y_c`);
    }
  }
});

test('zero-length rows keep the initial state (or zeros with zeroLengthState: zero)', () => {
  const d = describeCell({ cell: 'lstm', inputSize: 2, hiddenSize: 3, maxBatch: 2, direction: 'bidirectional', hasSequenceLens: true, hasInitialH: true, hasInitialC: true });
  const inp = randomInputs(mulberry32(7), d, 4, 2);
  inp.sequenceLens = [0, 4];
  const rowOf = (a: ArrayLike<number>, dir: number, b: number) => Array.from(a).slice((dir * 2 + b) * 3, (dir * 2 + b + 1) * 3);
  const out = referenceRnn(d, inp);
  const zeroed = referenceRnn(d, inp, { zeroLengthState: 'zero' });
  for (let dir = 0; dir < 2; dir++) {
    assertClose(rowOf(out.Y_h, dir, 0), rowOf(inp.initialH!, dir, 0), 0, 'Y_h');
    assertClose(rowOf(out.Y_c!, dir, 0), rowOf(inp.initialC!, dir, 0), 0, 'Y_c');
    assertClose(rowOf(zeroed.Y_h, dir, 0), [0, 0, 0], 0, 'zeroed Y_h');
    assertClose(rowOf(zeroed.Y_h, dir, 1), rowOf(out.Y_h, dir, 1), 0, 'full-length row unaffected');
    for (let t = 0; t < 4; t++) assertClose(out.Y.subarray(((t * 2 + dir) * 2) * 3, ((t * 2 + dir) * 2 + 1) * 3), [0, 0, 0], 0, 'Y');
  }
});

test('absent optional inputs equal zeros (and full lengths)', () => {
  for (let seed = 400; seed <= 430; seed++) {
    const { d, T, inp } = randomCase(seed, { hasPeepholes: false, hasSequenceLens: false, hasInitialH: false, hasInitialC: false });
    const D = numDirections(d.direction), n = D * inp.batch * d.hiddenSize;
    const zeros = referenceRnn(d, {
      ...inp, B: new Float32Array(inp.B!.length), sequenceLens: new Array<number>(inp.batch).fill(T),
      initialH: new Float32Array(n), initialC: d.cell === 'lstm' ? new Float32Array(n) : null,
      P: d.cell === 'lstm' ? new Float32Array(D * 3 * d.hiddenSize) : null,
    });
    const absent = referenceRnn(d, { ...inp, B: null });
    assertClose(absent.Y, zeros.Y, 0, 'Y');
    assertClose(absent.Y_h, zeros.Y_h, 0, 'Y_h');
  }
});

test('random descriptors are valid, cover every feature and stay bounded', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 300; seed++) {
    const rng = mulberry32(seed);
    const d = randomDescriptor(rng);
    assert.ok(Object.isFrozen(d) && isTame(d));
    seen.add(d.cell).add(d.direction).add(`layout${d.layout}`);
    for (const a of d.activations) seen.add(a.name);
    for (const k of ['clip', 'linearBeforeReset', 'inputForget', 'hasPeepholes', 'hasSequenceLens', 'hasInitialH', 'hasInitialC'] as const) {
      if (d[k]) seen.add(k);
    }
    const T = randInt(rng, 0, TAME_SEQ_LENGTH);
    const out = referenceRnn(d, randomInputs(rng, d, T, randInt(rng, 1, d.maxBatch)));
    for (const v of out.Y) assert.ok(Math.abs(v) <= 5, `seed ${seed}: |Y| = ${Math.abs(v)}`);
  }
  for (const k of ['lstm', 'gru', 'rnn', 'forward', 'reverse', 'bidirectional', 'layout0', 'layout1', ...ACTIVATION_NAMES,
    'clip', 'linearBeforeReset', 'inputForget', 'hasPeepholes', 'hasSequenceLens', 'hasInitialH', 'hasInitialC']) {
    assert.ok(seen.has(k), `never drew ${k}`);
  }
});

test.run();
