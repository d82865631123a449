/**
 * Structured mutations that must not change what the model computes: Identity chains (deep ones
 * included) on an edge, a value renamed everywhere (to names that are also JavaScript property
 * names), nodes or initializers in another order, and dead nodes or initializers nobody reads.
 * Variants made only of these are checked against the seed's data set.
 */
import type { GraphProto, NodeProto } from '../../compiler/onnx/proto.js';
import { chance, pick, randInt, type Rng } from '../random.js';
import { graphOf, int64, nodeLabel, pickOr, valueNames, type ProtoMutator } from './proto_util.js';

/** Chain lengths: short ones, and ones deep enough to find recursion over the graph. */
const CHAIN_LENGTHS = [1, 2, 8, 100, 1000, 5000];

/** New names: odd characters, a long one, and names every JavaScript object already has. */
const NEW_NAMES = ['fuzz/renamed:0', 'fuzz renamed \u00e9\u6f22', 'r'.repeat(4000), '0', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];

function identity(input: string, output: string): NodeProto {
  return { opType: 'Identity', name: `fuzz_${output}`, input: [input], output: [output] };
}

/** Identity nodes from `from` to `to` through n - 1 fresh values. */
function chain(from: string, to: string, n: number, tag: string): NodeProto[] {
  const nodes: NodeProto[] = [];
  let prev = from;
  for (let k = 0; k < n; k++) {
    const next = k === n - 1 ? to : `fuzz_${tag}_${k}`;
    nodes.push(identity(prev, next));
    prev = next;
  }
  return nodes;
}

const identityChain: ProtoMutator = {
  preserves: true,
  apply(rng, model) {
    const g = graphOf(model);
    const n = randInt(rng, 0, 1) ? pick(rng, CHAIN_LENGTHS) : randInt(rng, 1, 3);
    // Fresh value names, distinct from an earlier chain's in the same variant.
    const tag = `c${g.node!.length}`;
    const producer = new Map(g.node!.flatMap((m) => (m.output ?? []).map((o) => [o, m] as const)));
    const produced = g.output!.filter((o) => producer.has(o.name ?? ''));
    if (chance(rng, 0.3) && produced.length) {
      // Before a graph output: its node now writes a fresh value the chain carries to the output.
      const o = pick(rng, produced);
      const node = producer.get(o.name!)!;
      node.output = node.output!.map((x) => (x === o.name ? `fuzz_${tag}_pre` : x));
      const at = g.node!.indexOf(node) + 1;
      g.node = [...g.node!.slice(0, at), ...chain(`fuzz_${tag}_pre`, o.name!, n, tag), ...g.node!.slice(at)];
      return `${n} Identity nodes before graph output '${o.name}'`;
    }
    const consumer = pickOr(rng, g.node!.filter((m) => m.input?.some((i) => i !== '')));
    if (!consumer) return null;
    const slots = consumer.input!.flatMap((x, i) => (x !== '' ? [i] : []));
    const i = pick(rng, slots);
    const from = consumer.input![i];
    consumer.input = consumer.input!.map((x, k) => (k === i ? `fuzz_${tag}_end` : x));
    const at = g.node!.indexOf(consumer);
    g.node = [...g.node!.slice(0, at), ...chain(from, `fuzz_${tag}_end`, n, tag), ...g.node!.slice(at)];
    return `${n} Identity nodes before input ${i} ('${from}') of ${nodeLabel(g, consumer)}`;
  },
};

/** Renames value `from` to `to` everywhere it is named. */
function renameEverywhere(g: GraphProto, from: string, to: string): void {
  const swap = (x: string) => (x === from ? to : x);
  for (const n of g.node!) {
    n.input = (n.input ?? []).map(swap);
    n.output = (n.output ?? []).map(swap);
  }
  for (const list of [g.input!, g.output!, g.valueInfo!, g.initializer!] as { name?: string | null }[][]) {
    for (const v of list) if (v.name === from) v.name = to;
  }
}

const rename: ProtoMutator = {
  preserves: true,
  apply(rng, model) {
    const g = graphOf(model);
    const names = valueNames(g);
    const from = pickOr(rng, names);
    const to = pickOr(rng, NEW_NAMES.filter((x) => !names.includes(x)));
    if (from === null || to === null) return null;
    renameEverywhere(g, from, to);
    return `rename value '${from}' to ${JSON.stringify(to.length > 20 ? `${to.slice(0, 8)}...(${to.length} chars)` : to)}`;
  },
};

function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randInt(rng, 0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const reorder: ProtoMutator = {
  preserves: true,
  apply(rng, model) {
    const g = graphOf(model);
    const r = randInt(rng, 0, 2);
    if (r === 0 && g.node!.length > 1) {
      g.node = [...g.node!].reverse();
      return `reverse the ${g.node.length} nodes`;
    }
    if (r === 1 && g.node!.length > 1) {
      g.node = shuffle(rng, g.node!);
      return `shuffle the ${g.node.length} nodes`;
    }
    if (g.initializer!.length < 2) return null;
    g.initializer = shuffle(rng, g.initializer!);
    return `shuffle the ${g.initializer.length} initializers`;
  },
};

const deadCode: ProtoMutator = {
  preserves: true,
  apply(rng, model) {
    const g = graphOf(model);
    if (chance(rng, 0.3)) {
      const dims = Array.from({ length: randInt(rng, 0, 3) }, () => randInt(rng, 0, 5));
      const count = dims.reduce((p, d) => p * d, 1);
      const name = `fuzz_unused_${g.initializer!.length}`;
      g.initializer = [...g.initializer!, { name, dataType: 1, dims: dims.map((d) => int64(BigInt(d))), floatData: new Array(count).fill(0.25) }];
      return `an initializer '${name}' [${dims.join(', ')}] nobody reads`;
    }
    const from = pickOr(rng, valueNames(g));
    if (from === null) return null;
    const op = pick(rng, ['Identity', 'Relu', 'Tanh', 'Sigmoid', 'Abs', 'Shape']);
    const out = `fuzz_dead_${g.node!.length}`;
    g.node = [...g.node!, { opType: op, name: out, input: [from], output: [out] }];
    return `a ${op} node reading '${from}' whose output nobody reads`;
  },
};

export const SAME_MUTATORS: Readonly<Record<string, ProtoMutator>> = {
  'proto:identity-chain': identityChain,
  'proto:rename': rename,
  'proto:reorder': reorder,
  'proto:dead-code': deadCode,
};
