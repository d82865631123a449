/**
 * The recurrent k-loop alone, at batch 1: GFLOP/s of acc[a] += splat(h[k]) * R[k][a] over a block
 * of panels, emitted by the compiler's own k-loop (compiler/emit/kloop.ts) for the schedules the
 * planner chooses between (accumulators, k unroll, tree, fences, k-blocks summed apart), and the
 * same loop with h in a register (no h loads: the bound for loading every weight once). Rounds
 * alternate between the variants; medians.
 *
 *   npm run build && node --no-liftoff dist/bench/kloop.js [K] [R KiB]
 */
import type { Builder, Expr } from '../compiler/emit/ir.js';
import { emitKLoop } from '../compiler/emit/kloop.js';
import { instantiate, median } from './peak.js';

interface Variant {
  readonly label: string;
  readonly acc: number;
  readonly ku: number;
  readonly tree?: boolean;
  /** Accumulators between fences (0: none): a never-taken exit that reads them (step.ts). */
  readonly fence?: number;
  /** k steps summed apart into fresh accumulators (0: one chain). */
  readonly kBlock?: number;
  /** Multiply by a loop-invariant register instead of h[k]. */
  readonly hInRegister?: boolean;
}

const VARIANTS: Variant[] = [
  { label: 'h in a register, 4 acc, k2 tree (bound)', acc: 4, ku: 2, tree: true, hInRegister: true },
  { label: '4 acc, k2 tree (GRU phase 0 at U=8)', acc: 4, ku: 2, tree: true },
  { label: '4 acc, k2 tree, blocks of 128', acc: 4, ku: 2, tree: true, kBlock: 128 },
  { label: '4 acc, k2 tree, blocks of 64', acc: 4, ku: 2, tree: true, kBlock: 64 },
  { label: '8 acc, k2, fenced by 4 (LSTM default)', acc: 8, ku: 2, fence: 4 },
  { label: '8 acc, k2, fenced by 4, blocks of 128', acc: 8, ku: 2, fence: 4, kBlock: 128 },
  { label: '8 acc, k2, fenced by 4, blocks of 64', acc: 8, ku: 2, fence: 4, kBlock: 64 },
  { label: '6 acc, k1 (GRU, 3 gates)', acc: 6, ku: 1 },
  { label: '6 acc, k1, blocks of 128', acc: 6, ku: 1, kBlock: 128 },
];

const H_AT = 1024, R_AT = 1 << 16;

/** run(blocks): every block is `acc` f32x4 columns of R times h[0..K). */
function emit(b: Builder, v: Variant, K: number): void {
  const s = b.scope(['i32']);
  const blocks = s.param(0);
  const wk = s.local('i32'), hk = s.local('i32');
  const acc = Array.from({ length: v.acc }, () => s.local('v128'));
  const hReg = s.local('v128');
  const loop: Expr[] = emitKLoop(b, s, {
    acc: [acc],
    splat: (u) => (v.hInRegister ? s.get(hReg) : b.vsplatLoad(s.get(hk), u * 4)),
    weight: (u, a) => b.vload(s.get(wk), (u * v.acc + a) * 16),
    fencePointer: () => s.get(wk), fenceLabel: 'fence', fused: false,
  }, {
    K, ku: v.ku, tree: !!v.tree, fence: v.fence ?? 0, kBlock: v.kBlock ?? 0, label: 'k', pointer: hk,
    advance: (n) => [s.bump(wk, n * v.acc * 16), s.bump(hk, n * 4)],
  });
  s.finish('kloop', b.seq([
    s.set(wk, b.i32(R_AT)), s.set(hReg, b.vload(b.i32(H_AT))),
    b.loop('block', b.seq([
      ...acc.map((a) => s.set(a, b.vload(b.i32(0), 0))),
      s.set(hk, b.i32(H_AT)),
      ...loop,
      ...acc.map((a, i) => b.vstore(b.i32(0), 16 * (i % 4), s.get(a))),
      s.bump(blocks, -1), b.br('block', s.get(blocks)),
    ])),
  ]));
}

async function main(): Promise<void> {
  const K = Number(process.argv[2] ?? 256);
  const rKiB = Number(process.argv[3] ?? 192);
  const memory = new WebAssembly.Memory({ initial: Math.ceil((R_AT + rKiB * 1024 * 2) / 65536) + 1, maximum: 32768 });
  new Float32Array(memory.buffer).fill(0.001);
  const runs = VARIANTS.map((v) => {
    const blocks = Math.max(1, Math.round((rKiB * 1024) / (v.acc * 16 * K)));
    const f = instantiate(memory, (b) => emit(b, v, K), 'kloop');
    const flops = blocks * K * v.acc * 8;
    const reps = Math.max(1, Math.round(2e6 / flops));
    const call = () => { for (let r = 0; r < reps; r++) f(blocks); };
    const t0 = performance.now();
    while (performance.now() - t0 < 300) call(); // TurboFan
    return { v, call, flops: flops * reps, gflops: [] as number[] };
  });
  for (let round = 0; round < 31; round++) {
    for (const r of runs) {
      const t = performance.now();
      r.call();
      r.gflops.push(r.flops / (performance.now() - t) / 1e6);
    }
  }
  const bound = median(runs[0].gflops);
  console.log(`recurrent k-loop alone, K = ${K}, R about ${rKiB} KiB (in cache), batch 1; median of 31 alternating rounds:`);
  for (const r of runs) console.log(`  ${r.v.label.padEnd(46)} ${median(r.gflops).toFixed(1).padStart(5)} GFLOP/s  ${((100 * median(r.gflops)) / bound).toFixed(0).padStart(3)}% of the h-in-a-register loop`);
}

await main();
