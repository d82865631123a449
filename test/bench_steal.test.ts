/** bench/steal.ts: the hypervisor's steal time from /proc/stat, as a percent of the CPUs' time. */
import os from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stealMark, stealPercent } from '../bench/steal.js';

test('a reading on Linux is a non-negative jiffy count; elsewhere null', () => {
  const m = stealMark();
  if (os.platform() !== 'linux') {
    assert.is(m, null);
    return;
  }
  assert.ok(m !== null && Number.isInteger(m.jiffies) && m.jiffies >= 0, JSON.stringify(m));
});

test('percent of all CPUs: 50 jiffies (0.5 s) stolen over 1 s of wall time on N cores', () => {
  const cores = os.availableParallelism();
  assert.is(stealPercent({ jiffies: 100, atMs: 0 }, { jiffies: 150, atMs: 1000 }), 50 / cores);
  assert.is(stealPercent(null, { jiffies: 1, atMs: 1 }), null);
  assert.is(stealPercent({ jiffies: 1, atMs: 5 }, { jiffies: 2, atMs: 5 }), null, 'no time passed');
});

test.run();
