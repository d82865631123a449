/**
 * The model-head matmul kernel (compiler/emit/matmul.ts) over its tile space, one thread.
 * TurboFan code only: the script re-runs itself under --no-liftoff (in Node 20 the peak probe's
 * long loop was seen to stay in Liftoff through warm-up). Each variant: warmed up for 300 ms, then 15 samples
 * of enough calls for ~5 ms each; the median GFLOP/s (2*M*K*N per call) and its ratio to the f32x4
 * mul+add peak measured in the same run by bench/peak.ts' probe (12 independent acc = acc*y + x chains).
 *
 *   node dist/bench/ops_matmul.js [M,K,N ...]      (default: 100,128,64 100,256,1024)
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { instantiate, peakProbe, time } from './peak.js';
import { emitMatmul, MATMUL_DEFAULT_TILE, packMatmulWeights, packMatmulBias, type MatmulSpec } from '../compiler/emit/matmul.js';

const memory = new WebAssembly.Memory({ initial: 512, maximum: 4096 });

function benchShape(M: number, K: number, N: number, peakG: number): void {
  const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
  const w = rand(K * N);
  const heap = new Float32Array(memory.buffer);
  const rows: { tile: string; g: number }[] = [];
  for (const NR of [4, 8, 12] as const) {
    const panels = packMatmulWeights(w, K, N, NR), bias = packMatmulBias(rand(N), N, NR);
    const panelsOffset = 1 << 16, biasOffset = panelsOffset + panels.length * 4;
    const aOff = (biasOffset + bias.length * 4 + 4095) & ~4095, outOff = aOff + M * K * 4 + 4096;
    for (let MR = 1; MR <= 6; MR++) {
      for (const kUnroll of [1, 2, 4]) {
        const spec: MatmulSpec = { K, N, MR, NR, kUnroll, panelsOffset, biasOffset };
        const f = instantiate(memory, (b) => emitMatmul(b, 'mm', spec), 'mm');
        heap.set(panels, panelsOffset / 4);
        heap.set(bias, biasOffset / 4);
        heap.set(rand(M * K), aOff / 4);
        const g = (2 * M * K * N) / time(() => f(aOff, outOff, M)) / 1e9;
        rows.push({ tile: `${MR}x${NR} k${kUnroll}`, g });
      }
    }
  }
  rows.sort((a, b) => b.g - a.g);
  console.log(`\nM=${M} K=${K} N=${N}: best 8 of ${rows.length} tiles (median GFLOP/s, ratio to peak)`);
  for (const r of rows.slice(0, 8)) console.log(`  ${r.tile.padEnd(10)} ${r.g.toFixed(2).padStart(7)}  ${(r.g / peakG).toFixed(2)}`);
  const { MR, NR, kUnroll } = MATMUL_DEFAULT_TILE;
  const def = rows.find((r) => r.tile === `${MR}x${NR} k${kUnroll}`);
  if (def) console.log(`  MATMUL_DEFAULT_TILE ${def.tile}: ${def.g.toFixed(2)} GFLOP/s (${(def.g / peakG).toFixed(2)} of peak)`);
}

if (!process.execArgv.includes('--no-liftoff')) {
  const r = spawnSync(process.execPath, ['--no-liftoff', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const shapes = process.argv.slice(2).length
  ? process.argv.slice(2).map((s) => s.split(',').map(Number))
  : [[100, 128, 64], [100, 256, 1024]];
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, 1 thread, wasm SIMD (no relaxed)`);
const peakG = peakProbe(memory);
console.log(`f32x4 mul+add peak probe: ${peakG.toFixed(2)} GFLOP/s`);
for (const [M, K, N] of shapes) benchShape(M, K, N, peakG);
