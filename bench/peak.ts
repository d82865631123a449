/**
 * This engine's limits, measured with tiny wasm modules built by compiler/emit/ir.ts: the f32x4 mul+add
 * peak of one core (independent accumulator chains), the relaxed-madd peak where the engine has it,
 * and the read bandwidth of one core at several working-set sizes (from L1-resident to DRAM).
 *
 * `measureMachine()` runs the probes in a child Node process under --no-liftoff (TurboFan code only:
 * in Node 20 a probe's long loop was seen to stay in Liftoff through warm-up) and, on Node 20, with
 * --experimental-wasm-relaxed-simd. `node dist/bench/peak.js` prints the probes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Builder } from '../compiler/emit/ir.js';
import { loadBinaryen } from '../compiler/emit/wasm/binaryen.js';

await loadBinaryen(); // kernels here run after binaryen's -O3
import { detectFeatures } from '../runtime/features.js';

type Fn = (...args: number[]) => void;

/** Builds, validates, optimizes and instantiates a one-function module on `memory`. */
export function instantiate(memory: WebAssembly.Memory, emit: (b: Builder) => void, name: string, relaxedSimd = false): Fn {
  const b = new Builder({ simd: true, relaxedSimd, threads: false });
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

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Seconds per call of f() after 300 ms (and >= 20 calls) of warm-up, from 15 samples of ~5 ms: their
 * median, or with `fastest` the second fastest (about the 10th percentile: a probe of what the machine can do; other load
 * only ever slows a sample down).
 */
export function time(f: () => void, fastest = false): number {
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
  return fastest ? [...samples].sort((a, b) => a - b)[1] : median(samples);
}

/**
 * GFLOP/s of f32x4 acc = acc * y + x: 12 independent chains, 8 flops per chain and iteration. With
 * `relaxed`, each is one f32x4.relaxed_madd (an FMA where the CPU has one); else a mul and an add.
 */
export function peakProbe(memory: WebAssembly.Memory, relaxed = false): number {
  const CHAINS = 12, ITERS = 1 << 12;
  const f = instantiate(memory, (b) => {
    const s = b.scope(['i32', 'i32']);
    const ptr = s.param(0), n = s.param(1);
    const acc = Array.from({ length: CHAINS }, () => s.local('v128'));
    const x = s.local('v128'), y = s.local('v128');
    s.finish('peak', b.seq([
      s.set(x, b.vload(s.get(ptr))), s.set(y, b.vload(s.get(ptr), 16)),
      ...acc.map((a, i) => s.set(a, b.vload(s.get(ptr), 32 + 16 * i))),
      b.loop('l', b.seq([
        ...acc.map((a) => s.set(a, b.vmadd(s.get(a), s.get(y), s.get(x), relaxed))),
        s.bump(n, -1), b.br('l', s.get(n)),
      ])),
      ...acc.map((a, i) => b.vstore(s.get(ptr), 32 + 16 * i, s.get(a))),
    ]));
  }, 'peak', relaxed);
  new Float32Array(memory.buffer, 0, 64).fill(0.5);
  return (CHAINS * 8 * ITERS) / time(() => f(0, ITERS), true) / 1e9;
}

/**
 * GB/s of reading `bytes` (a multiple of 128): 8 v128 loads per iteration, or-ed pairwise into 4
 * independent chains (8 chains of one load each made TurboFan spill one to the stack: a
 * store-to-load round trip per iteration capped the probe at ~12 bytes/cycle).
 */
export function bandwidthProbe(memory: WebAssembly.Memory, bytes: number): number {
  const base = 1 << 16;
  const need = base + bytes + 256;
  if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  const f = instantiate(memory, (b) => {
    const s = b.scope(['i32', 'i32']);
    const ptr = s.param(0), end = s.param(1);
    const p = s.local('i32');
    const acc = Array.from({ length: 4 }, () => s.local('v128'));
    s.finish('stream', b.seq([
      s.set(p, s.get(ptr)),
      b.loop('l', b.seq([
        ...acc.map((a, i) => s.set(a, b.vor(s.get(a), b.vor(b.vload(s.get(p), 32 * i), b.vload(s.get(p), 32 * i + 16))))),
        s.bump(p, 128), b.br('l', b.ltU(s.get(p), s.get(end))),
      ])),
      ...acc.map((a, i) => b.vstore(b.i32(0), 16 * i, s.get(a))),
    ]));
  }, 'stream');
  new Uint8Array(memory.buffer, base, bytes).fill(1);
  return bytes / time(() => f(base, base + bytes), true) / 1e9;
}

/** Working-set sizes of the bandwidth probe: from L1-resident to far beyond any cache. */
export const BANDWIDTH_SIZES = [
  { label: '32 KiB', bytes: 32 << 10 },
  { label: '256 KiB', bytes: 256 << 10 },
  { label: '512 KiB', bytes: 512 << 10 },
  { label: '1 MiB', bytes: 1 << 20 },
  { label: '2 MiB', bytes: 2 << 20 },
  { label: '8 MiB', bytes: 8 << 20 },
  { label: '16 MiB', bytes: 16 << 20 },
  { label: '256 MiB', bytes: 256 << 20 },
] as const;

/** What the probes measured, one core. */
export interface MachineProbe {
  /** f32x4 mul+add GFLOP/s (one core): the 100% of every "% of peak". */
  readonly mulAddGflops: number;
  /** f32x4.relaxed_madd GFLOP/s, or null when the engine has no relaxed SIMD. */
  readonly relaxedMaddGflops: number | null;
  readonly bandwidth: readonly { readonly label: string; readonly bytes: number; readonly gbps: number }[];
  /** Flags the probe process ran with. */
  readonly flags: readonly string[];
}

/** Runs every probe in this process (call under --no-liftoff). */
export function probeHere(flags: readonly string[]): MachineProbe {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768 });
  const mulAddGflops = peakProbe(memory);
  const relaxedMaddGflops = detectFeatures().relaxedSimd ? peakProbe(memory, true) : null;
  const bandwidth = BANDWIDTH_SIZES.map((s) => ({ ...s, gbps: bandwidthProbe(memory, s.bytes) }));
  return { mulAddGflops, relaxedMaddGflops, bandwidth, flags };
}

/**
 * The faster reading of each probe: the run probes at its start and again at its end, and other
 * tenants of the host slow either (the 16 MiB read ranged 48-98 GB/s across runs).
 */
export function fastestOf(a: MachineProbe, b: MachineProbe): MachineProbe {
  const relaxed = a.relaxedMaddGflops !== null && b.relaxedMaddGflops !== null ? Math.max(a.relaxedMaddGflops, b.relaxedMaddGflops) : a.relaxedMaddGflops ?? b.relaxedMaddGflops;
  return {
    mulAddGflops: Math.max(a.mulAddGflops, b.mulAddGflops),
    relaxedMaddGflops: relaxed,
    bandwidth: a.bandwidth.map((x) => ({ ...x, gbps: Math.max(x.gbps, b.bandwidth.find((y) => y.bytes === x.bytes)?.gbps ?? 0) })),
    flags: a.flags,
  };
}

/** Runs the probes in a child process under --no-liftoff (+ relaxed SIMD where the flag exists). */
export function measureMachine(): MachineProbe {
  const script = fileURLToPath(import.meta.url);
  const attempts = [['--no-liftoff', '--experimental-wasm-relaxed-simd'], ['--no-liftoff']];
  let last = '';
  for (const flags of attempts) {
    const r = spawnSync(process.execPath, [...flags, script, '--json'], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status === 0) return JSON.parse(r.stdout.trim().split('\n').pop()!) as MachineProbe;
    last = `${r.stderr}`.trim().split('\n').slice(-3).join(' | ');
  }
  throw new Error(`bench/peak.js: the probe process failed (${last})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const json = process.argv.includes('--json');
  if (!json && !process.execArgv.includes('--no-liftoff')) {
    const r = spawnSync(process.execPath, ['--no-liftoff', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  const p = probeHere(process.execArgv);
  if (json) console.log(JSON.stringify(p));
  else {
    console.log(`f32x4 mul+add peak: ${p.mulAddGflops.toFixed(2)} GFLOP/s; relaxed madd: ${p.relaxedMaddGflops?.toFixed(2) ?? 'n/a'}`);
    for (const b of p.bandwidth) console.log(`read bandwidth, ${b.label.padStart(7)} working set: ${b.gbps.toFixed(1)} GB/s`);
  }
}
