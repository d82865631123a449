/**
 * A variant: seed model number `index` of a campaign, mutated. Everything about it (the model, the
 * mutations, the compile batch, the feeds) is drawn from (campaign seed, index), so `SEED:INDEX`
 * replays it exactly on a machine holding the same seed models.
 */
import { onnx, type ModelProto } from '../../compiler/onnx/proto.js';
import { chance, mulberry32, pick, randInt, type Rng } from '../random.js';
import { loadSeed, seedFiles, type Seed } from './corpus.js';
import { BYTE_MUTATORS } from './mutate_bytes.js';
import { ATTR_MUTATORS } from './mutate_attrs.js';
import { GRAPH_MUTATORS } from './mutate_graph.js';
import { SAME_MUTATORS } from './mutate_same.js';
import { TYPE_MUTATORS } from './mutate_types.js';
import { bigOf, type ProtoMutator } from './proto_util.js';

/** Every structured mutation by kind name. */
export const PROTO_MUTATORS: Readonly<Record<string, ProtoMutator>> = {
  ...TYPE_MUTATORS, ...ATTR_MUTATORS, ...GRAPH_MUTATORS, ...SAME_MUTATORS,
};
/** Every mutation kind, byte-level and structured. */
export const KINDS: readonly string[] = [...Object.keys(BYTE_MUTATORS), ...Object.keys(PROTO_MUTATORS)];

export interface Variant {
  readonly seed: number;
  readonly index: number;
  /** The seed model's label. */
  readonly model: string;
  /** Kind of each mutation applied, in order (the first names the variant in tables). */
  readonly kinds: readonly string[];
  /** What each mutation did. */
  readonly what: readonly string[];
  readonly bytes: Uint8Array;
  /** Whether the variant must compute what the seed computes. */
  readonly preserves: boolean;
  /** The seed model, for its data set. */
  readonly origin: Seed;
  /** The `batch` option to compile with (undefined: the default). */
  readonly batch: number | undefined;
  /** Rows of the table each integer graph input indexes, by input name, as the variant's Gathers say. */
  readonly indexRows: Readonly<Record<string, number>>;
  /** Draws the variant's feeds. */
  readonly rng: Rng;
}

/** The replay handle of variant `index` of campaign `seed`. */
export const variantId = (seed: number, index: number) => `${seed}:${index}`;

/** A PRNG for (seed, index), mixed so that neighbouring indices draw unrelated streams. */
function variantRng(seed: number, index: number): Rng {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return mulberry32((h ^ (h >>> 15)) >>> 0);
}

/** Probability that a variant gets 2 or 3 mutations instead of one. */
const STACKED = 0.2;
/** Share of byte-level variants. */
const BYTE_SHARE = 0.3;
/** Largest batch of any seed's data set: variants checked against one compile for it. */
const SET_BATCH = 4;

/** Builds variant `index` of campaign `seed` over this machine's seed models. */
export function makeVariant(seed: number, index: number, seeds = seedFiles()): Variant {
  if (seeds.length === 0) throw new Error('fuzz: no seed model found (looked in ../shared, test/models, examples)');
  const rng = variantRng(seed, index);
  const origin = loadSeed(pick(rng, seeds));
  const count = chance(rng, STACKED) ? randInt(rng, 2, 3) : 1;
  const kinds: string[] = [];
  const what: string[] = [];
  let bytes: Uint8Array;
  if (chance(rng, BYTE_SHARE)) {
    bytes = origin.bytes;
    for (let k = 0; k < count; k++) {
      const kind = pick(rng, Object.keys(BYTE_MUTATORS));
      const donor = loadSeed(pick(rng, seeds));
      const m = BYTE_MUTATORS[kind](rng, bytes, donor);
      bytes = m.bytes;
      kinds.push(kind);
      what.push(m.what);
    }
  } else {
    const model = onnx.ModelProto.decode(origin.bytes);
    for (let k = 0; k < count; k++) {
      // A kind may find nothing to change in this model (no attribute, one node): draw again.
      for (let attempt = 0; attempt < 20; attempt++) {
        const kind = pick(rng, Object.keys(PROTO_MUTATORS));
        const done = PROTO_MUTATORS[kind].apply(rng, model);
        if (done === null) continue;
        kinds.push(kind);
        what.push(done);
        break;
      }
    }
    bytes = onnx.ModelProto.encode(model).finish();
  }
  const preserves = kinds.every((k) => PROTO_MUTATORS[k]?.preserves === true);
  const batch = preserves && origin.set ? SET_BATCH : pick(rng, [undefined, 1, 2, 3, 4]);
  return { seed, index, model: origin.name, kinds, what, bytes, preserves, origin, batch, indexRows: indexRows(bytes), rng };
}

/**
 * For each graph input a Gather reads as indices from an initializer table, the table's size along
 * the Gather's axis (the smallest when several Gathers read it): valid indices are [-rows, rows).
 * Read from the variant itself, so an out-of-range feed is judged against what rnnc was given.
 */
function indexRows(bytes: Uint8Array): Record<string, number> {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return {};
  }
  const g = model.graph;
  const rows: Record<string, number> = {};
  const inputs = new Set((g?.input ?? []).map((i) => i.name));
  const tables = new Map((g?.initializer ?? []).map((t) => [t.name, (t.dims ?? []).map((d) => Number(bigOf(d)))]));
  for (const n of g?.node ?? []) {
    const [table, indices] = n.input ?? [];
    const dims = tables.get(table);
    if (n.opType !== 'Gather' || !indices || !inputs.has(indices) || !dims) continue;
    const axisAttr = (n.attribute ?? []).find((a) => a.name === 'axis');
    const axis = Number(bigOf(axisAttr?.i));
    const norm = axis < 0 ? axis + dims.length : axis;
    if (norm < 0 || norm >= dims.length || !(dims[norm] >= 0)) continue;
    rows[indices] = Math.min(rows[indices] ?? Infinity, dims[norm]);
  }
  return rows;
}
