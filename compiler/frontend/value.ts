/**
 * What shape inference knows about each graph value: a compile-time constant (float data, or int
 * data that may hold symbolic integers such as the `seq` read by a Shape node), a broadcast fill of
 * one number over symbolic dims (ConstantOfShape, Expand of a uniform constant), or a run-time tensor.
 */
import { ModelError, UnsupportedError } from '../../contract/errors.js';
import { constantAttribute } from '../onnx/graph.js';
import { DataType, type NodeProto, type TensorProto, dataTypeName } from '../onnx/proto.js';
import { decodeIntTensor, decodeTensor } from '../onnx/tensor.js';
import type { SymInt } from './symbolic.js';

/** Element kind: floats (FLOAT, DOUBLE, FLOAT16) or integers (INT64, INT32, BOOL). */
export type ElemKind = 'float' | 'int';

/** A constant of float data. */
export interface FloatConst {
  readonly kind: 'const';
  readonly dtype: 'float';
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A constant of integer data; entries may be symbolic (shape arithmetic on `seq` and `batch`). */
export interface IntConst {
  readonly kind: 'const';
  readonly dtype: 'int';
  readonly dims: readonly number[];
  readonly data: readonly SymInt[];
}

export type ConstVal = FloatConst | IntConst;

/** One number broadcast over dims that may be symbolic (e.g. zeros of [1, batch, H]). */
export interface FillVal {
  readonly kind: 'fill';
  readonly dtype: ElemKind;
  readonly dims: readonly SymInt[];
  readonly value: number;
}

/** A tensor known only at run time. */
export interface RunVal {
  readonly kind: 'run';
  readonly dtype: ElemKind;
  readonly dims: readonly SymInt[];
}

export type Val = ConstVal | FillVal | RunVal;

/** The element kind of an ONNX data type number, or null for types rnnc does not read. */
export function elemKind(t: number): ElemKind | null {
  switch (t) {
    case DataType.FLOAT: case DataType.DOUBLE: case DataType.FLOAT16: return 'float';
    case DataType.INT64: case DataType.INT32: case DataType.BOOL: return 'int';
    default: return null;
  }
}

/** Decodes an initializer or Constant tensor; `what` names it in errors. */
export function decodeConst(t: TensorProto, what: string): ConstVal {
  const kind = elemKind(t.dataType ?? 0);
  if (kind === 'int') {
    const v = decodeIntTensor(t, what);
    return { kind: 'const', dtype: 'int', dims: v.dims, data: v.data };
  }
  if (kind === null && t.dataType) {
    throw new UnsupportedError(`${what}: data type ${dataTypeName(t.dataType)} is not supported; rnnc reads FLOAT, DOUBLE, FLOAT16, INT32, INT64 and BOOL`);
  }
  const v = decodeTensor(t, what);
  return { kind: 'const', dtype: 'float', dims: v.dims, data: v.data as Float32Array };
}

/** The value of a Constant node; `where` names the node. */
export function constantNodeValue(n: NodeProto, where: string): ConstVal {
  const a = constantAttribute(n, where);
  switch (a.kind) {
    case 'tensor':
      return decodeConst(a.tensor, `${where} value`);
    case 'floats':
      return { kind: 'const', dtype: 'float', dims: a.dims, data: Float32Array.from(a.values) };
    case 'ints':
      if (a.values.some((v) => v === null)) throw new ModelError(`${where}: ${a.attribute} holds a value beyond 2^53`);
      return { kind: 'const', dtype: 'int', dims: a.dims, data: a.values as number[] };
  }
}

/** A constant's data as plain numbers, or null when some entry is symbolic. */
export function numbers(v: ConstVal): number[] | null {
  const out: number[] = [];
  for (const x of v.data) {
    if (typeof x !== 'number') return null;
    out.push(x);
  }
  return out;
}

/** The element count of a constant. */
export const sizeOf = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

