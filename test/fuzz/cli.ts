/**
 * `npm run fuzz -- [--count N] [--seed S] [--jobs J] [--from K] [--cpu-limit MS]`: a fuzz campaign over
 * the seed models, printing the outcomes per class and per mutation kind and each finding's repro
 * line; exits 1 when anything failed.
 * `npm run fuzz -- --replay SEED:INDEX [--write FILE] [--inline]`: one variant again, with the
 * mutation, the outcome and the stack; --write saves the variant's model, --inline runs it in this
 * process (for a debugger) instead of a child with limits.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { runCampaign, runOne } from './campaign.js';
import { isFailure } from './outcome.js';
import { reproLine, type Result } from './report.js';
import { runVariant } from './run_variant.js';
import { makeVariant } from './variant.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    from: { type: 'string', default: '0' },
    'cpu-limit': { type: 'string' },
    replay: { type: 'string' },
    write: { type: 'string' },
    inline: { type: 'boolean', default: false },
  },
});

function int(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${flag}: expected a non-negative integer, got '${text}'`);
  return n;
}

async function replay(id: string): Promise<void> {
  const m = /^(\d+):(\d+)$/.exec(id);
  if (!m) throw new Error(`--replay: expected SEED:INDEX, got '${id}'`);
  const [seed, index] = [Number(m[1]), Number(m[2])];
  const v = makeVariant(seed, index);
  console.log(`variant ${id}: ${v.model}, ${v.bytes.length} bytes, batch option ${v.batch ?? 'default'}${v.preserves ? ', checked against the data set' : ''}`);
  v.kinds.forEach((k, i) => console.log(`  ${k}: ${v.what[i]}`));
  if (values.write) {
    fs.writeFileSync(values.write, v.bytes);
    console.log(`  model written to ${values.write}`);
  }
  const outcome = values.inline ? await runVariant(v) : (await runOne({ seed, index }, { cpuLimitMs: int('cpu-limit', values['cpu-limit']) })).outcome;
  const r: Result = { seed, index, model: v.model, kinds: v.kinds, what: v.what, outcome, ms: 0 };
  console.log(reproLine(r));
  if (outcome.stack) console.log(outcome.stack);
  process.exitCode = isFailure(outcome) ? 1 : 0;
}

async function campaign(): Promise<void> {
  const seed = int('seed', values.seed) ?? Math.floor(Math.random() * 2 ** 31);
  const count = int('count', values.count)!;
  const jobs = int('jobs', values.jobs)!;
  const from = int('from', values.from)!;
  console.log(`fuzz campaign: seed ${seed}, variants ${from}..${from + count - 1}, ${jobs} jobs`);
  const t0 = performance.now();
  const tally = await runCampaign({
    seed, count, from, jobs, cpuLimitMs: int('cpu-limit', values['cpu-limit']),
    onResult: (r, done) => {
      if (isFailure(r.outcome)) console.log(`  FAIL ${reproLine(r)}`);
      if (done % 100 === 0) console.log(`  ${done}/${count} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    },
  });
  console.log(`\n${tally.classTable()}\n\n${tally.kindTable()}\n\n${tally.slowest(5)}\n\n${tally.findingsText()}`);
  console.log(`\n${count} variants in ${((performance.now() - t0) / 1000).toFixed(0)} s (seed ${seed})`);
  process.exitCode = tally.failures.length ? 1 : 0;
}

try {
  await (values.replay ? replay(values.replay) : campaign());
} catch (e) {
  console.error(`fuzz: ${(e as Error).message}`);
  process.exitCode = 2;
}
