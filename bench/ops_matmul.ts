/**
 * The model-head matmul kernel (compiler/emit/ops/matmul.ts) over its tile space, one thread.
 * TurboFan code only: the script re-runs itself under --no-liftoff (in Node 20 the peak probe's
 * long loop was seen to stay in Liftoff through warm-up). Each variant: warmed up for 300 ms, then 15 samples
 * of enough calls for ~5 ms each; the median GFLOP/s (2*M*K*N per call) and its ratio to the f32x4
 * mul+add peak measured in the same run by a probe (12 independent acc = acc*y + x chains).
 *
 *   node dist/bench/ops_matmul.js [M,K,N ...]      (default: 100,128,64 100,256,1024)
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { Builder } from '../compiler/ir.js';
import { emitMatmul, MATMUL_DEFAULT_TILE, packMatmulWeights, packMatmulBias, type MatmulSpec } from '../compiler/emit/ops/index.js';

const memory = new WebAssembly.Memory({ initial: 512, maximum: 4096 });
type Fn = (...args: number[]) => void;

function instantiate(emit: (b: Builder) => void, name: string): Fn {
  const b = new Builder({ simd: true, relaxedSimd: false, threads: false });
  try {
    b.importMemory(1, 32768);
    emit(b);
    b.exportFunction(name);
    if (!b.validate()) throw new Error(`${name} does not validate`);
    b.optimize();
    const m = new WebAssembly.Module(b.emitBinary() as Uint8Array<ArrayBuffer>);
    return new WebAssembly.Instance(m, { env: { memory } }).exports[name] as Fn;
  } finally {
    b.dispose();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median seconds per call of f() after warm-up. */
function time(f: () => void): number {
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < 300 || calls < 20) { f(); calls++; }
  const per = (performance.now() - t0) / calls;
  const reps = Math.max(1, Math.round(5 / per));
  const samples: number[] = [];
  for (let s = 0; s < 15; s++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) f();
    samples.push((performance.now() - t) / reps / 1000);
  }
  return median(samples);
}

/** GFLOP/s of f32x4 mul+add: 12 independent chains, 8 flops each per iteration. */
function peak(): number {
  const CHAINS = 12, ITERS = 1 << 12;
  const f = instantiate((b) => {
    const s = b.scope(['i32', 'i32']);
    const ptr = s.param(0), n = s.param(1);
    const acc = Array.from({ length: CHAINS }, () => s.local('v128'));
    const x = s.local('v128'), y = s.local('v128');
    s.finish('peak', b.seq([
      s.set(x, b.vload(s.get(ptr))), s.set(y, b.vload(s.get(ptr), 16)),
      ...acc.map((a, i) => s.set(a, b.vload(s.get(ptr), 32 + 16 * i))),
      b.loop('l', b.seq([
        ...acc.map((a) => s.set(a, b.vmadd(s.get(a), s.get(y), s.get(x)))),
        s.bump(n, -1), b.br('l', s.get(n)),
      ])),
      ...acc.map((a, i) => b.vstore(s.get(ptr), 32 + 16 * i, s.get(a))),
    ]));
  }, 'peak');
  new Float32Array(memory.buffer, 0, 64).fill(0.5);
  return (CHAINS * 8 * ITERS) / time(() => f(0, ITERS)) / 1e9;
}

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
        const f = instantiate((b) => emitMatmul(b, 'mm', spec), 'mm');
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
const peakG = peak();
console.log(`f32x4 mul+add peak probe: ${peakG.toFixed(2)} GFLOP/s`);
for (const [M, K, N] of shapes) benchShape(M, K, N, peakG);
