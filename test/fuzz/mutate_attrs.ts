/**
 * Structured mutations of what nodes are: an attribute's value or type, added, duplicated or dropped
 * attributes, the op type and domain, the opset and IR versions.
 */
import { AttributeType, type AttributeProto, type NodeProto } from '../../compiler/onnx/proto.js';
import { chance, pick, randInt, type Rng } from '../random.js';
import {
  bigOf, boundaryFloat, boundaryInt, graphOf, int64, nodeLabel, pickOr, type ProtoMutator,
} from './proto_util.js';

/** Strings the recurrent ops read (directions, activations), near misses and junk. */
const STRINGS = [
  'forward', 'reverse', 'bidirectional', 'Tanh', 'Relu', 'Sigmoid', 'Affine', 'LeakyRelu', 'ThresholdedRelu',
  'ScaledTanh', 'HardSigmoid', 'Elu', 'Softsign', 'Softplus', '', 'tanh', 'FORWARD', 'Nope', 'x'.repeat(5000),
];

/** Ops rnnc reads, ops it does not, and names no opset has. */
const OPS = [
  'LSTM', 'GRU', 'RNN', 'Gather', 'Shape', 'Constant', 'Unsqueeze', 'Squeeze', 'Concat', 'ConstantOfShape',
  'Transpose', 'MatMul', 'Add', 'Mul', 'Sub', 'Reshape', 'Slice', 'Relu', 'Tanh', 'Sigmoid', 'Abs', 'Softmax',
  'Gemm', 'Identity', 'Cast', 'Split', 'Flatten', 'Expand', 'If', 'Loop', 'Scan', 'Foo', '', 'lstm',
];

/** Attribute names some op reads, with their type. */
const KNOWN_ATTRIBUTES: readonly [string, number][] = [
  ['hidden_size', AttributeType.INT], ['direction', AttributeType.STRING], ['layout', AttributeType.INT],
  ['linear_before_reset', AttributeType.INT], ['input_forget', AttributeType.INT], ['clip', AttributeType.FLOAT],
  ['activations', AttributeType.STRINGS], ['activation_alpha', AttributeType.FLOATS], ['activation_beta', AttributeType.FLOATS],
  ['axis', AttributeType.INT], ['axes', AttributeType.INTS], ['perm', AttributeType.INTS], ['keepdims', AttributeType.INT],
  ['allowzero', AttributeType.INT], ['to', AttributeType.INT], ['transA', AttributeType.INT], ['transB', AttributeType.INT],
  ['alpha', AttributeType.FLOAT], ['beta', AttributeType.FLOAT], ['value', AttributeType.TENSOR], ['fuzz', AttributeType.GRAPH],
];

const text = (s: string) => new TextEncoder().encode(s);
const shown = (s: string) => JSON.stringify(s.length > 20 ? `${s.slice(0, 12)}...(${s.length} chars)` : s);

/** Changes one entry of a list, or its length. */
function mutateList<T>(rng: Rng, list: T[], fresh: () => T): string {
  const r = randInt(rng, 0, 3);
  if (r === 0 || list.length === 0) {
    list.push(fresh());
    return `append an entry (now ${list.length})`;
  }
  if (r === 1) {
    list.pop();
    return `drop the last entry (now ${list.length})`;
  }
  if (r === 2) {
    const n = list.length;
    list.length = 0;
    return `empty the list (was ${n})`;
  }
  const i = randInt(rng, 0, list.length - 1);
  list[i] = fresh();
  return `entry ${i} changed`;
}

/** A new value for `a` of its own type; returns what changed, or null for graph attributes. */
function mutateValue(rng: Rng, a: AttributeProto): string | null {
  switch (a.type) {
    case AttributeType.INT: {
      const before = bigOf(a.i);
      const v = boundaryInt(rng, before);
      a.i = int64(v);
      return `${before} -> ${v}`;
    }
    case AttributeType.FLOAT: {
      const before = a.f ?? 0;
      a.f = boundaryFloat(rng, before);
      return `${before} -> ${a.f}`;
    }
    case AttributeType.STRING: {
      const s = chance(rng, 0.1) ? null : pick(rng, STRINGS);
      a.s = s === null ? Uint8Array.of(0xff, 0xfe, 0x00) : text(s);
      return `-> ${s === null ? 'invalid UTF-8' : shown(s)}`;
    }
    case AttributeType.INTS:
      a.ints = [...(a.ints ?? [])];
      return `ints: ${mutateList(rng, a.ints, () => int64(boundaryInt(rng)))}`;
    case AttributeType.FLOATS:
      a.floats = [...(a.floats ?? [])];
      return `floats: ${mutateList(rng, a.floats, () => boundaryFloat(rng))}`;
    case AttributeType.STRINGS:
      a.strings = [...(a.strings ?? [])];
      return `strings: ${mutateList(rng, a.strings, () => text(pick(rng, STRINGS)))}`;
    default:
      return null;
  }
}

/** A fresh attribute named `name` of type `type`, with a plausible or boundary value. */
function freshAttribute(rng: Rng, name: string, type: number): AttributeProto {
  switch (type) {
    case AttributeType.INT: return { name, type, i: int64(chance(rng, 0.5) ? BigInt(randInt(rng, 0, 2)) : boundaryInt(rng)) };
    case AttributeType.FLOAT: return { name, type, f: boundaryFloat(rng, 1) };
    case AttributeType.STRING: return { name, type, s: text(pick(rng, STRINGS)) };
    case AttributeType.INTS: return { name, type, ints: Array.from({ length: randInt(rng, 0, 4) }, () => int64(BigInt(randInt(rng, -2, 3)))) };
    case AttributeType.FLOATS: return { name, type, floats: Array.from({ length: randInt(rng, 0, 6) }, () => boundaryFloat(rng, 0.5)) };
    case AttributeType.STRINGS: return { name, type, strings: Array.from({ length: randInt(rng, 0, 6) }, () => text(pick(rng, STRINGS))) };
    case AttributeType.TENSOR: return { name, type, t: { dataType: 7, dims: [int64(1n)], int64Data: [int64(boundaryInt(rng))] } };
    default: return { name, type, g: { name: 'fuzz_subgraph', node: [{ opType: 'Identity', input: ['a'], output: ['b'] }] } };
  }
}

function nodesWithAttributes(model: Parameters<ProtoMutator['apply']>[1]): NodeProto[] {
  return graphOf(model).node!.filter((n) => n.attribute?.length);
}

const attrValue: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const n = pickOr(rng, nodesWithAttributes(model));
    if (!n) return null;
    const a = pick(rng, n.attribute!);
    const what = mutateValue(rng, a);
    return what && `${nodeLabel(graphOf(model), n)} attribute ${a.name}: ${what}`;
  },
};

const attrType: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const n = pickOr(rng, nodesWithAttributes(model));
    if (!n) return null;
    const a = pick(rng, n.attribute!);
    const before = a.type;
    a.type = pick(rng, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 99].filter((t) => t !== before));
    return `${nodeLabel(graphOf(model), n)} attribute ${a.name}: type ${before} -> ${a.type} (values left as they were)`;
  },
};

const attrEdit: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    const n = pickOr(rng, g.node!);
    if (!n) return null;
    const attrs = (n.attribute = [...(n.attribute ?? [])]);
    const r = randInt(rng, 0, 2);
    if (r === 0 && attrs.length) {
      const [a] = attrs.splice(randInt(rng, 0, attrs.length - 1), 1);
      return `${nodeLabel(g, n)}: drop attribute ${a.name}`;
    }
    if (r === 1 && attrs.length) {
      const a = pick(rng, attrs);
      const copy = freshAttribute(rng, a.name ?? '', a.type ?? 0);
      attrs.push(copy);
      return `${nodeLabel(g, n)}: a second attribute ${a.name}`;
    }
    const [name, type] = pick(rng, KNOWN_ATTRIBUTES);
    attrs.push(freshAttribute(rng, chance(rng, 0.1) ? '' : name, type));
    return `${nodeLabel(g, n)}: add attribute ${attrs[attrs.length - 1].name || "''"} (type ${type})`;
  },
};

const opType: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const g = graphOf(model);
    const n = pickOr(rng, g.node!);
    if (!n) return null;
    const before = n.opType;
    if (chance(rng, 0.2)) {
      n.domain = pick(rng, ['com.microsoft', 'ai.onnx.ml', 'ai.onnx', 'fuzz']);
      return `${nodeLabel(g, n)}: domain -> '${n.domain}'`;
    }
    n.opType = pick(rng, OPS);
    return `node '${n.name}' op ${before} -> '${n.opType}'`;
  },
};

const opset: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const r = randInt(rng, 0, 3);
    if (r === 0) {
      const before = bigOf(model.irVersion);
      model.irVersion = int64(pick(rng, [0n, 1n, 3n, 4n, 10n, 99n, -1n]));
      return `ir_version ${before} -> ${bigOf(model.irVersion)}`;
    }
    const imports = (model.opsetImport = [...(model.opsetImport ?? [])]);
    if (r === 1) {
      imports.length = 0;
      return 'drop every opset_import';
    }
    if (r === 2 || imports.length === 0) {
      imports.push({ domain: pick(rng, ['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft']), version: int64(BigInt(randInt(rng, 1, 23))) });
      return `add opset_import '${imports[imports.length - 1].domain}' ${bigOf(imports[imports.length - 1].version)}`;
    }
    const i = randInt(rng, 0, imports.length - 1);
    const v = pick(rng, [0n, 1n, 6n, 7n, 9n, 13n, 14n, 17n, 21n, 22n, 99n, -1n, 2n ** 40n]);
    imports[i] = { domain: imports[i].domain, version: int64(v) };
    return `opset_import '${imports[i].domain ?? ''}' version -> ${v}`;
  },
};

export const ATTR_MUTATORS: Readonly<Record<string, ProtoMutator>> = {
  'proto:attr-value': attrValue,
  'proto:attr-type': attrType,
  'proto:attr-edit': attrEdit,
  'proto:op-type': opType,
  'proto:opset': opset,
};
