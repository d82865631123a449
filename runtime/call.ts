/**
 * What one call of a module is, before anything runs: the feeds bound to the manifest's inputs and
 * checked, the call's `seq` and `batch`, and where each run-time buffer lies. Pure functions of the
 * manifest and the feeds; the engine copies, runs and collects.
 */
import { InputError } from '../contract/errors.js';
import { MAX_PAGES, PAGE_BYTES as PAGE } from '../contract/abi.js';
import type { Dim, Manifest, ManifestBound, ManifestIO } from '../contract/manifest.js';
import { feedTensor, moduleFeed, type Tensor } from './tensor.js';

/** The call's sizes and where each buffer lies. */
export interface CallPlan {
  readonly seq: number;
  readonly batch: number;
  readonly offsets: Int32Array;
  readonly end: number;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Matches feeds to inputs: every input present, no unknown name, each a checked tensor (a Tensor or
 * a plain { type, data, dims }) of an accepted type and the right rank. A resumed stream step takes
 * no initial state: its state is the one the previous step left.
 */
export function bindFeeds(m: Manifest, feeds: Readonly<Record<string, Tensor>>, resume: boolean): Map<ManifestIO, Tensor> {
  if (typeof feeds !== 'object' || feeds === null) throw new InputError('feeds must be an object mapping input names to Tensors');
  const names = m.inputs.map((i) => `'${i.name}'`).join(', ');
  for (const name of Object.keys(feeds)) {
    const fixed = m.bound.find((x) => x.name === name);
    if (fixed) checkBound(fixed, moduleFeed(feedTensor(feeds[name], name), name, fixed.accepts.includes('float32') ? 'float32' : 'int32', fixed.accepts));
    else if (!m.inputs.some((i) => i.name === name)) throw new InputError(`unknown input '${name}'; this model's inputs are ${names}`);
  }
  const bound = new Map<ManifestIO, Tensor>();
  for (const i of m.inputs) {
    const given = Object.hasOwn(feeds, i.name) && feeds[i.name] !== undefined;
    if (resume && m.stateInputs.includes(i.buffer)) {
      if (given) {
        throw new InputError(`input '${i.name}' is an initial state, and a resumed stream step starts from the state the previous step left; leave '${i.name}' out, or call reset() first to start from it`);
      }
      continue;
    }
    if (!given) throw new InputError(`missing input '${i.name}' (${i.accepts.join(' or ')} [${i.dims.join(', ')}]); this model's inputs are ${names}`);
    const t = moduleFeed(feedTensor(feeds[i.name], i.name), i.name, i.dtype, i.accepts);
    if (t.dims.length !== i.dims.length) throw new InputError(`input '${i.name}' must have dims [${i.dims.join(', ')}], got [${t.dims.join(', ')}]`);
    bound.set(i, t);
  }
  return bound;
}

/** Resolves seq and batch from the feeds, checks every fixed dim, and places every buffer. */
export function layOut(m: Manifest, bound: Map<ManifestIO, Tensor>): CallPlan {
  const sizes: { seq?: number; batch?: number } = {};
  for (const [io, t] of bound) {
    io.dims.forEach((d, axis) => {
      const got = t.dims[axis];
      if (typeof d === 'number') {
        if (got !== d) throw new InputError(`input '${io.name}' must have dims [${io.dims.join(', ')}], got [${t.dims.join(', ')}] (axis ${axis} must be ${d})`);
        return;
      }
      const seen = sizes[d];
      if (seen !== undefined && seen !== got) {
        throw new InputError(`input '${io.name}' axis ${axis} is ${d} = ${got}, but another input has ${d} = ${seen}`);
      }
      sizes[d] = got;
    });
  }
  const seq = sizes.seq ?? 1, batch = sizes.batch ?? 1;
  if (seq < 1) throw new InputError(`sequence length is 0 (inputs ${inputsWith(m, 'seq')}); expected at least 1`);
  if (batch < 1) throw new InputError(`batch is 0 (inputs ${inputsWith(m, 'batch')}); expected at least 1 row`);
  if (batch > m.maxBatch) {
    throw new InputError(`batch is ${batch} (inputs ${inputsWith(m, 'batch')}); this artifact was compiled for batch 1..${m.maxBatch} (its inputMetadata says maxBatch); compile it for more with \`rnnc compile --batch ${batch}\``);
  }
  const offsets = new Int32Array(m.buffers.length);
  let at = align16(m.staticEnd);
  const partial: CallPlan = { seq, batch, offsets, end: 0 };
  m.buffers.forEach((buf, id) => {
    offsets[id] = at;
    const bytes = buf.dims.reduce((p: number, d) => p * resolve(d, partial), 4) + buf.slack;
    at = align16(at + bytes);
    if (at > MAX_PAGES * PAGE) throw new InputError(`the call needs more than ${MAX_PAGES * PAGE} bytes of memory (seq ${seq}, batch ${batch}); use a shorter sequence or a smaller batch`);
  });
  return { seq, batch, offsets, end: at };
}

/** The inputs with a `seq` or `batch` axis, quoted, for messages. */
export function inputsWith(m: Manifest, sym: 'seq' | 'batch'): string {
  return m.inputs.filter((i) => i.dims.includes(sym)).map((i) => `'${i.name}'`).join(', ');
}

/** Merges consecutive factors: axis i is the product of the next groups[i] entries. */
export function groupDims(flat: number[], groups: readonly number[]): number[] {
  let at = 0;
  return groups.map((g) => {
    const v = flat.slice(at, at + g).reduce((p, d) => p * d, 1);
    at += g;
    return v;
  });
}

export function resolve(d: Dim, call: { seq: number; batch: number }): number {
  return d === 'seq' ? call.seq : d === 'batch' ? call.batch : d;
}

/** A feed of an input bound at compile time must hold the bound value. */
function checkBound(x: ManifestBound, t: Tensor): void {
  if (!(x.accepts as readonly string[]).includes(t.type)) {
    throw new InputError(`input '${x.name}' must be ${x.accepts.join(' or ')} [${x.dims.join(', ')}]`);
  }
  const got = Array.from(t.data as ArrayLike<number | bigint>, Number);
  if (got.length !== x.value.length || got.some((v, i) => v !== x.value[i])) {
    throw new InputError(`input '${x.name}' is ${got.join(', ')}, but this artifact was compiled with it bound to ${x.value.join(', ')} (--bind ${x.name}=${x.value.join(',')}); compile without --bind, or bind the value you feed`);
  }
}
