/**
 * Compiles and runs one variant through the public API (InferenceSession.create from bytes, run with
 * random feeds), then, for variants that must compute what their seed computes, runs the seed's data
 * set and compares. Returns the outcome; never throws.
 */
import { InferenceSession } from '../../api/node.js';
import type { NamedTensor } from '../../compiler/io/tensor_data.js';
import { Tensor } from '../../runtime/tensor.js';
import { randomFeeds } from './feeds.js';
import { classifyError, harnessFault, isFailure, OK, type Outcome } from './outcome.js';
import type { Variant } from './variant.js';

/** Tolerance against the exporter's outputs, as the model suite uses. */
const TOLERANCE = { atol: 1e-4, rtol: 1e-4 };

type RunResult = { outputs: Record<string, Tensor> } | { outcome: Outcome };

async function tryRun(session: InferenceSession, feeds: Record<string, Tensor>): Promise<RunResult> {
  try {
    return { outputs: await session.run(feeds) };
  } catch (e) {
    return { outcome: classifyError(e) };
  }
}

/** Outputs must be the declared ones, each with as many elements as its dims say. */
function checkOutputs(session: InferenceSession, outputs: Record<string, Tensor>): Outcome | null {
  for (const name of session.outputNames) {
    const t = outputs[name];
    const size = t?.dims.reduce((p, d) => p * d, 1);
    if (!t || size !== t.data.length) {
      return { cls: 'bad-output', name: '', message: `output '${name}' ${t ? `has dims [${t.dims.join(', ')}] but ${t.data.length} elements` : 'is missing'}`, where: '' };
    }
  }
  return null;
}

/** Runs the seed's data set on the variant; a mismatch names the output and the largest error. */
async function compareWithSet(session: InferenceSession, v: Variant): Promise<Outcome> {
  const set = v.origin.set!;
  const names = session.inputNames;
  const feeds = Object.fromEntries(set.inputs.map((t, i) => [t.name && names.includes(t.name) ? t.name : names[i], new Tensor(t.dtype, t.data, t.dims)]));
  const r = await tryRun(session, feeds);
  if ('outcome' in r) return { ...r.outcome, cls: 'mismatch', message: `the seed's data set did not run: ${r.outcome.name}: ${r.outcome.message}` };
  for (const [i, expected] of set.outputs.entries()) {
    const name = expected.name && expected.name in r.outputs ? expected.name : session.outputNames[i];
    const diff = difference(r.outputs[name], expected);
    if (diff) return { cls: 'mismatch', name: '', message: `output '${name}' ${diff}`, where: '' };
  }
  return OK;
}

/** How `got` differs from `expected` beyond the tolerance, or null. */
function difference(got: Tensor | undefined, expected: NamedTensor): string | null {
  if (!got) return 'is missing';
  if (got.dims.join() !== expected.dims.join()) return `has dims [${got.dims.join(', ')}], expected [${expected.dims.join(', ')}]`;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i];
    const d = Math.abs(Number(got.data[i]) - e);
    if (!(d <= TOLERANCE.atol + TOLERANCE.rtol * Math.abs(e))) return `element ${i} is ${got.data[i]}, expected ${e}`;
  }
  return null;
}

/** The random-feed run: a failure, an rnnc error for feeds that were valid, or null to go on. */
async function randomRun(session: InferenceSession, v: Variant): Promise<Outcome | null> {
  if (!hasManifest(session)) return deferredRun(session, v);
  let f;
  try {
    f = randomFeeds(v.rng, session.manifest, v.indexRows);
  } catch (e) {
    return harnessFault(e, 'building random feeds');
  }
  if (!f) return null;
  const r = await tryRun(session, f.feeds);
  if ('outputs' in r) {
    if (f.outOfRange) return { cls: 'unchecked', name: '', message: `${f.outOfRange} ran without an error`, where: '' };
    return checkOutputs(session, r.outputs);
  }
  // An InputError is the right answer to an out-of-range feed; the data set may still run.
  if (f.outOfRange && r.outcome.cls === 'rnnc' && r.outcome.name === 'InputError') return null;
  return r.outcome;
}

/** A session whose model leaves input sizes open compiles at its first run: no manifest before. */
function hasManifest(session: InferenceSession): boolean {
  try {
    return !!session.manifest;
  } catch {
    return false;
  }
}

/**
 * A variant compiled at its first run has no manifest to draw random feeds from: it runs the seed's
 * data set instead (its sizes decide the compile), and must end in outputs or an rnnc error.
 */
async function deferredRun(session: InferenceSession, v: Variant): Promise<Outcome | null> {
  const set = v.origin.set;
  if (!set) return null;
  const names = session.inputNames;
  const feeds = Object.fromEntries(set.inputs.map((t, i) => [t.name && names.includes(t.name) ? t.name : names[i], new Tensor(t.dtype, t.data, t.dims)]));
  const r = await tryRun(session, feeds);
  return 'outputs' in r ? checkOutputs(session, r.outputs) : r.outcome;
}

/** Compiles and runs variant `v`. */
export async function runVariant(v: Variant): Promise<Outcome> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(v.bytes, { workers: 1, batch: v.batch });
  } catch (e) {
    return classifyError(e);
  }
  try {
    const random = await randomRun(session, v);
    if (random && isFailure(random)) return random;
    if (v.preserves && v.origin.set) {
      const compared = await compareWithSet(session, v);
      if (isFailure(compared)) return compared;
    }
    return random ?? OK;
  } catch (e) {
    return harnessFault(e, 'running the variant');
  } finally {
    await session.release().catch(() => undefined);
  }
}
