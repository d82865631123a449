/**
 * What the structured mutations share: the decoded model's parts by role, int64 fields as bigints,
 * boundary values, and reading and writing the elements of a TensorProto whichever field holds them.
 * A decoded model's `raw_data` are views of the seed's bytes: mutations replace them, never write
 * into them.
 */
import { DataType, type GraphProto, type Int64, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../../compiler/onnx/proto.js';
import { pick, randInt, type Rng } from '../random.js';

/** An int64 field value protobufjs encodes exactly (a Long-shaped object). */
export function int64(v: bigint): { low: number; high: number; unsigned: boolean } {
  const u = BigInt.asUintN(64, v);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: false };
}

/** An int64 field as a bigint (a number, or a Long from the decoder). */
export function bigOf(v: Int64): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  return BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
}

/** Integers at the edges of what shapes, indices and counts hold, and some near `v`. */
export function boundaryInt(rng: Rng, v = 0n): bigint {
  return pick(rng, [
    0n, 1n, 2n, 3n, -1n, -2n, 7n, 64n, 65536n, 2n ** 31n - 1n, 2n ** 31n, -(2n ** 31n), 2n ** 32n,
    2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), v + 1n, v - 1n, 2n * v, -v, v + 1000n,
  ]);
}

/** Floats at the edges: zeros, infinities, NaN, huge and subnormal values. */
export function boundaryFloat(rng: Rng, v = 0): number {
  return pick(rng, [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 1e30, -1e30, 1e-40, 3.4e38, v * 2, -v, v + 1]);
}

export function graphOf(model: ModelProto): GraphProto {
  if (!model.graph) model.graph = { node: [], input: [], output: [], initializer: [] };
  const g = model.graph;
  g.node ??= [];
  g.input ??= [];
  g.output ??= [];
  g.initializer ??= [];
  g.valueInfo ??= [];
  return g;
}

/** The node's label in descriptions: its name (or its position) and op. */
export function nodeLabel(g: GraphProto, n: NodeProto): string {
  return `node '${n.name || `#${g.node!.indexOf(n)}`}' (${n.opType})`;
}

/** Every value a node may read: graph inputs, initializers and node outputs, without duplicates. */
export function valueNames(g: GraphProto): string[] {
  const names = [
    ...g.input!.map((v) => v.name ?? ''), ...g.initializer!.map((t) => t.name ?? ''),
    ...g.node!.flatMap((n) => n.output ?? []),
  ];
  return [...new Set(names.filter((n) => n !== ''))];
}

/** Every declared type: graph inputs, outputs and value_info, with their role. */
export function valueInfos(g: GraphProto): { where: string; v: ValueInfoProto }[] {
  return [
    ...g.input!.map((v) => ({ where: `graph input '${v.name}'`, v })),
    ...g.output!.map((v) => ({ where: `graph output '${v.name}'`, v })),
    ...g.valueInfo!.map((v) => ({ where: `value_info '${v.name}'`, v })),
  ];
}

/** Every tensor in the graph: initializers and tensor attributes (Constant values and the like). */
export function tensorsOf(g: GraphProto): { where: string; t: TensorProto }[] {
  const out = g.initializer!.map((t) => ({ where: `initializer '${t.name}'`, t }));
  for (const n of g.node!) {
    for (const a of n.attribute ?? []) {
      if (a.t) out.push({ where: `${nodeLabel(g, n)} attribute ${a.name}`, t: a.t });
    }
  }
  return out;
}

/** Picks one element of a non-empty list, or null. */
export function pickOr<T>(rng: Rng, items: readonly T[]): T | null {
  return items.length ? pick(rng, items) : null;
}

/** The element count the tensor's dims declare (NaN when they overflow). */
export function declaredCount(t: TensorProto): number {
  return (t.dims ?? []).reduce((p: number, d) => p * Number(bigOf(d)), 1);
}

/** Bytes per element of the raw encodings the mutations rewrite. */
const WIDTH: Partial<Record<number, number>> = { [DataType.FLOAT]: 4, [DataType.INT64]: 8, [DataType.INT32]: 4, [DataType.DOUBLE]: 8 };

/**
 * Sets element `i` of an integer or float tensor to `v`, in whichever field holds the data; returns
 * false for other types or an index past the data.
 */
export function setElement(t: TensorProto, i: number, v: bigint | number): boolean {
  const type = t.dataType ?? 0;
  const width = WIDTH[type];
  if (width === undefined) return false;
  if (t.rawData && t.rawData.length) {
    if ((i + 1) * width > t.rawData.length) return false;
    const raw = t.rawData.slice();
    const view = new DataView(raw.buffer);
    if (type === DataType.INT64) view.setBigInt64(8 * i, BigInt(v), true);
    else if (type === DataType.INT32) view.setInt32(4 * i, Number(BigInt.asIntN(32, BigInt(v))), true);
    else if (type === DataType.DOUBLE) view.setFloat64(8 * i, Number(v), true);
    else view.setFloat32(4 * i, Number(v), true);
    t.rawData = raw;
    return true;
  }
  const field = type === DataType.INT64 ? 'int64Data' : type === DataType.INT32 ? 'int32Data' : type === DataType.DOUBLE ? 'doubleData' : 'floatData';
  const data = (t[field] ?? []) as unknown[];
  if (i >= data.length) return false;
  const copy = data.slice();
  copy[i] = type === DataType.INT64 ? int64(BigInt(v)) : type === DataType.INT32 ? Number(BigInt.asIntN(32, BigInt(v))) : Number(v);
  (t as Record<string, unknown>)[field] = copy;
  return true;
}

/** The number of elements the tensor's data field holds (raw or typed). */
export function storedCount(t: TensorProto): number {
  const width = WIDTH[t.dataType ?? 0];
  if (t.rawData && t.rawData.length) return width ? Math.floor(t.rawData.length / width) : 0;
  return (t.floatData?.length ?? 0) + (t.int64Data?.length ?? 0) + (t.int32Data?.length ?? 0) + (t.doubleData?.length ?? 0);
}

/** A random index among the stored elements, favouring the first and the last. */
export function elementIndex(rng: Rng, n: number): number {
  const r = randInt(rng, 0, 3);
  return r === 0 ? 0 : r === 1 ? n - 1 : randInt(rng, 0, n - 1);
}

/** Element `i` of an integer tensor as a bigint, or null when it has no such integer element. */
export function getInt(t: TensorProto, i: number): bigint | null {
  const type = t.dataType ?? 0;
  if (type !== DataType.INT64 && type !== DataType.INT32) return null;
  if (t.rawData && t.rawData.length) {
    const width = type === DataType.INT64 ? 8 : 4;
    if ((i + 1) * width > t.rawData.length) return null;
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return type === DataType.INT64 ? view.getBigInt64(8 * i, true) : BigInt(view.getInt32(4 * i, true));
  }
  const data = type === DataType.INT64 ? t.int64Data : t.int32Data;
  return data && i < data.length ? bigOf(data[i]) : null;
}

/** A structured mutation: changes `model` in place and says what it did, or null when it finds nothing to change. */
export interface ProtoMutator {
  /** Whether the model must still compute what the seed computes (checked against its data set). */
  readonly preserves: boolean;
  apply(rng: Rng, model: ModelProto): string | null;
}
