/**
 * The graph-level half of ONNX reading: decoding the ModelProto, reading the default-domain opset,
 * naming nodes in messages, reading declared input/output types and Constant values.
 */
import { ModelError, UnsupportedError } from '../../contract/errors.js';
import {
  type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto, int64ToNumber, onnx,
} from './proto.js';

/** Opsets in which rnnc reads LSTM, GRU and RNN (the ops exist since 7; `layout` since 14). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;


/** Decodes a ModelProto; bytes that are not one (or have no graph) throw ModelError naming `source`. */
export function decodeModel(bytes: Uint8Array, source: string): { model: ModelProto; graph: GraphProto } {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const reason = (e as Error).message;
    throw new ModelError(`${source}: not an ONNX model (protobuf decoding failed: ${reason}; is the file truncated?)`);
  }
  if (!model.graph) throw new ModelError(`${source}: not an ONNX model (${bytes.length ? 'no graph' : 'the file is empty'})`);
  return { model, graph: model.graph };
}

/** The opset of the default ONNX domain; throws UnsupportedError outside MIN_OPSET..MAX_OPSET. */
export function defaultOpset(model: ModelProto, source: string): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new ModelError(`${source}: the model imports no opset for the default ONNX domain`);
  const version = int64ToNumber(entry.version);
  if (version === null || version < MIN_OPSET || version > MAX_OPSET) {
    throw new UnsupportedError(
      `${source}: opset ${String(version ?? entry.version)} is not supported; rnnc reads LSTM, GRU and RNN from opset ${MIN_OPSET} to ${MAX_OPSET}`,
    );
  }
  return version;
}

/** Whether the node belongs to the default ONNX domain. */
export const isDefaultDomain = (n: NodeProto) => !n.domain || n.domain === 'ai.onnx';
/** The node's op as messages name it: `LSTM`, or `<domain>.<op>` outside the default domain. */
export const opLabel = (n: NodeProto) => (isDefaultDomain(n) ? n.opType ?? '?' : `${n.domain}.${n.opType ?? '?'}`);
/** The node as messages name it: `node '<name>'`, or `node #<index>` when unnamed. */
export const nodeLabel = (n: NodeProto, i: number) => (n.name ? `node '${n.name}'` : `node #${i}`);


/**
 * The value attribute of a Constant node, not yet decoded: a TensorProto (`value`), floats
 * (`value_float(s)`) or int64s (`value_int(s)`; null where not a safe integer). Other attributes
 * (sparse, strings) throw UnsupportedError; `where` names the node.
 */
export type ConstantAttribute =
  | { readonly kind: 'tensor'; readonly tensor: TensorProto }
  | { readonly kind: 'floats'; readonly dims: number[]; readonly values: number[] }
  | { readonly kind: 'ints'; readonly attribute: string; readonly dims: number[]; readonly values: (number | null)[] };

export function constantAttribute(n: NodeProto, where: string): ConstantAttribute {
  const attrs = n.attribute ?? [];
  if (attrs.length !== 1) throw new ModelError(`${where}: expected exactly one value attribute, got ${attrs.length}`);
  const a = attrs[0];
  switch (a.name) {
    case 'value':
      if (!a.t) throw new ModelError(`${where}: attribute 'value' holds no tensor`);
      return { kind: 'tensor', tensor: a.t };
    case 'value_float':
      return { kind: 'floats', dims: [], values: [a.f ?? 0] };
    case 'value_floats':
      return { kind: 'floats', dims: [a.floats?.length ?? 0], values: Array.from(a.floats ?? []) };
    case 'value_int':
    case 'value_ints': {
      const raw = a.name === 'value_int' ? [a.i] : a.ints ?? [];
      const dims = a.name === 'value_int' ? [] : [raw.length];
      return { kind: 'ints', attribute: a.name, dims, values: raw.map((v) => int64ToNumber(v)) };
    }
    default:
      throw new UnsupportedError(`${where}: attribute '${a.name}' is not supported; rnnc reads value, value_float(s) and value_int(s)`);
  }
}

/** A declared tensor type: ONNX elem_type number (0 = unknown) and dims (null = unknown rank). */
export interface DeclaredType {
  readonly elemType: number;
  /** A number for dim_value, the name for dim_param, '?' for an unknown dim. */
  readonly dims: (number | string)[] | null;
}

/** The declared type of a graph input or output, or null when it has no tensor type. */
export function declaredType(v: ValueInfoProto): DeclaredType | null {
  const t = v.type?.tensorType;
  if (!t) return null;
  const shape = t.shape;
  const dims = shape
    ? (shape.dim ?? []).map((d): number | string => {
        if (d.dimValue !== null && d.dimValue !== undefined) {
          const n = int64ToNumber(d.dimValue);
          return n !== null && n >= 0 ? n : '?';
        }
        return d.dimParam ? d.dimParam : '?';
      })
    : null;
  return { elemType: t.elemType ?? 0, dims };
}
