/**
 * Structured mutations of the graph's wiring: dropped and duplicated nodes, graph inputs, outputs and
 * initializers; a node's inputs and outputs dropped, blanked or added; an input rewired to another
 * value (cycles included); names emptied.
 */
import type { GraphProto } from '../../compiler/onnx/proto.js';
import { chance, pick, randInt, type Rng } from '../random.js';
import { graphOf, nodeLabel, pickOr, valueNames, type ProtoMutator } from './proto_util.js';

type ListName = 'input' | 'output' | 'initializer';
const LISTS: readonly ListName[] = ['input', 'output', 'initializer'];
const LIST_LABEL: Record<ListName, string> = { input: 'graph input', output: 'graph output', initializer: 'initializer' };

/** A non-empty list of the graph's inputs, outputs or initializers, and one index in it. */
function pickEntry(rng: Rng, g: GraphProto): { list: ListName; i: number } | null {
  const lists = LISTS.filter((l) => g[l]!.length > 0);
  if (!lists.length) return null;
  const list = pick(rng, lists);
  return { list, i: randInt(rng, 0, g[list]!.length - 1) };
}

const dropNode: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    const n = pickOr(rng, g.node!);
    if (!n) return null;
    const label = nodeLabel(g, n);
    g.node = g.node!.filter((m) => m !== n);
    return `drop ${label}`;
  },
};

const dupNode: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    const n = pickOr(rng, g.node!);
    if (!n) return null;
    const at = g.node!.indexOf(n);
    const copy = { ...n, name: `${n.name ?? ''}_dup` };
    const renamed = chance(rng, 0.5);
    if (renamed) copy.output = (n.output ?? []).map((o) => (o ? `${o}_dup` : o));
    g.node = [...g.node!.slice(0, at + 1), copy, ...g.node!.slice(at + 1)];
    return `duplicate ${nodeLabel(g, n)} ${renamed ? 'with renamed outputs' : 'with the same outputs'}`;
  },
};

const dropValue: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    const e = pickEntry(rng, g);
    if (!e) return null;
    const list = [...g[e.list]!];
    const [v] = list.splice(e.i, 1);
    (g as Record<ListName, unknown[]>)[e.list] = list;
    return `drop ${LIST_LABEL[e.list]} '${v.name}'`;
  },
};

const dupValue: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    const e = pickEntry(rng, g);
    if (!e) return null;
    const list = [...g[e.list]!] as { name?: string | null }[];
    const v = list[e.i];
    list.splice(randInt(rng, 0, list.length), 0, { ...v });
    (g as Record<ListName, unknown[]>)[e.list] = list;
    return `a second ${LIST_LABEL[e.list]} '${v.name}'`;
  },
};

const nodeIo: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    const n = pickOr(rng, g.node!);
    if (!n) return null;
    const side = chance(rng, 0.7) ? 'input' : 'output';
    const names = (n[side] = [...(n[side] ?? [])]);
    const r = randInt(rng, 0, 2);
    if (r === 0 && names.length) {
      const i = randInt(rng, 0, names.length - 1);
      const [was] = names.splice(i, 1);
      return `${nodeLabel(g, n)}: drop ${side} ${i} ('${was}')`;
    }
    if (r === 1 && names.length) {
      const i = randInt(rng, 0, names.length - 1);
      const was = names[i];
      names[i] = '';
      return `${nodeLabel(g, n)}: blank ${side} ${i} ('${was}')`;
    }
    const added = side === 'input' ? pickOr(rng, valueNames(g)) ?? '' : `fuzz_extra_${names.length}`;
    names.push(added);
    return `${nodeLabel(g, n)}: append ${side} '${added}'`;
  },
};

const rewire: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    const values = valueNames(g);
    if (chance(rng, 0.15) && g.output!.length && values.length) {
      const o = pick(rng, g.output!);
      const was = o.name;
      o.name = pick(rng, values);
      return `graph output '${was}' -> '${o.name}'`;
    }
    const n = pickOr(rng, g.node!.filter((m) => m.input?.length));
    if (!n) return null;
    const inputs = (n.input = [...n.input!]);
    const i = randInt(rng, 0, inputs.length - 1);
    const was = inputs[i];
    // A node's own output makes a cycle of one node; a later node's output, a longer one.
    inputs[i] = chance(rng, 0.15) && n.output?.length ? pick(rng, n.output) : pickOr(rng, values) ?? '';
    return `${nodeLabel(g, n)}: input ${i} '${was}' -> '${inputs[i]}'`;
  },
};

const emptyName: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    if (chance(rng, 0.5)) {
      const e = pickEntry(rng, g);
      if (!e) return null;
      const v = g[e.list]![e.i];
      const was = v.name;
      v.name = '';
      return `${LIST_LABEL[e.list]} '${was}' named ''`;
    }
    const n = pickOr(rng, g.node!.filter((m) => m.output?.length));
    if (!n) return null;
    const outputs = (n.output = [...n.output!]);
    const i = randInt(rng, 0, outputs.length - 1);
    const was = outputs[i];
    outputs[i] = '';
    if (chance(rng, 0.5)) n.name = '';
    return `${nodeLabel(g, n)}: output ${i} '${was}' named ''${n.name ? '' : ', node name too'}`;
  },
};

export const GRAPH_MUTATORS: Readonly<Record<string, ProtoMutator>> = {
  'proto:drop-node': dropNode,
  'proto:dup-node': dupNode,
  'proto:drop-value': dropValue,
  'proto:dup-value': dupValue,
  'proto:node-io': nodeIo,
  'proto:rewire': rewire,
  'proto:empty-name': emptyName,
};
