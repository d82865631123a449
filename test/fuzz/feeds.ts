/**
 * Random feeds for a compiled variant, matching the inputs its manifest declares: one sequence length
 * and one batch for the call, floats in [-1, 1) with now and then a NaN, infinity or huge value, and
 * integer inputs (tokens, sequence lengths) in their valid range, or, sometimes, one value out of it.
 */
import { resolveDim } from '../../contract/dims.js';
import type { Manifest, ManifestIO } from '../../contract/manifest.js';
import { Tensor } from '../../runtime/tensor.js';
import { chance, pick, randInt, type Rng } from '../random.js';

/** Feeds larger than this (elements, all inputs) are not built: the variant is only compiled. */
export const MAX_FEED_ELEMENTS = 1 << 24;

export interface Feeds {
  readonly feeds: Record<string, Tensor>;
  /** When one value is out of its input's valid range: where, and the range, for messages. */
  readonly outOfRange: string | null;
}

/** The caller's dims of `io` in a call: symbols resolved, then grouped axes multiplied. */
function callerDims(io: ManifestIO, call: { seq: number; batch: number }): number[] {
  const flat = io.dims.map((d) => resolveDim(d, call));
  if (!io.groups) return flat;
  let at = 0;
  return io.groups.map((g) => {
    const part = flat.slice(at, at + g);
    at += g;
    return part.reduce((p, d) => p * d, 1);
  });
}

/** The valid range of an integer input: [lo, hi], from the variant's Gathers or the manifest's checks. */
function intRange(io: ManifestIO, m: Manifest, indexRows: Readonly<Record<string, number>>, seq: number): [number, number] | null {
  const rows = indexRows[io.name];
  if (rows !== undefined) return [-rows, rows - 1];
  const check = m.checks.find((c) => c.buffer === io.buffer);
  if (!check) return null;
  return check.bound === 'seq' ? [0, seq] : [-check.bound, check.bound - 1];
}

function floats(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  const odd = chance(rng, 0.1);
  for (let i = 0; i < n; i++) a[i] = odd && chance(rng, 0.05) ? pick(rng, [NaN, Infinity, -Infinity, 1e30, -3e38]) : 2 * rng() - 1;
  return a;
}

/**
 * Integers in [lo, hi] (or 0..1 when the range is unknown); with `bad`, one of them is replaced by
 * a value outside the range, returned with its position.
 */
function ints(rng: Rng, n: number, range: [number, number] | null, bad: boolean): { values: number[]; bad: string | null } {
  const [lo, hi] = range ?? [0, 1];
  if (hi < lo) return { values: new Array<number>(n).fill(0), bad: n ? `[0] = 0 (the valid range ${lo}..${hi} is empty)` : null };
  const values = Array.from({ length: n }, () => randInt(rng, Math.max(lo, -1000), Math.min(hi, 1e6)));
  if (!bad || !range || n === 0) return { values, bad: null };
  const at = randInt(rng, 0, n - 1);
  values[at] = pick(rng, [hi + 1, hi + 7, lo - 1, 2 ** 31 - 1, -(2 ** 31)].filter((v) => v > hi || v < lo));
  return { values, bad: `[${at}] = ${values[at]} (valid ${lo}..${hi})` };
}

/** Random feeds for the session's manifest, or null when they would be too large to build. */
export function randomFeeds(rng: Rng, m: Manifest, indexRows: Readonly<Record<string, number>>): Feeds | null {
  const seq = chance(rng, 0.8) ? randInt(rng, 1, 6) : randInt(rng, 7, 40);
  const batch = randInt(rng, 1, Math.max(1, Math.min(m.maxBatch, 4)));
  const call = { seq, batch };
  const total = m.inputs.reduce((p, io) => p + callerDims(io, call).reduce((q, d) => q * d, 1), 0);
  if (!(total <= MAX_FEED_ELEMENTS)) return null;
  const entries: [string, Tensor][] = [];
  let outOfRange: string | null = null;
  for (const io of m.inputs) {
    // Inputs sharing a name (a model may list one twice) share the one feed a caller can give.
    if (entries.some(([name]) => name === io.name)) continue;
    const dims = callerDims(io, call);
    const n = dims.reduce((p, d) => p * d, 1);
    if (io.dtype === 'float32') {
      entries.push([io.name, new Tensor('float32', floats(rng, n), dims)]);
      continue;
    }
    const { values, bad } = ints(rng, n, intRange(io, m, indexRows, seq), outOfRange === null && chance(rng, 0.25));
    if (bad && outOfRange === null) outOfRange = `input '${io.name}'${bad}`;
    const wide = io.accepts.includes('int64') && chance(rng, 0.7);
    entries.push([io.name, wide ? new Tensor('int64', BigInt64Array.from(values, BigInt), dims) : new Tensor('int32', values, dims)]);
  }
  // fromEntries defines own properties, so an input named '__proto__' is a feed like any other.
  return { feeds: Object.fromEntries(entries), outOfRange };
}
