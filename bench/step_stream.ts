/**
 * Is the recurrent step bound by streaming R? At H = 1024 a step reads all of R (LSTM 16 MiB, GRU
 * 12 MiB) from L3 or DRAM, so a whole sequence's time over its bytes of R is the step's read
 * bandwidth. Beside it, in the same process, alternating with it and timed the same way (SEQ passes
 * a round), two probes over the same bytes, front to back as the step reads R's packed blocks: v128
 * loads or-ed into 4 chains (reading alone), and the step's own arithmetic, 8 accumulators
 * acc += h * R with h in a register (reading plus the multiply-adds, nothing else of a step).
 * Whole sessions of 1 worker (or --workers 2), plan variants A/B in alternating rounds: medians and p10.
 *
 *   npm run build && node --no-liftoff dist/bench/step_stream.js [cell/I/H ...] [--plans JSON] [--rounds N] [--workers 1|2]
 *   e.g. node --no-liftoff dist/bench/step_stream.js lstm/64/1024 gru/64/1024 --plans '[{},{"kBlock":256}]'
 */
import { loadavg } from 'node:os';
import { compileModel } from '../compiler/index.js';
import type { PlanOptions } from '../compiler/plan/cell.js';
import { InferenceSession, Tensor } from '../api/node.js';
import { gates, makeCase, type BenchCell } from './cases.js';
import { caseData, onnxModel } from './models.js';
import { instantiate, median } from './peak.js';

const SEQ = 100;
const p10 = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)];

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

interface Contender {
  readonly label: string;
  readonly rBytes: number;
  readonly run: () => Promise<void>;
  readonly release: () => Promise<void>;
  readonly ms: number[];
}

async function contenders(spec: string, plans: readonly PlanOptions[], workers: number): Promise<Contender[]> {
  const [cell, I, H] = spec.split('/');
  const c = makeCase('sequence', cell as BenchCell, Number(I), Number(H), SEQ, 1, false);
  const data = caseData(c);
  const model = onnxModel(c, data.weights);
  const X = new Tensor('float32', data.x, [SEQ, 1, c.input]);
  const rBytes = SEQ * gates(c.cell) * c.hidden * c.hidden * 4;
  const out: Contender[] = [];
  for (const plan of plans) {
    const { artifact } = compileModel(model, { ...plan, batch: 1, threads: workers > 1 });
    const s = await InferenceSession.create(artifact, { workers, adaptWorkers: false });
    const run = async () => { await s.run({ X }); };
    for (let i = 0; i < 5; i++) await run(); // TurboFan tier-up
    out.push({ label: `${spec} ${JSON.stringify(plan)} ${artifact.manifest.kernels.join(',')}`, rBytes, run, release: () => s.release(), ms: [] });
  }
  return out;
}

const PROBE_AT = 1 << 16;

type Probe = 'loads' | 'two streams' | 'madd';

/**
 * SEQ passes over `bytes` (a multiple of 256) at PROBE_AT: reading alone (front to back, or its two
 * halves side by side: two streams for the prefetchers), or with the step's multiply-adds.
 */
function probe(memory: WebAssembly.Memory, bytes: number, kind: Probe): () => void {
  const madd = kind === 'madd', half = kind === 'two streams' ? bytes / 2 : 0;
  const need = PROBE_AT + bytes + 256;
  if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  new Float32Array(memory.buffer, PROBE_AT, bytes / 4).fill(0.001);
  // Eight v128 loads an iteration; two streams take every other one from the second half.
  const at = (j: number) => (half ? (j >> 1) * 16 + (j & 1) * half : 16 * j);
  const advance = half ? 64 : 128;
  const f = instantiate(memory, (b) => {
    const s = b.scope(['i32', 'i32']);
    const ptr = s.param(0), end = s.param(1);
    const p = s.local('i32'), h = s.local('v128');
    const acc = Array.from({ length: madd ? 8 : 4 }, () => s.local('v128'));
    const load = (j: number) => b.vload(s.get(p), at(j));
    const body = madd
      ? acc.map((a, i) => s.set(a, b.vadd(s.get(a), b.vmul(s.get(h), load(i)))))
      : acc.map((a, i) => s.set(a, b.vor(s.get(a), b.vor(load(2 * i), load(2 * i + 1)))));
    s.finish('probe', b.seq([
      s.set(p, s.get(ptr)), s.set(h, b.vload(b.i32(0))),
      b.loop('l', b.seq([...body, s.bump(p, advance), b.br('l', b.ltU(s.get(p), s.get(end)))])),
      ...acc.map((a, i) => b.vstore(b.i32(0), 16 * (i % 4), s.get(a))),
    ]));
  }, 'probe');
  return () => { for (let t = 0; t < SEQ; t++) f(PROBE_AT, PROBE_AT + (half || bytes)); };
}

async function main(): Promise<void> {
  const specs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  const plans: PlanOptions[] = JSON.parse(flag('--plans') ?? '[{}]');
  const rounds = Number(flag('--rounds') ?? 11);
  const workers = Number(flag('--workers') ?? 1);
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 32768 });
  const all = (await Promise.all((specs.length ? specs : ['lstm/64/1024', 'gru/64/1024']).map((s) => contenders(s, plans, workers)))).flat();
  for (const rBytes of new Set(all.map((c) => c.rBytes))) {
    for (const kind of ['loads', 'two streams', 'madd'] as const) {
      const run = probe(memory, rBytes / SEQ, kind);
      for (let i = 0; i < 3; i++) run(); // TurboFan tier-up
      const label = `probe ${(rBytes / SEQ / 2 ** 20).toFixed(0)} MiB x ${SEQ}, ${kind === 'madd' ? 'acc += h * R, 8 accumulators' : `loads alone${kind === 'loads' ? '' : ', two streams'}`}`;
      all.push({ label, rBytes, run: async () => run(), release: async () => {}, ms: [] });
    }
  }
  const load0 = loadavg()[0];
  for (let r = 0; r < rounds; r++) {
    for (const c of all) {
      const t = performance.now();
      await c.run();
      c.ms.push(performance.now() - t);
    }
  }
  console.log(`${workers} worker(s), seq ${SEQ}, batch 1; ${rounds} alternating rounds; load average ${load0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
  for (const c of all) {
    const m = median(c.ms), q = p10(c.ms);
    console.log(`  ${c.label}\n      median ${m.toFixed(2)} ms (R ${(c.rBytes / m / 1e6).toFixed(1)} GB/s), p10 ${q.toFixed(2)} ms (${(c.rBytes / q / 1e6).toFixed(1)} GB/s)`);
  }
  for (const c of all) await c.release();
}

await main();
