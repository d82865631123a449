/**
 * What this machine gives a second worker: the throughput of two busy threads over one (an integer
 * loop; the f32x4 peak and a 512 KiB read on two threads at once), the cost
 * of the per-timestep barrier (a tiny LSTM and GRU: per timestep from calls at seq 1000 vs seq 1,
 * on 2 workers minus on 1; GRU with linear_before_reset 0 meets twice a step), and 1 vs 2 workers on
 * LSTM and GRU 256/256, LSTM 4/256 and 1024/1024, seq 100 batch 1 (alternating rounds: medians, p10s,
 * and the unit blocks a call moved between workers), and two 2-worker sessions taking turns at LSTM 256/256
 * streaming steps (20 each), told the machine's cores (idle workers sleep while the other session
 * computes, pool.ts) or not (they poll for 2 ms): in one run, medians after warm-up. Every 2-worker
 * session here runs its calls on both workers (adaptWorkers off).
 *
 *   npm run build && node dist/bench/parallel.js
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { describeCell, type CellDescriptorInit } from '../compiler/cells/descriptor.js';
import { gateCount } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel } from '../compiler/index.js';
import { ArtifactSession } from '../runtime/session.js';
import { spawnNodeWorker } from '../runtime/node.js';
import { Tensor } from '../runtime/tensor.js';
import type { Spawn } from '../runtime/pool.js';
import { controlView, stolenBy } from '../contract/control.js';

const BUSY = `const { parentPort } = require('node:worker_threads');
  const t0 = performance.now(); let x = 0; for (let i = 0; i < 2e8; i++) x = (x + i * 7) % 1000003;
  parentPort.postMessage(performance.now() - t0 + (x < 0 ? 1 : 0));`;

/** The slowest thread's loop time (startup excluded) with `n` threads busy at once. */
async function busyThreads(n: number): Promise<number> {
  const times = await Promise.all(Array.from({ length: n }, () => new Promise<number>((resolve) => {
    const w = new Worker(BUSY, { eval: true });
    w.once('message', (ms: number) => { void w.terminate(); resolve(ms); });
  })));
  return Math.max(...times);
}

/**
 * One core's f32x4 mul+add GFLOP/s and 512 KiB read GB/s (bench/peak.ts probes, the fastest of 2.5 s)
 * on each of `n` threads at once: two cores share nothing that halves these (not one core's two
 * hyperthreads), or they do.
 */
async function probeThreads(n: number): Promise<{ peak: number; read: number }[]> {
  const peak = JSON.stringify(new URL('./peak.js', import.meta.url).href);
  const code = `const { parentPort } = require('node:worker_threads');
    import(${peak}).then(({ peakProbe, bandwidthProbe }) => {
      const memory = new WebAssembly.Memory({ initial: 64, maximum: 32768 });
      let peak = 0, read = 0; const t0 = performance.now();
      while (performance.now() - t0 < 2500) { peak = Math.max(peak, peakProbe(memory)); read = Math.max(read, bandwidthProbe(memory, 512 << 10)); }
      parentPort.postMessage({ peak, read });
    });`;
  return Promise.all(Array.from({ length: n }, () => new Promise<{ peak: number; read: number }>((resolve) => {
    const w = new Worker(code, { eval: true });
    w.once('message', (r: { peak: number; read: number }) => { void w.terminate(); resolve(r); });
  })));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The fast end of a sample: rounds the host did not interrupt. */
const p10 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)];

const fill = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * s);

/** A session of one RNN node with fixed weights, calls on every worker (adaptWorkers off), and its input of `seq` steps. */
async function open(init: CellDescriptorInit, seq: number, workers: number, cores = Infinity) {
  const d = describeCell(init);
  const G = gateCount(d.cell), H = d.hiddenSize, I = d.inputSize;
  const model = cellModel(d, { weights: { W: fill(G * H * I, 0.05), R: fill(G * H * H, 0.05) }, outputs: ['Y_h'] });
  let control: Int32Array | null = null;
  const spawn: Spawn = (init, events) => { control = controlView(init.memory, init.control); return spawnNodeWorker(init, events); };
  const s = await ArtifactSession.fromArtifact(compileModel(model, { threads: true }).artifact, { workers, spawn, adaptWorkers: false, cores });
  /** Unit blocks taken from other workers' ranges so far, all workers. */
  const stolen = () => (control ? Array.from({ length: workers }, (_, w) => stolenBy(control!, w)).reduce((a, b) => a + b, 0) : 0);
  return { s, stolen, feeds: { X: new Tensor('float32', fill(seq * I, 1), [seq, 1, I]) } };
}

async function timeCall(init: CellDescriptorInit, seq: number, workers: number): Promise<number> {
  const { s, feeds } = await open(init, seq, workers);
  for (let i = 0; i < 40; i++) await s.run(feeds);
  const ts: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    ts.push(performance.now() - t0);
  }
  await s.release();
  return median(ts);
}

const one = await busyThreads(1), two = await busyThreads(2);
console.log(`node ${process.versions.node}, ${os.cpus()[0]?.model}, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(2)}`);
console.log(`two busy threads: ${((2 * one) / two).toFixed(2)}x the throughput of one (parallel efficiency ${(one / two).toFixed(2)}; loops only, thread startup excluded)`);
{
  const [alone] = await probeThreads(1), both = await probeThreads(2);
  const sum = (k: 'peak' | 'read') => both.reduce((a, r) => a + r[k], 0) / alone[k];
  console.log(`two threads at once, f32x4 mul+add ${both.map((r) => r.peak.toFixed(1)).join(' + ')} GFLOP/s (one alone ${alone.peak.toFixed(1)}: ${sum('peak').toFixed(2)}x), 512 KiB read ${both.map((r) => r.read.toFixed(0)).join(' + ')} GB/s (one alone ${alone.read.toFixed(0)}: ${sum('read').toFixed(2)}x); the fastest of 2.5 s each`);
}
for (const cell of ['lstm', 'gru'] as const) {
  const tiny = { cell, inputSize: 4, hiddenSize: 16, linearBeforeReset: false };
  // The median of three measurements: a host hiccup during one session's calls can swing one.
  const perStep = async (workers: number) => {
    const xs: number[] = [];
    for (let i = 0; i < 3; i++) xs.push(((await timeCall(tiny, 1000, workers)) - (await timeCall(tiny, 1, workers))) / 999 * 1000);
    return median(xs);
  };
  const w1 = await perStep(1), w2 = await perStep(2);
  console.log(`tiny ${cell.toUpperCase()} 4/16, per timestep: 1 worker ${w1.toFixed(3)} us, 2 workers ${w2.toFixed(3)} us: the barrier${cell === 'gru' ? 's (two a step)' : ''} and the exchange of h cost ${(w2 - w1).toFixed(3)} us more`);
}
{
  // 1 against 2 workers in alternating rounds (a change of the host's speed hits both alike): medians
  // and p10s (the fast end: rounds nothing interrupted), and the items the workers took from each
  // other's ranges (share.ts): a step's work moves to the worker that is ahead.
  const shapes: readonly [CellDescriptorInit, string][] = [
    [{ cell: 'lstm', inputSize: 256, hiddenSize: 256 }, 'LSTM 256/256'],
    [{ cell: 'gru', inputSize: 256, hiddenSize: 256, linearBeforeReset: true }, 'GRU 256/256'],
    [{ cell: 'lstm', inputSize: 4, hiddenSize: 256 }, 'LSTM 4/256 (the recurrent step alone)'],
    [{ cell: 'lstm', inputSize: 1024, hiddenSize: 1024 }, 'LSTM 1024/1024'],
  ];
  for (const [init, label] of shapes) {
    const one = await open(init, 100, 1), two = await open(init, 100, 2);
    const ms: [number[], number[]] = [[], []];
    const roundMs = init.hiddenSize > 256 ? 400 : 60;
    let calls = 0, stolen0 = 0;
    for (let round = -3; round < 31; round++) {
      if (round === 0) { stolen0 = two.stolen(); calls = 0; }
      for (const [i, { s, feeds }] of [one, two].entries()) {
        const t0 = performance.now();
        let n = 0;
        while (performance.now() - t0 < roundMs || n < 2) { await s.run(feeds); n++; }
        if (round >= 0) ms[i].push((performance.now() - t0) / n);
        if (i === 1 && round >= 0) calls += n;
      }
    }
    const moved = (two.stolen() - stolen0) / calls;
    await one.s.release(); await two.s.release();
    const [m1, m2] = ms.map(median), [q1, q2] = ms.map(p10);
    console.log(`${label} seq 100 batch 1, 31 alternating rounds: 1 worker ${m1.toFixed(3)} ms (p10 ${q1.toFixed(3)}), 2 workers ${m2.toFixed(3)} ms (p10 ${q2.toFixed(3)}); 2 over 1: ${(m1 / m2).toFixed(2)}x by medians, ${(q1 / q2).toFixed(2)}x by p10s; ${moved.toFixed(1)} unit blocks a call taken from the other worker's range`);
  }
}

{
  // Per streaming step: one session alone, then two taking turns, with and without the cores known.
  const init = { cell: 'lstm' as const, inputSize: 256, hiddenSize: 256 };
  const turns = async (n: number, cores: number) => {
    const sessions = await Promise.all(Array.from({ length: n }, () => open(init, 1, 2, cores)));
    const streams = sessions.map(({ s }) => s.stream());
    const ts: number[] = [];
    for (let round = 0; round < 60; round++) {
      for (let k = 0; k < n; k++) {
        const t0 = performance.now();
        for (let i = 0; i < 20; i++) await streams[k].step(sessions[k].feeds);
        if (round >= 10) ts.push((performance.now() - t0) / 20); // the first rounds warm up
      }
    }
    await Promise.all(sessions.map(({ s }) => s.release()));
    return median(ts);
  };
  const cores = os.availableParallelism();
  const alone = await turns(1, cores), told = await turns(2, cores), blind = await turns(2, Infinity);
  console.log(`LSTM 256/256 streaming step on 2 workers: one session ${(alone * 1000).toFixed(1)} us; two taking turns ${(told * 1000).toFixed(1)} us (idle workers sleep), ${(blind * 1000).toFixed(1)} us (idle workers poll)`);
}
