/** Typed reading of a node's attributes, with messages naming the node and the attribute. */
import { ModelError } from '../../contract/errors.js';
import {
  type AttributeProto, AttributeType, type NodeProto, type TensorProto, attributeTypeName, int64ToNumber, utf8,
} from '../onnx/proto.js';

/** A node's attributes by name; each getter checks the type and returns the default when absent. */
export class Attrs {
  private readonly byName = new Map<string, AttributeProto>();

  /** `where` names the node in errors, e.g. `Gemm (node '/fc/Gemm')`. */
  constructor(node: NodeProto, private readonly where: string) {
    for (const a of node.attribute ?? []) this.byName.set(a.name ?? '', a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The attribute names present (checked by ops that reject attributes they do not implement). */
  names(): string[] {
    return [...this.byName.keys()];
  }

  int(name: string, dflt: number): number;
  int(name: string): number | null;
  int(name: string, dflt: number | null = null): number | null {
    const a = this.get(name, AttributeType.INT);
    if (!a) return dflt;
    const v = int64ToNumber(a.i);
    if (v === null) throw new ModelError(`${this.where}: attribute '${name}' is out of range`);
    return v;
  }

  /** An INTS attribute; values beyond 2^53 are rounded (they only ever mean "to the end"). */
  ints(name: string): number[] | null {
    const a = this.get(name, AttributeType.INTS);
    if (!a) return null;
    return (a.ints ?? []).map((v) => int64ToNumber(v) ?? (typeof v === 'object' && v ? (v.high | 0) * 2 ** 32 + (v.low >>> 0) : 0));
  }

  float(name: string, dflt: number): number {
    const a = this.get(name, AttributeType.FLOAT);
    return a ? a.f ?? 0 : dflt;
  }

  string(name: string, dflt: string): string {
    const a = this.get(name, AttributeType.STRING);
    return a ? utf8(a.s) : dflt;
  }

  tensor(name: string): TensorProto | null {
    return this.get(name, AttributeType.TENSOR)?.t ?? null;
  }

  private get(name: string, type: number): AttributeProto | null {
    const a = this.byName.get(name);
    if (!a) return null;
    // Type UNDEFINED comes from old exporters that only fill the value field: accept it.
    if (a.type && a.type !== type) {
      throw new ModelError(`${this.where}: attribute '${name}' must be ${attributeTypeName(type)}, got ${attributeTypeName(a.type)}`);
    }
    return a;
  }
}
