/**
 * rnnc on 2 workers against onnxruntime-web on 2 threads where users run them, batch 1, one process,
 * one run: each alone for a block of calls; another thread of this process busy 3 ms of every 10
 * (a UI, audio or parsing thread; both runtimes under the same load); calls alternating one by one
 * with onnxruntime-web's (its pool threads spin on after a run). rnnc on 1 worker alone gives the
 * 2-over-1 ratio. Sessions use their default options (rnnc: adaptWorkers on; how many of its calls
 * ran on the caller alone is shown). Medians after warm-up (TurboFan); the machine's load average
 * is printed with the numbers, which a shared machine makes noisy.
 *
 *   npm run bench:conditions
 *   node dist/bench/conditions.js --quick --filter lstm_i256_h256_t100_b1 [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { makeCase, type BenchCase } from './cases.js';
import { caseData, onnxModel } from './models.js';
import { loadOrtWeb, ortContestant, ortVersion } from './peers/ort.js';
import { compileCase, rnncContestant } from './peers/rnnc.js';
import type { Contestant } from './peers/types.js';
import { CONDITIONS, conditionsMarkdown, type Condition, type ConditionRow, type ConditionsResult } from './report/conditions.js';

/** The issue's shapes: (cell, input, hidden, seq). */
const SHAPES: readonly (readonly ['lstm' | 'gru', number, number, number])[] = [
  ['lstm', 256, 256, 100], ['gru', 256, 256, 100], ['lstm', 1024, 1024, 100], ['gru', 1024, 1024, 100],
  ['lstm', 256, 256, 1], ['lstm', 64, 64, 100],
];

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A thread of this process busy `busyMs` of every `periodMs` until stopped. */
function busyThread(busyMs: number, periodMs: number): { stop(): Promise<void> } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(`const { workerData: f } = require('node:worker_threads');
    while (Atomics.load(f, 0) === 0) {
      const t0 = performance.now(); let x = 0;
      while (performance.now() - t0 < ${busyMs}) x = (x + 1) % 1000003;
      Atomics.wait(f, 0, 0, ${periodMs - busyMs});
    }`, { eval: true, workerData: flag });
  const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  return { stop: async () => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); await exited; } };
}

async function timeOne(c: Contestant): Promise<number> {
  const t0 = performance.now();
  await c.run();
  return performance.now() - t0;
}

/** Blocks of `n` calls, contestant after contestant, `rounds` times: each contestant's call times. */
async function blocks(cs: readonly Contestant[], n: number, rounds: number): Promise<number[][]> {
  const times = cs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of cs.entries()) for (let k = 0; k < n; k++) times[i].push(await timeOne(c));
  }
  return times;
}

async function runCase(c: BenchCase, quick: boolean): Promise<ConditionRow> {
  const data = caseData(c);
  const model = onnxModel(c, data.weights);
  const compiled = compileCase(c, model);
  const rnnc = await rnncContestant('rnnc-2w', 2, c, data, compiled);
  const rnnc1 = await rnncContestant('rnnc-1w', 1, c, data, compiled);
  const ort = await ortContestant('ort-web-2t', await loadOrtWeb(2), c, data, model);
  const all = [rnnc, ort, rnnc1];
  // Warm-up: TurboFan tiers the kernels up after some calls; then a block is about 100 ms.
  let slowest = 0;
  for (const x of all) {
    for (let i = 0; i < 20; i++) await x.run();
    slowest = Math.max(slowest, await timeOne(x));
  }
  const n = Math.max(3, Math.min(200, Math.round((quick ? 40 : 100) / Math.max(slowest, 0.01))));
  const rounds = quick ? 2 : 5;
  const counts = [rnnc.calls!()];
  const alone = await blocks(all, n, rounds);
  counts.push(rnnc.calls!());
  const hog = busyThread(3, 10);
  const busy = await blocks([rnnc, ort], n, rounds);
  await hog.stop();
  counts.push(rnnc.calls!());
  const alt = await blocks([rnnc, ort], 1, n * rounds);
  counts.push(rnnc.calls!());
  const share = (i: number) => {
    const solo = counts[i + 1].solo - counts[i].solo, all = counts[i + 1].all - counts[i].all;
    return solo / Math.max(1, solo + all);
  };
  await Promise.all(all.map((x) => x.release()));
  return {
    id: c.id,
    rnnc: { alone: median(alone[0]), busy: median(busy[0]), alternating: median(alt[0]) },
    ort: { alone: median(alone[1]), busy: median(busy[1]), alternating: median(alt[1]) },
    rnnc1: median(alone[2]),
    solo: { alone: share(0), busy: share(1), alternating: share(2) },
  };
}

/** The six shapes (or those whose id contains one of `filter`'s comma-separated parts) in the three conditions. */
export async function runConditions(o: { quick?: boolean; filter?: string; log?: (line: string) => void } = {}): Promise<ConditionsResult> {
  const log = o.log ?? ((l: string) => console.error(l));
  const wanted = o.filter?.split(',');
  const cases = SHAPES.map(([cell, I, H, T]) => makeCase('sequence', cell, I, H, T, 1, true))
    .filter((c) => !wanted || wanted.some((w) => c.id.includes(w)));
  if (!cases.length) throw new Error(`--filter '${o.filter}' matches none of the conditions' shapes: ${SHAPES.map(([c, I, H, T]) => `${c}_i${I}_h${H}_t${T}_b1`).join(', ')}`);
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const before = load();
  const rows: ConditionRow[] = [];
  for (const c of cases) {
    rows.push(await runCase(c, !!o.quick));
    log(`${c.id} done`);
  }
  const header = [
    `rnnc 2 workers vs onnxruntime-web 2 threads (${ortVersion(await loadOrtWeb(2))}), Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}`,
    `load average before ${before}, after ${load()} (a shared machine: noisy); medians; busy = a thread busy 3 ms of every 10`,
  ].join('\n');
  return { header, rows };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, filter: { type: 'string' }, json: { type: 'string' } } });
  const result = await runConditions({ quick: values.quick, filter: values.filter });
  console.log(conditionsMarkdown(result));
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
}

if (process.argv[1]?.endsWith('conditions.js')) await main();
