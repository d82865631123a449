/**
 * The fuzz test: a seeded, bounded campaign over the seed models (test/fuzz/), each variant compiled
 * and run in a child process with a time limit and memory caps. Any outcome other than success or one
 * of rnnc's own error classes fails the test, which prints each finding's replay command
 * (`npm run fuzz -- --replay SEED:INDEX`). RNNC_FUZZ_SEED and RNNC_FUZZ_COUNT change the campaign;
 * `npm run fuzz` runs longer ones. The harness's own tests come first: variants are reproducible,
 * every mutation kind changes models, and the pool tells each kind of failure apart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { onnx } from '../compiler/onnx/proto.js';
import type { Manifest } from '../contract/manifest.js';
import type { Job, SelfTest } from './fuzz/child.js';
import { runCampaign } from './fuzz/campaign.js';
import { loadSeed, seedFiles } from './fuzz/corpus.js';
import { randomFeeds } from './fuzz/feeds.js';
import { BYTE_MUTATORS } from './fuzz/mutate_bytes.js';
import type { Outcome, OutcomeClass } from './fuzz/outcome.js';
import { runJobs, DEFAULT_POOL } from './fuzz/pool.js';
import { runVariant } from './fuzz/run_variant.js';
import { makeVariant, PROTO_MUTATORS, type Variant } from './fuzz/variant.js';
import { mulberry32 } from './random.js';

/** The suite's campaign: fixed, so a failure in CI replays anywhere with the same seed models. */
const SEED = Number(process.env.RNNC_FUZZ_SEED ?? 20_240_601);
/** About 45 s of CPU time: well within two minutes on CI's two cores. */
const COUNT = Number(process.env.RNNC_FUZZ_COUNT ?? 200);

test('variants are reproducible from (seed, index) and differ between indices', () => {
  for (const index of [0, 1, 2, 17, 99]) {
    const a = makeVariant(SEED, index);
    const b = makeVariant(SEED, index);
    assert.equal([a.model, a.what, a.batch], [b.model, b.what, b.batch], `variant ${index}`);
    assert.ok(Buffer.from(a.bytes).equals(Buffer.from(b.bytes)), `variant ${index}: the bytes differ between two builds`);
    assert.ok(!Buffer.from(a.bytes).equals(Buffer.from(a.origin.bytes)), `variant ${index} (${a.what.join('; ')}) left the model as it was`);
  }
  assert.not.equal(makeVariant(SEED, 3).what, makeVariant(SEED, 4).what);
});

test('every mutation kind changes some seed model', () => {
  const seeds = seedFiles().map(loadSeed);
  const rng = mulberry32(7);
  for (const [kind, m] of Object.entries(PROTO_MUTATORS)) {
    const changed = seeds.some((s) => {
      const model = onnx.ModelProto.decode(s.bytes);
      return m.apply(rng, model) !== null && !Buffer.from(onnx.ModelProto.encode(model).finish()).equals(Buffer.from(s.bytes));
    });
    assert.ok(changed, `${kind} changed none of the ${seeds.length} seed models`);
  }
  for (const [kind, m] of Object.entries(BYTE_MUTATORS)) {
    const changed = seeds.some((s) => !Buffer.from(m(rng, s.bytes, seeds[0]).bytes).equals(Buffer.from(s.bytes)));
    assert.ok(changed, `${kind} changed none of the seed models`);
  }
});

test('an out-of-range feed is in the feeds even when the model lists its input twice', () => {
  // Two graph inputs share the name 'tokens'; the caller can give one feed for both, so the value
  // out of range must be in that feed, or an "out-of-range index ran" would be the fuzzer's doing.
  const tokens = { name: 'tokens', dtype: 'int32', accepts: ['int32', 'int64'], dims: ['seq', 'batch'], buffer: 0 };
  const manifest = { maxBatch: 2, inputs: [tokens, { ...tokens, buffer: 1 }], checks: [{ buffer: 0, bound: 10, what: 'indices' }] } as unknown as Manifest;
  let seen = 0;
  for (let seed = 0; seen < 20; seed++) {
    const f = randomFeeds(mulberry32(seed), manifest, { tokens: 10 })!;
    if (!f.outOfRange) continue;
    seen++;
    const values = Array.from(f.feeds.tokens.data as ArrayLike<number | bigint>, Number);
    assert.ok(values.some((v) => v < -10 || v >= 10), `seed ${seed}: ${f.outOfRange}, but the feed is [${values.join(', ')}]`);
  }
});

test('a variant that must compute what its seed computes is checked against the seed\'s data set', async () => {
  const origin = loadSeed(seedFiles().find((s) => s.name === 'test/gru_gemm')!);
  const variant = (bytes: Uint8Array): Variant => ({
    seed: 0, index: 0, model: origin.name, kinds: ['proto:test'], what: ['test'], bytes, preserves: true, origin,
    batch: 4, indexRows: {}, rng: mulberry32(1),
  });
  assert.equal((await runVariant(variant(origin.bytes))).cls, 'ok', 'the seed itself');
  // Every weight changed: what it computes is not what the data set holds.
  const model = onnx.ModelProto.decode(origin.bytes);
  for (const t of model.graph!.initializer!) {
    if (t.dataType === 1 && t.rawData?.length) t.rawData = new Uint8Array(new Float32Array(t.rawData.length / 4).fill(0.25).buffer);
  }
  const changed = await runVariant(variant(onnx.ModelProto.encode(model).finish()));
  assert.equal(changed.cls, 'mismatch', `weights changed: ${changed.cls} ${changed.message}`);
});

test('the pool tells success, rnnc errors, JS errors, hangs, crashes and both kinds of memory exhaustion apart', async () => {
  const expected: Record<SelfTest, [OutcomeClass, string]> = {
    ok: ['ok', ''], rnnc: ['rnnc', 'ModelError'], js: ['js', 'TypeError'], hang: ['hang', ''], sleep: ['hang', ''],
    crash: ['crash', 'SIGABRT'], oom: ['oom', 'heap'], rss: ['oom', 'RSS'],
  };
  const got: Partial<Record<SelfTest, [OutcomeClass, string]>> = {};
  const record = (job: Job, _report: unknown, outcome: Outcome) => {
    if ('selftest' in job) got[job.selftest] = [outcome.cls, outcome.name];
  };
  // Small limits, so that the misbehaving jobs end soon: they are limits, not measurements. Only the
  // sleeping hang gets a short wall limit, which a busy machine cannot make the others reach. The CPU
  // limit leaves the rss job room to pass 512 MiB first: touching that much memory took 0.36-0.40 s
  // of CPU time here, the whole GiB 0.7-1.6 s (page faults, on a loaded host); at 1.5 s it was
  // killed as a hang in two loaded CI runs.
  const limits = { ...DEFAULT_POOL, jobs: 2, cpuLimitMs: 4000, heapMb: 64, rssMb: 512 };
  const busy: SelfTest[] = ['ok', 'rnnc', 'js', 'hang', 'crash', 'oom', 'rss'];
  await runJobs(busy.map((selftest) => ({ selftest })), limits, record);
  await runJobs([{ selftest: 'sleep' }], { ...limits, wallLimitMs: 2000 }, record);
  assert.equal(got, expected);
});

test(`a seeded campaign (seed ${SEED}, ${COUNT} variants) ends every variant in success or an rnnc error`, async () => {
  const tally = await runCampaign({ seed: SEED, count: COUNT, jobs: 2 });
  console.log(`${tally.classTable()}\n${tally.kindTable()}`);
  assert.ok(tally.failures.length === 0, `\n${tally.findingsText()}`);
});

test.run();
