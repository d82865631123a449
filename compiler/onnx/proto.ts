/**
 * The only module that imports onnx-proto (static protobufjs code for the ONNX schema). Everything
 * else in rnnc reaches the ONNX messages through the names re-exported here, so a change of protobuf
 * library touches one file.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

/** The ONNX protobuf namespace: `onnx.ModelProto.decode(bytes)`, `onnx.TensorProto.encode(t)`, ... */
export const onnx = onnxProto.onnx;

/** A decoded ModelProto. */
export type ModelProto = OnnxTypes.ModelProto;
/** A ModelProto as a plain object, as `onnx.ModelProto.encode` takes it (tests build models so). */
export type ModelProtoInit = OnnxTypes.IModelProto;
/** A decoded GraphProto. */
export type GraphProto = OnnxTypes.IGraphProto;
/** A decoded NodeProto. */
export type NodeProto = OnnxTypes.INodeProto;
/** A decoded AttributeProto. */
export type AttributeProto = OnnxTypes.IAttributeProto;
/** A decoded (or plain-object) TensorProto. */
export type TensorProto = OnnxTypes.ITensorProto;
/** A decoded ValueInfoProto (a graph input or output with its declared type). */
export type ValueInfoProto = OnnxTypes.IValueInfoProto;

/** `TensorProto.DataType` numbers. */
export const DataType = onnx.TensorProto.DataType;
/** `AttributeProto.AttributeType` numbers. */
export const AttributeType = onnx.AttributeProto.AttributeType;

/** The name of an ONNX tensor data type number, e.g. 1 -> 'FLOAT', or 'type 99' when unknown. */
export function dataTypeName(t: number | null | undefined): string {
  const name = (DataType as unknown as Record<number, string | undefined>)[t ?? 0];
  return name ?? `type ${String(t)}`;
}

/** The name of an attribute type number, e.g. 2 -> 'INT'. */
export function attributeTypeName(t: number | null | undefined): string {
  const name = (AttributeType as unknown as Record<number, string | undefined>)[t ?? 0];
  return name ?? `type ${String(t)}`;
}

/** An int64 as protobufjs returns it: a number, or a Long when the `long` package is present. */
export type Int64 = number | { low: number; high: number; unsigned?: boolean } | null | undefined;

/**
 * Converts a protobuf int64 to a JS number, or returns null when it is not a safe integer (the
 * caller names the field in its error).
 */
export function int64ToNumber(v: Int64): number | null {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  const high = v.unsigned ? v.high >>> 0 : v.high | 0;
  const n = high * 2 ** 32 + (v.low >>> 0);
  return Number.isSafeInteger(n) ? n : null;
}

/** Decodes protobuf `bytes` holding UTF-8 text (ONNX string attributes). */
export function utf8(bytes: Uint8Array | null | undefined): string {
  return bytes ? new TextDecoder('utf-8').decode(bytes) : '';
}
