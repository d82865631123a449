/**
 * bench/hog.ts (busy processes beside a benchmark, `--hog N`) and how the report shows the calls a
 * 2-worker session ran on the calling thread alone.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startHogs } from '../bench/hog.js';
import { soloNote } from '../bench/report/markdown.js';
import type { ContestantResult } from '../bench/results.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** CPU seconds process `pid` has used (Linux /proc), or null where that cannot be read. */
function cpuSeconds(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return null;
  }
}

test('hogs spin while running and are gone after stop()', async () => {
  const hogs = await startHogs(2);
  assert.is(hogs.count, 2);
  assert.is(hogs.pids.length, 2);
  assert.ok(hogs.pids.every(alive), 'both running');
  const before = hogs.pids.map(cpuSeconds);
  // A hog that spins gathers 0.1 s of CPU time within 0.4 s on a quiet machine; on a loaded one it
  // takes longer, so the test polls (up to 10 s) rather than reading once.
  let after = before;
  const busy = () => after.some((x, i) => x! - before[i]! >= 0.1);
  for (let t = 0; t < 100 && before.every((x) => x !== null) && !busy(); t++) {
    await new Promise((r) => setTimeout(r, 100));
    after = hogs.pids.map(cpuSeconds);
  }
  if (before.every((x) => x !== null)) assert.ok(busy(), `busy: ${before} -> ${after}`);
  hogs.stop();
  hogs.stop(); // idempotent
  // Gone once Node has reaped them (a killed child stays a zombie until then): poll, up to 10 s.
  for (let t = 0; t < 100 && hogs.pids.some(alive); t++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!hogs.pids.some(alive), 'killed');
});

test('zero hogs start nothing; a bad count is refused', async () => {
  const none = await startHogs(0);
  assert.is(none.count, 0);
  none.stop();
  for (const bad of [-1, 1.5, NaN]) {
    try {
      await startHogs(bad);
      assert.unreachable(`${bad} accepted`);
    } catch (e) {
      assert.match((e as Error).message, /--hog: expected a whole number/);
    }
  }
});

test('the solo-call note: only where some timed calls ran on the caller alone', () => {
  const k = (calls: ContestantResult['calls']) => ({ calls }) as ContestantResult;
  assert.is(soloNote(k(null)), '');
  assert.is(soloNote(k({ all: 20, solo: 0 })), '');
  assert.is(soloNote(k({ all: 13, solo: 7 })), ', 7 of 20 calls solo');
});

test.run();
