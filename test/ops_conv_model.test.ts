/**
 * Conv through the module that ships: ONNX models built in memory, compiled by compileModel, run by
 * the engine, and compared with the independent float64 reference (conv_reference.ts) and with
 * onnxruntime-node on the same bytes: a seeded sweep of every attribute, and the shapes of the
 * Silero VAD front ends with the batch axis traced through the convolutions into an RNN.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnNodeWorker } from '../api/node.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { compileModel } from '../compiler/index.js';
import { ArtifactSession } from '../runtime/session.js';
import { Tensor } from '../runtime/tensor.js';
import { interpretProgram } from './program_interp.js';
import { type ConvAttrs, convPadding, referenceActivation, referenceConv } from './conv_reference.js';
import { convAttributes, convWeights, floats, relError, runBoth, runRnnc, sideRnn, type Feeds } from './conv_models.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { mulberry32, pick, randInt } from './random.js';

const ORT_TOLERANCE = 1e-4;

/** A model of `count` seeded convolutions on their own inputs, with their float64 reference outputs. */
function sweep(seed: number, count: number, sameDilated: boolean) {
  const rng = mulberry32(seed);
  const g = new GraphBuilder();
  sideRnn(g);
  const feeds: Feeds = { seq: { data: Float32Array.from(floats(rng, 6)), dims: [3, 1, 2] } };
  const cases: { name: string; tag: string; want: Float64Array }[] = [];
  for (let i = 0; i < count; i++) {
    const depthwise = i % 4 === 3;
    const group = depthwise ? randInt(rng, 2, 9) : pick(rng, [1, 1, 2, 3]);
    const C = depthwise ? group : group * randInt(rng, 1, 5), M = depthwise ? group : group * randInt(rng, 1, 7);
    const k = pick(rng, [1, 2, 3, 5, 7, 18]);
    const autoPad = sameDilated ? pick(rng, ['SAME_UPPER', 'SAME_LOWER'] as const) : pick(rng, ['NOTSET', 'NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'] as const);
    // onnxruntime refuses a dilation with SAME padding: those are checked against the reference alone.
    const dilation = sameDilated ? randInt(rng, 2, 3) : autoPad.startsWith('SAME') ? 1 : pick(rng, [1, 1, 2]);
    const a: ConvAttrs = { group, stride: randInt(rng, 1, 3), dilation, pads: [randInt(rng, 0, 3), randInt(rng, 0, 3)], autoPad };
    const span = (k - 1) * dilation + 1;
    const L = randInt(rng, span + 1, span + 12);
    const N = 2, act = pick(rng, ['', 'Relu', 'Sigmoid', 'Tanh']);
    const x = g.input(`x${i}`, [N, C, L]);
    const { W, B, w, b } = convWeights(g, rng, `conv${i}`, { C, M, k, group }, rng() < 0.7);
    const y = g.node('Conv', B ? [x, W, B] : [x, W], convAttributes(a, rng() < 0.5 ? k : undefined), { name: `conv${i}` });
    g.node(act || 'Identity', [y], [], { outputs: [`y${i}`] });
    g.output(`y${i}`, [N, M, convPadding(L, k, a).outLength]);
    const xd = Float32Array.from(floats(rng, N * C * L));
    feeds[`x${i}`] = { data: xd, dims: [N, C, L] };
    const want = referenceConv(xd, Float32Array.from(w), b && Float32Array.from(b), { N, C, L, M, k }, a).map((v) => (act ? referenceActivation(act, v) : v));
    cases.push({ name: `y${i}`, tag: `conv${i} C=${C} M=${M} L=${L} k=${k} ${JSON.stringify(a)} ${act}`, want });
  }
  return { bytes: g.encode(), feeds, cases };
}

test('seeded sweep: 48 convolutions of every stride, dilation, pad, auto_pad, group (depthwise too) and activation', async () => {
  const { bytes, feeds, cases } = sweep(21, 48, false);
  const steps = lowerModel(bytes).program.steps.map((s) => s.op);
  assert.is(steps.filter((s) => s === 'conv').length, 48);
  assert.ok(!steps.includes('relu') && !steps.includes('sigmoid') && !steps.includes('tanh'), `activations fused: ${steps.join(' ')}`);
  const { rnnc, ort } = await runBoth(bytes, feeds);
  for (const { name, tag, want } of cases) {
    assert.ok(relError(rnnc[name].data, want) <= 1e-5, `${tag}: ${relError(rnnc[name].data, want)} from the float64 reference`);
    assert.ok(relError(rnnc[name].data, ort[name].data) <= ORT_TOLERANCE, `${tag}: ${relError(rnnc[name].data, ort[name].data)} from onnxruntime`);
  }
});

test('seeded sweep: SAME_UPPER / SAME_LOWER with dilations 2 and 3 (which onnxruntime refuses) against the reference', async () => {
  const { bytes, feeds, cases } = sweep(22, 16, true);
  const got = await runRnnc(bytes, feeds);
  for (const { name, tag, want } of cases) assert.ok(relError(got[name].data, want) <= 1e-5, `${tag}: ${relError(got[name].data, want)}`);
});

/**
 * Silero VAD v5's front end at 16 kHz (8 kHz: `rate` 8): the STFT as a conv, then four encoder
 * convs with Relu; the channel Slice stands in for the magnitude. The encoder's [B, 128, 1] becomes
 * the initial state of a GRU, so the batch axis is traced from the GRU back through every conv.
 */
function sileroV5(rate: 16 | 8, seed: number): { bytes: Uint8Array; feeds: (B: number) => Feeds } {
  const rng = mulberry32(seed);
  const [Lin, taps, hop, bins] = rate === 16 ? [640, 256, 128, 258] : [320, 128, 64, 130];
  const g = new GraphBuilder();
  g.opset = 16;
  const audio = g.input('audio', ['B', 1, Lin]);
  const stft = convWeights(g, rng, 'stft', { C: 1, M: bins, k: taps }, false);
  const spec = g.node('Conv', [audio, stft.W], [attr.ints('strides', [hop])], { name: 'stft', outputs: ['spec'] });
  let h = g.node('Slice', [spec, g.ints('s0', [0]), g.ints('s1', [bins / 2]), g.ints('sa', [1])]);
  const encoder: [number, number, number][] = [[bins / 2, 128, 1], [128, 64, 2], [64, 64, 2], [64, 128, 1]];
  encoder.forEach(([C, M, stride], i) => {
    const { W, B } = convWeights(g, rng, `enc${i}`, { C, M, k: 3 }, true);
    h = g.node('Relu', [g.node('Conv', [h, W, B!], [attr.ints('pads', [1, 1]), attr.ints('strides', [stride])], { name: `enc${i}` })],
      [], i === 3 ? { outputs: ['features'] } : {});
  });
  const h0 = g.node('Transpose', [h], [attr.ints('perm', [2, 0, 1])]);
  const x = g.input('x', ['T', 'B', 4]);
  const [, yh] = g.rnn('GRU', x, 128, 4, { name: 'gru', initialH: h0 });
  g.node('Identity', [yh], [], { outputs: ['state'] });
  g.output('spec', ['B', bins, 4]).output('features', ['B', 128, 1]).output('state', [1, 'B', 128]);
  return {
    bytes: g.encode(),
    feeds: (B) => ({
      audio: { data: Float32Array.from(floats(rng, B * Lin)), dims: [B, 1, Lin] },
      x: { data: Float32Array.from(floats(rng, 5 * B * 4)), dims: [5, B, 4] },
    }),
  };
}

for (const rate of [16, 8] as const) {
  test(`Silero v5 ${rate} kHz front end: STFT conv, four encoder convs, batch traced into the GRU; matches onnxruntime at batch 1 and 3`, async () => {
    const { bytes, feeds } = sileroV5(rate, rate);
    const { program } = lowerModel(bytes, { batch: 3 });
    assert.equal(program.inputs.find((i) => i.name === 'audio')!.dims, ['batch', 1, rate === 16 ? 640 : 320]);
    const ops = program.steps.map((s) => s.op);
    assert.is(ops.filter((s) => s === 'conv').length, 5, ops.join(' '));
    assert.ok(!ops.includes('relu'), `every Relu fused: ${ops.join(' ')}`);
    for (const B of [1, 3]) {
      const { rnnc, ort } = await runBoth(bytes, feeds(B), { batch: 3 });
      for (const name of ['spec', 'features', 'state']) {
        assert.equal(rnnc[name].dims, ort[name].dims, `${name} dims`);
        assert.ok(relError(rnnc[name].data, ort[name].data) <= ORT_TOLERANCE, `B=${B} ${name}: ${relError(rnnc[name].data, ort[name].data)} from onnxruntime`);
      }
    }
  });
}

test('Silero v5 16 kHz front end in the multi-worker module (the convs on worker 0) and in the float64 interpreter', async () => {
  const { bytes, feeds } = sileroV5(16, 3);
  const f = feeds(2);
  const tensors = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, new Tensor('float32', v.data, v.dims)]));
  const want = await runRnnc(bytes, f, { batch: 2 });
  const artifact = compileModel(bytes, { batch: 2, threads: true }).artifact;
  const s = await ArtifactSession.fromArtifact(artifact, { workers: 2, spawn: spawnNodeWorker });
  const got = await s.run(tensors);
  await s.release();
  const interpreted = interpretProgram(lowerModel(bytes, { batch: 2 }).program, 5, 2, Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.data])));
  for (const name of ['spec', 'features', 'state']) {
    assert.equal(Array.from(got[name].data as Float32Array), Array.from(want[name].data), `${name}: 2 workers give the single-worker result`);
    assert.ok(relError(want[name].data, interpreted[name]) <= 1e-4, `${name}: ${relError(want[name].data, interpreted[name])} from the interpreter`);
  }
});

test('Silero legacy shapes: depthwise (group 258, 16, 32) with bias and Relu, pointwise, 1x1 stride 2, k=7 unpadded, decoder with Sigmoid', async () => {
  const rng = mulberry32(5);
  const g = new GraphBuilder();
  g.opset = 16;
  const conv = (x: string, C: number, M: number, k: number, attrs: ConvAttrs, act: string, bias = true) => {
    const name = `c${g.nodes.length}`;
    const { W, B } = convWeights(g, rng, name, { C, M, k, group: attrs.group }, bias);
    const y = g.node('Conv', B ? [x, W, B] : [x, W], convAttributes(attrs, k), { name });
    return act ? g.node(act, [y]) : y;
  };
  const x = g.input('x', ['B', 258, 9]);
  let h = conv(x, 258, 258, 5, { group: 258, pads: [2, 2] }, 'Relu');
  h = conv(h, 258, 16, 1, {}, '', false);
  h = conv(h, 16, 16, 5, { group: 16, pads: [2, 2] }, 'Relu');
  h = conv(h, 16, 32, 1, { stride: 2 }, 'Relu');
  h = conv(h, 32, 32, 5, { group: 32, pads: [2, 2] }, 'Relu');
  h = conv(h, 32, 64, 1, { stride: 2 }, 'Relu');
  const out = conv(h, 64, 1, 1, {}, 'Sigmoid');
  g.node('Identity', [out], [], { outputs: ['prob'] });
  const tail = conv(g.input('y', [2, 1, 40]), 1, 1, 7, {}, '');
  g.node('Identity', [tail], [], { outputs: ['smooth'] });
  // The batch reaches the RNN through the decoder's output: [B, 1, 3] -> [1, B, 3], the GRU's initial state.
  const [, yh] = g.rnn('GRU', g.input('seq', ['T', 'B', 2]), 3, 2, { name: 'gru', initialH: g.node('Transpose', [out], [attr.ints('perm', [1, 0, 2])]) });
  g.node('Identity', [yh], [], { outputs: ['state'] });
  g.output('prob', ['B', 1, 3]).output('smooth', [2, 1, 34]).output('state', [1, 'B', 3]);
  const bytes = g.encode();
  const steps = lowerModel(bytes, { batch: 2 }).program.steps.map((s) => s.op);
  assert.is(steps.filter((s) => s === 'conv').length, 8, steps.join(' '));
  for (const B of [2, 1]) {
    const feeds: Feeds = {
      x: { data: Float32Array.from(floats(rng, B * 258 * 9)), dims: [B, 258, 9] },
      y: { data: Float32Array.from(floats(rng, 2 * 40)), dims: [2, 1, 40] },
      seq: { data: Float32Array.from(floats(rng, 4 * B * 2)), dims: [4, B, 2] },
    };
    const { rnnc, ort } = await runBoth(bytes, feeds, { batch: 2 });
    for (const name of ['prob', 'smooth', 'state']) {
      assert.ok(relError(rnnc[name].data, ort[name].data) <= ORT_TOLERANCE, `B=${B} ${name}: ${relError(rnnc[name].data, ort[name].data)} from onnxruntime`);
    }
  }
});

test('a conv after the RNN: Y_h [1, B, H] as [B, 1, H], padded conv with Relu, batch 1..4', async () => {
  const rng = mulberry32(8);
  const g = new GraphBuilder();
  const [, yh] = g.rnn('LSTM', g.input('x', ['T', 'B', 3]), 6, 3, { name: 'lstm' });
  const { W, B } = convWeights(g, rng, 'head', { C: 1, M: 5, k: 3 }, true);
  const y = g.node('Conv', [g.node('Transpose', [yh], [attr.ints('perm', [1, 0, 2])]), W, B!], [attr.ints('pads', [1, 1])], { name: 'head' });
  g.node('Relu', [y], [], { outputs: ['out'] });
  g.output('out', ['B', 5, 6]);
  const bytes = g.encode();
  for (const Bn of [1, 4]) {
    const { rnnc, ort } = await runBoth(bytes, { x: { data: Float32Array.from(floats(rng, 7 * Bn * 3)), dims: [7, Bn, 3] } }, { batch: 4 });
    assert.equal(rnnc.out.dims, [Bn, 5, 6]);
    assert.ok(relError(rnnc.out.data, ort.out.data) <= ORT_TOLERANCE, `B=${Bn}: ${relError(rnnc.out.data, ort.out.data)}`);
  }
});

test.run();
