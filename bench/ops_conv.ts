/**
 * The conv kernels (compiler/emit/conv.ts, conv_depthwise.ts) on the Silero VAD shapes
 * (bench/conv_cases.ts), one thread. TurboFan code only: the script re-runs itself under
 * --no-liftoff. Each variant is warmed up for 300 ms, then timed in 15 samples of ~5 ms each
 * (bench/peak.ts' `time`); the median GFLOP/s (2 * M * C/group per tap that reads inside the input,
 * per output position and batch row: the padding's products are skipped) and its ratio to the f32x4 mul+add peak measured in the same run (bench/peak.ts' probe:
 * 12 independent acc = acc*y + x chains). The tile the planner picks (ops/conv.ts' planConv) is
 * printed with the best of the other tiles the emitter accepts.
 *
 *   node dist/bench/ops_conv.js [--batch N] [case-id-substring ...]     (default batch 1, every case)
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { emitDirectConv, packDirectBias, packDirectWeights } from '../compiler/emit/conv.js';
import {
  depthwiseScratchFloats, emitDepthwiseConv, packDepthwiseBias, packDepthwiseWeights,
} from '../compiler/emit/conv_depthwise.js';
import type { ConvGeometry } from '../compiler/emit/conv_parts.js';
import { activation } from '../compiler/cells/activations.js';
import type { Epilogue } from '../compiler/emit/epilogue.js';
import { type ConvPlan, planConv } from '../compiler/ops/conv.js';
import { SILERO_CONVS, convFlops } from './conv_cases.js';
import { instantiate, peakProbe, time } from './peak.js';

const memory = new WebAssembly.Memory({ initial: 512, maximum: 4096 });
const RELU: Epilogue = { kind: 'activation', activation: activation('Relu') };

/** Seconds per call of the kernel of `plan` on N rows of g (bias and Relu fused, as in the model). */
function timeKernel(g: ConvGeometry, plan: ConvPlan, N: number): number {
  const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
  const heap = new Float32Array(memory.buffer);
  const w = rand(g.M * (g.C / g.group) * g.k), bias = rand(g.M);
  const [packed, packedBias] = plan.kernel === 'direct'
    ? [packDirectWeights(w, g, plan.vectors), packDirectBias(bias, g, plan.vectors)]
    : [packDepthwiseWeights(w, g), packDepthwiseBias(bias, g)];
  const weightsOffset = 1 << 16, biasOffset = weightsOffset + packed.length * 4;
  const xOff = (biasOffset + packedBias.length * 4 + 4095) & ~4095;
  const outOff = xOff + N * g.C * g.L * 4 + 4096, scratch = outOff + N * g.M * g.outLength * 4 + 4096;
  const common = { geometry: g, weightsOffset, biasOffset, epilogue: RELU, fused: false };
  heap.set(packed, weightsOffset / 4);
  heap.set(packedBias, biasOffset / 4);
  heap.set(rand(N * g.C * g.L), xOff / 4);
  if (plan.kernel === 'depthwise') {
    if (scratch + depthwiseScratchFloats(g) * 4 > memory.buffer.byteLength) throw new Error('bench memory too small');
    const f = instantiate(memory, (b) => emitDepthwiseConv(b, 'conv', { ...common, positions: plan.positions }), 'conv');
    return time(() => f(xOff, outOff, N, scratch));
  }
  const f = instantiate(memory, (b) => emitDirectConv(b, 'conv', { ...common, positions: plan.positions, vectors: plan.vectors, tapLoop: plan.tapLoop }), 'conv');
  return time(() => f(xOff, outOff, N));
}

/** The tiles besides the planned one: every positions x vectors the emitter accepts (depthwise: positions). */
function alternatives(g: ConvGeometry, planned: ConvPlan): ConvPlan[] {
  if (planned.kernel === 'depthwise') return [1, 2, 3, 4].map((positions) => ({ ...planned, positions }));
  const out: ConvPlan[] = [];
  for (let positions = 1; positions <= Math.min(4, g.outLength); positions++) {
    for (const vectors of [1, 2, 3, 4, 6, 8]) {
      if (vectors <= Math.ceil(g.M / g.group / 4)) out.push({ ...planned, positions, vectors });
    }
  }
  return out;
}

const label = (p: ConvPlan) => (p.kernel === 'direct' ? `${p.positions}x${4 * p.vectors}${p.tapLoop ? ' taps looped' : ''}` : `depthwise ${p.positions}`);

if (!process.execArgv.includes('--no-liftoff')) {
  const r = spawnSync(process.execPath, ['--no-liftoff', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const args = process.argv.slice(2);
const at = args.indexOf('--batch');
const N = at >= 0 ? Number(args.splice(at, 2)[1]) : 1;
const cases = SILERO_CONVS.filter((c) => args.length === 0 || args.some((a) => c.id.includes(a)));
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, 1 thread, wasm SIMD (no relaxed), batch ${N}, bias + Relu fused`);
const peakG = peakProbe(memory);
console.log(`f32x4 mul+add peak probe: ${peakG.toFixed(2)} GFLOP/s\n`);
console.log(`${'case'.padEnd(16)} ${'planned tile'.padEnd(20)} GFLOP/s  of peak   best other tile      GFLOP/s  of peak`);
for (const c of cases) {
  const g = c.geometry;
  const planned = planConv(g, false, { buffer: () => 0 });
  const gflops = (p: ConvPlan) => (N * convFlops(g)) / timeKernel(g, p, N) / 1e9;
  const mine = gflops(planned);
  const others = alternatives(g, planned).filter((p) => label(p) !== label(planned)).map((p) => ({ p, g: gflops(p) }));
  const best = others.sort((a, b) => b.g - a.g)[0];
  const row = (name: string, v: number) => `${name.padEnd(20)} ${v.toFixed(2).padStart(7)}  ${(v / peakG).toFixed(2).padStart(7)}`;
  console.log(`${(c.id + (c.large ? ' *' : '')).padEnd(16)} ${row(label(planned), mine)}   ${best ? row(label(best.p), best.g) : ''}`);
}
console.log('\n* a large encoder conv (target: >= 0.5 of peak)');
