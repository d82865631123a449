/** bench/ceiling.ts: this machine's least time for a case, from the probes (a roofline per part). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeCase } from '../bench/cases.js';
import { rejudge } from '../bench/run.js';
import { writeReport } from '../bench/report/write.js';
import { REPO_ROOT } from './paths.js';
import { rejects } from './throws.js';
import { bandwidthAt, ceilingMs } from '../bench/ceiling.js';
import { fastestOf, type MachineProbe } from '../bench/peak.js';
import { judgeTargets, caseResult, contestantResult, withMachine } from '../bench/results.js';
import type { Timing } from '../bench/timing.js';

const KiB = 1024, MiB = 1024 * KiB;
/** 50 GFLOP/s; 100 GB/s up to 256 KiB, 50 GB/s at 1 MiB and beyond. */
const machine: MachineProbe = {
  mulAddGflops: 50, relaxedMaddGflops: null, flags: [],
  bandwidth: [{ label: '1 MiB', bytes: MiB, gbps: 50 }, { label: '256 KiB', bytes: 256 * KiB, gbps: 100 }],
};
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('bandwidth: the probe at its sizes, log-log between them, flat past either end', () => {
  close(bandwidthAt(machine, 256 * KiB), 100e9, 'at a probe');
  close(bandwidthAt(machine, 4 * KiB), 100e9, 'below the smallest');
  close(bandwidthAt(machine, 64 * MiB), 50e9, 'past the largest');
  close(bandwidthAt(machine, 512 * KiB), Math.sqrt(100 * 50) * 1e9, 'halfway in log size: geometric mean');
  assert.throws(() => bandwidthAt({ bandwidth: [] }, 1), /no bandwidth/);
});

test('a sequence: the GEMM at the peak (or W\'s read, if slower) plus, per step, R at its working set bandwidth or its flops at the peak', () => {
  // LSTM 256/256, seq 100: R = 4*256*256*4 B = 1 MiB per step at 50 GB/s (21 us) > 524288 flop at 50 GFLOP/s (10.5 us).
  const c = makeCase('sequence', 'lstm', 256, 256, 100, 1, true);
  const gemm = (2 * 4 * 256 * 256 * 100) / 50e9, step = MiB / 50e9;
  close(ceilingMs(c, 1, machine), 1e3 * (gemm + 100 * step), '1 thread');
  // Two threads: half the GEMM; half of R each (512 KiB, 70.7 GB/s).
  close(ceilingMs(c, 2, machine), 1e3 * (gemm / 2 + (100 * (MiB / 2)) / (Math.sqrt(5000) * 1e9)), '2 threads');
  // Batch 10: the step's flops (10x) now take longer than reading R.
  const b10 = makeCase('sequence', 'lstm', 256, 256, 100, 10, true);
  close(ceilingMs(b10, 1, machine), 1e3 * (10 * gemm + (100 * 10 * 2 * 4 * 256 * 256) / 50e9), 'compute-bound batch 10');
  // Seq 1: the one row's projection reads W (1 MiB, 21 us) for 524288 flops (10.5 us): bound by the read.
  const one = makeCase('sequence', 'lstm', 256, 256, 1, 1, true);
  close(ceilingMs(one, 1, machine), 1e3 * (MiB / 50e9 + step), 'seq 1: W and R read');
});

test('a streaming step reads W and R once', () => {
  const c = makeCase('step', 'lstm', 256, 256, 1, 1, true);
  close(ceilingMs(c, 1, machine), (1e3 * 2 * MiB) / 50e9, '2 MiB at 50 GB/s');
});

const timing = (median: number): Timing => ({ median, p10: median, p90: median, runs: 10, warmRuns: 30, roundMedians: [median], cpuPerWall: 1 });

test('targets say what the ceiling allows: reachable, or out of reach on this machine', () => {
  const step = makeCase('step', 'lstm', 256, 256, 1, 1, true);
  const ceil = ceilingMs(step, 1, machine);
  // ORT-web at 3x the ceiling: rnnc can be at most 3x faster, so 5x is out of reach; a peer at 6x leaves it reachable.
  for (const [peer, reachable] of [[3, false], [6, true]] as const) {
    const rs = [contestantResult(step, 'rnnc-1w', timing(2 * ceil), machine, 0, null), contestantResult(step, 'ort-web-1t', timing(peer * ceil), machine, 0, null)];
    assert.is(rs[0].pctCeiling, 50);
    const t = judgeTargets([caseResult(step, 'step', [], 0, rs, machine, [0, 0, 0])], machine).find((x) => x.name.startsWith('streaming'))!;
    assert.is(t.holds, false);
    assert.match(t.ceiling, `${peer.toFixed(2)}x`);
    assert.is(t.ceiling.includes('out of reach'), !reachable, t.ceiling);
  }
});

test('the geomean targets are over the batch-1 shapes; batch 4 and 10 are quoted beside them', () => {
  // rnnc 2x ORT-web at batch 1, 1x at batch 4: the batch-4 row must not pull the judged geomean down.
  const row = (batch: number, speedup: number) => {
    const c = makeCase('sequence', 'lstm', 256, 256, 100, batch, true);
    return caseResult(c, c.id, [], 0, [
      contestantResult(c, 'rnnc-1w', timing(1), machine, 0, null),
      contestantResult(c, 'ort-web-1t', timing(speedup), machine, 0, null),
    ], machine, [0, 0, 0]);
  };
  const t = judgeTargets([row(1, 2), row(4, 1)], machine).find((x) => x.name.startsWith('1 worker vs ORT-web'))!;
  assert.ok(t.measured.startsWith('geomean 2.00x over 1 shapes at batch 1'), t.measured);
  assert.match(t.measured, 'with batch 4 and 10, 1.41x over 2');
  assert.is(t.holds, true);
});

test('the 1-worker target holds only with its geomean and none of its shapes below the floor', () => {
  const row = (hidden: number, speedup: number) => {
    const c = makeCase('sequence', 'lstm', 64, hidden, 100, 1, true);
    return caseResult(c, c.id, [], 0, [
      contestantResult(c, 'rnnc-1w', timing(1), machine, 0, null),
      contestantResult(c, 'ort-web-1t', timing(speedup), machine, 0, null),
    ], machine, [0, 0, 0]);
  };
  const judged = (a: number, b: number) => judgeTargets([row(64, a), row(256, b)], machine).find((x) => x.name.startsWith('1 worker vs ORT-web'))!;
  assert.is(judged(2.5, 1.1).holds, false, 'geomean 1.66x, but one shape at 1.1x');
  assert.is(judged(2.0, 1.3).holds, true, 'geomean 1.61x, none below 1.2x');
  assert.is(judged(1.5, 1.5).holds, false, 'geomean 1.5x');
});

test('the 2-worker target quotes what perfect scaling of this run\'s 1 worker would give', () => {
  // 1w 1.0 ms, 2w 0.8 ms, ORT-web 2t 1.2 ms: measured 1.50x; at 0.5 ms (twice the 1w speed) 2.40x.
  const c = makeCase('sequence', 'gru', 64, 64, 100, 1, true);
  const rs = [['rnnc-1w', 1], ['rnnc-2w', 0.8], ['ort-web-2t', 1.2]] as const;
  const r = caseResult(c, c.id, [], 0, rs.map(([id, ms]) => contestantResult(c, id, timing(ms), machine, 0, null)), machine, [0, 0, 0]);
  const t = judgeTargets([r], machine).find((x) => x.name.startsWith('2 workers vs ORT-web'))!;
  assert.match(t.measured, 'geomean 1.50x over 1 shapes');
  assert.match(t.measured, "exactly 2x as fast as this run's rnnc-1w, 2.40x");
  // At the ceiling rnnc is ORT-web's 1.2 ms over its 2-thread ceiling faster; 1.8x needs 1.8 / that of the ceiling.
  const top = 1.2 / ceilingMs(c, 2, machine);
  assert.match(t.ceiling, `reachable, at ${((100 * 1.8) / top).toFixed(0)}% of the ceiling on every shape`);
  // Without a 1-worker row there is nothing to scale.
  const alone = caseResult(c, c.id, [], 0, rs.slice(1).map(([id, ms]) => contestantResult(c, id, timing(ms), machine, 0, null)), machine, [0, 0, 0]);
  assert.not.match(judgeTargets([alone], machine).find((x) => x.name.startsWith('2 workers vs ORT-web'))!.measured, 'exactly');
});

test('the probes at the start and end of a run: each one\'s faster reading, and the cases judged again against it', () => {
  const slowL3: MachineProbe = { ...machine, mulAddGflops: 60, bandwidth: [{ label: '1 MiB', bytes: MiB, gbps: 25 }, { label: '256 KiB', bytes: 256 * KiB, gbps: 120 }] };
  const best = fastestOf(machine, slowL3);
  assert.is(best.mulAddGflops, 60);
  assert.equal(best.bandwidth.map((b) => b.gbps), [50, 120]);
  const c = makeCase('sequence', 'lstm', 256, 256, 100, 1, true);
  const r = caseResult(c, 'c', [], 0, [contestantResult(c, 'rnnc-1w', timing(10), slowL3, 0, null)], slowL3, [0, 0, 0]);
  const again = withMachine(r, best);
  close(again.ceiling1Ms, ceilingMs(c, 1, best), 'ceiling');
  close(again.contestants[0].pctCeiling, (100 * ceilingMs(c, 1, best)) / 10, '% of ceiling');
  close(again.contestants[0].pctPeak, (100 * r.contestants[0].gflops) / 60, '% of peak');
  assert.ok(again.ceiling1Ms < r.ceiling1Ms, 'a faster L3 reading lowers the ceiling');
});

test('--rejudge: a saved run judged again and its report rewritten; a file that is not a run is refused', async () => {
  const saved = path.join(REPO_ROOT, 'bench', 'results', 'latest.json');
  const before = JSON.parse(fs.readFileSync(saved, 'utf8'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnc-rejudge-'));
  try {
    const lines: string[] = [];
    const files = await rejudge(saved, out, (l) => lines.push(l));
    assert.is(lines.length, before.targets.length);
    assert.ok(lines.every((l) => l.startsWith('target: ')), lines[0]);
    for (const name of ['latest.json', 'latest.md', 'report.html']) assert.ok(files.includes(path.join(out, name)), name);
    const again = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    // The measurements are untouched; the ceilings are today's model's, from the run's own probe.
    const timings = (cases: { contestants: { id: string; median: number; p10: number; p90: number; roundMedians: number[] }[] }[]) =>
      cases.map((c) => c.contestants.map((k) => [k.id, k.median, k.p10, k.p90, k.roundMedians]));
    assert.equal(timings(again.cases), timings(before.cases), 'the measurements are untouched');
    for (const c of again.cases) close(c.ceiling1Ms, ceilingMs(c.case, 1, before.machine), `${c.case.id}: ceiling`);
    const bad = path.join(out, 'bad.json');
    fs.writeFileSync(bad, '{"cases": 3}');
    await rejects(rejudge(bad, null), Error, /is not a bench results file/);
    await rejects(rejudge(path.join(out, 'absent.json'), null), Error, /cannot read/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('a run with the conditions judges their targets and shows their tables in both reports', async () => {
  const row = (id: string, rnnc: readonly [number, number, number], ort: readonly [number, number, number], rnnc1: number) => ({
    id, rnnc1, rnnc: { alone: rnnc[0], busy: rnnc[1], alternating: rnnc[2] }, ort: { alone: ort[0], busy: ort[1], alternating: ort[2] },
    solo: { alone: 0, busy: 0.5, alternating: 1 },
  });
  const conditions = { header: 'the run\'s header', rows: [row('lstm_i256_h256_t100_b1', [1, 1, 1], [2, 1.6, 1], 2), row('lstm_i1024_h1024_t100_b1', [10, 10, 10], [20, 16, 10], 18)] };
  const judged = (name: string) => judgeTargets([], machine, conditions).find((t) => t.name.startsWith(name))!;
  assert.equal([judged('alone').holds, judged('busy').holds, judged('alternating').holds], [true, true, false]);
  assert.match(judged('alternating').measured, 'geomean 1.00x over 2 shapes; lowest 1.00x');
  assert.match(judged('busy').measured, '50% of rnnc\'s calls on the caller alone');
  assert.equal([judged('lstm_i256_h256_t100_b1').holds, judged('lstm_i1024_h1024_t100_b1').holds], [true, false]);
  assert.match(judged('lstm_i1024_h1024_t100_b1').measured, '1.80x');
  // A run without them judges none of them, nor one whose conditions have no rows (a saved run edited by hand).
  assert.not.ok(judgeTargets([], machine).some((t) => t.name.startsWith('alone')));
  assert.not.ok(judgeTargets([], machine, { header: '', rows: [] }).some((t) => t.name.startsWith('alone')));
  const saved = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'bench', 'results', 'latest.json'), 'utf8'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnc-conditions-'));
  try {
    const run = { ...saved, conditions, targets: judgeTargets(saved.cases, saved.machine, conditions) };
    await writeReport(run, out);
    const md = fs.readFileSync(path.join(out, 'latest.md'), 'utf8'), page = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(md, '**Where users run it**');
    assert.match(md, '| lstm_i256_h256_t100_b1 | busy | 1.000 | 1.600 | 1.60x |');
    assert.match(md, '| lstm_i1024_h1024_t100_b1 | 18.000 | 10.000 | 1.80x | 0% / 50% / 100% |');
    assert.match(md, /\| alternating \(calls alternating one by one with onnxruntime-web's\): 2 workers vs ORT-web 2 threads, geomean >= 1.3x \| geomean 1.00x[^|]*\| \*\*no\*\* \|/);
    assert.match(page, '<h2>Where users run it</h2>');
    assert.match(page, '<td>lstm_i256_h256_t100_b1</td><td>busy</td><td>1.000</td><td>1.600</td><td>1.60x</td>');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test.run();
