/** bench/timing.ts: warm-up, then alternating rounds; what is counted, and the pause between blocks. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { processCpuNs, timeRoundRobin, type TimingOptions } from '../bench/timing.js';

const TINY: TimingOptions = { warmRuns: 3, warmMs: 0, warmCapMs: 100, rounds: 2, blockMs: 1, settleMs: 0, quietCapMs: 5 };

test('the timed hook runs once, after every warm-up and before the first timed run', async () => {
  const events: string[] = [];
  const contestant = (id: string) => ({ id, run: async () => { events.push(id); } });
  let marks = 0;
  const times = await timeRoundRobin([contestant('a'), contestant('b')], TINY, () => { marks++; events.push('|'); });
  assert.is(marks, 1);
  const cut = events.indexOf('|');
  const warm = events.slice(0, cut), timed = events.slice(cut + 1);
  assert.equal([...new Set(warm)], ['a', 'b'], 'warm-ups first, one contestant after the other');
  assert.ok(warm.filter((e) => e === 'a').length >= TINY.warmRuns && warm.filter((e) => e === 'b').length >= TINY.warmRuns);
  assert.is(times.get('a')!.runs, timed.filter((e) => e === 'a').length, 'only the runs after the hook are timed');
  assert.is(times.get('b')!.roundMedians.length, TINY.rounds);
});

test('the threads\' CPU time: read from /proc on Linux, and it grows with work', () => {
  const t0 = processCpuNs();
  if (!existsSync('/proc/self/task')) {
    assert.is(t0, null);
    return;
  }
  assert.type(t0, 'number');
  // Busy until 10 ms of CPU time were counted (schedstat counts in nanoseconds), or 10 s of wall
  // time: on a loaded machine 20 ms of wall time may hold only a few ms of this thread's running.
  const until = performance.now() + 10_000;
  let x = 0, t1 = t0!;
  while (t1 - t0! < 10e6 && performance.now() < until) {
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + 1);
    t1 = processCpuNs()!;
  }
  assert.ok(x > 0);
  assert.ok(t1 - t0! >= 10e6, `${t1 - t0!} ns after 10 s of busy wall time`);
});

test.run();
