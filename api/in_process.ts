/**
 * The facts of an ONNX model compiled in this process (api/model.ts): what it declares and which
 * inputs a call decides, read by the compiler's front end. Imported lazily with the compiler, so a
 * runtime-only user, or a session whose facts and artifacts are cached, never loads it.
 */
import { openInputs } from '../compiler/index.js';
import { loadGraph, type GraphValue } from '../compiler/frontend/load.js';
import { DataType } from '../compiler/onnx/proto.js';
import { InputError } from '../contract/errors.js';
import type { ValueMetadata } from '../runtime/session.js';
import type { TensorType } from '../runtime/tensor.js';
import type { CompileSettings, ModelFacts } from './model.js';

const TYPE_OF: Partial<Record<number, TensorType>> = {
  [DataType.FLOAT]: 'float32', [DataType.FLOAT16]: 'float16', [DataType.INT32]: 'int32', [DataType.INT64]: 'int64',
  [DataType.INT8]: 'int8', [DataType.UINT8]: 'uint8', [DataType.BOOL]: 'bool',
};

const metadata = (v: GraphValue): ValueMetadata => ({
  name: v.name, isTensor: true, type: TYPE_OF[v.elemType] ?? 'float32', shape: v.dims ? [...v.dims] : [],
});

/** Reads the model and checks what can be checked before a run: its facts under these settings. */
export function modelFacts(bytes: Uint8Array, source: string, settings: CompileSettings): ModelFacts {
  const g = loadGraph(bytes, source);
  // Inputs bound by the bind option are the model's no more, as in an artifact compiled with --bind.
  const fed = g.inputs.filter((i) => !Object.hasOwn(settings.bind ?? {}, i.name));
  const declared = { inputs: fed.map(metadata), outputs: g.outputs.map(metadata) };
  const given = { source, batch: settings.batch, shapes: settings.shapes, bind: settings.bind };
  let graph = openInputs(bytes, given);
  const shapes = { ...overriddenShapes(g.inputs, graph.open, settings.freeDimensionOverrides), ...settings.shapes };
  if (Object.keys(shapes).length > Object.keys(settings.shapes ?? {}).length) graph = openInputs(bytes, { ...given, shapes });
  return { declared, open: [...graph.open], control: [...graph.control], shapes };
}

/**
 * onnxruntime's freeDimensionOverrides as rnnc's shapes: an open input whose every symbolic dim is
 * overridden gets those sizes. Sequence and batch axes vary per call anyway, so overrides of their
 * names change nothing; a name no input declares is an error.
 */
function overriddenShapes(inputs: readonly GraphValue[], open: readonly string[], overrides: Readonly<Record<string, number>> = {}): Record<string, number[]> {
  const names = new Set(inputs.flatMap((i) => (i.dims ?? []).filter((d): d is string => typeof d === 'string' && d !== '?')));
  for (const dim of Object.keys(overrides)) {
    if (!names.has(dim)) {
      throw new InputError(`freeDimensionOverrides names dim '${dim}', which no input declares; the model's symbolic dims are ${[...names].map((n) => `'${n}'`).join(', ') || 'none'}`);
    }
  }
  const shapes: Record<string, number[]> = {};
  for (const i of inputs) {
    if (!open.includes(i.name) || !i.dims) continue;
    const dims = i.dims.map((d) => (typeof d === 'number' ? d : overrides[d]));
    if (dims.every((d) => typeof d === 'number')) shapes[i.name] = dims as number[];
  }
  return shapes;
}
