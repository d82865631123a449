/** The benchmarks' written reports that are not bench/run.ts's: the Chromium rows' browser.md. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { browserMarkdown, table, CONTESTANTS, type RowResult } from '../bench/browser.js';

const row = (label: string, ms: readonly number[], workers: number): RowResult => ({
  label,
  ms: Object.fromEntries(CONTESTANTS.map((k, i) => [k, ms[i]])) as RowResult['ms'],
  workers: Object.fromEntries(CONTESTANTS.map((k) => [k, k === 'rnnc default' ? workers : 1])) as RowResult['workers'],
  notes: Object.fromEntries(CONTESTANTS.map((k) => [k, null])) as RowResult['notes'],
  kernels: Object.fromEntries(CONTESTANTS.map((k) => [k, ''])) as RowResult['kernels'],
  diff: 0,
});

test('the Chromium table: the default against onnxruntime-web\'s best thread count and rnnc on 1 worker, and the workers the default ran on', () => {
  // default, .onnx, 1 worker, 2 workers, ort-web 1 thread, 2 threads
  const t = table([row('step', [0.05, 0.04, 0.05, 0.1, 0.12, 0.1], 1), row('seq', [1, 1.1, 1.8, 1, 2.2, 1.5], 2)]).split('\n');
  assert.is(t.length, 4);
  assert.ok(t[2].endsWith('| 2.00x | 1.00x | 1 worker(s) | 2.50x |'), t[2]);
  assert.ok(t[3].endsWith('| 1.50x | 1.80x | 2 worker(s) | 1.36x |'), t[3]);
  const md = browserMarkdown(['Chromium 1, isolated page', '  step: ...', '', ...t]);
  assert.ok(md.startsWith('<!-- written by `npm run bench:browser`'), md);
  assert.match(md, '```\nChromium 1, isolated page\n  step: ...\n```\n\n| row |');
});

test.run();
