/**
 * An ONNX model compiled in this process (api/node.ts): what it declares, and a compile for the
 * sizes a call is fed. Imported lazily with the compiler, so a runtime-only user never loads it.
 */
import { availableParallelism } from 'node:os';
import { compileModel, openInputs, type ModelCompileOptions } from '../compiler/index.js';
import { loadGraph, type GraphValue } from '../compiler/frontend/load.js';
import { DataType } from '../compiler/onnx/proto.js';
import { InputError } from '../contract/errors.js';
import type { Artifact } from '../contract/manifest.js';
import type { Declared, ValueMetadata } from '../runtime/session.js';
import type { TensorType } from '../runtime/tensor.js';

/** How to compile: the subset of the session options the compiler reads. */
export interface CompileSettings {
  readonly batch?: number;
  readonly workers?: number;
  readonly plan?: Record<string, unknown>;
  readonly shapes?: Readonly<Record<string, readonly number[]>>;
  readonly bind?: Readonly<Record<string, number | readonly number[]>>;
  readonly freeDimensionOverrides?: Readonly<Record<string, number>>;
}

/** A model compiled in-process, for the sizes and control values each call brings. */
export interface InProcessModel {
  /** Inputs whose sizes a call decides (neither an RNN's sequence nor batch axis). */
  readonly open: readonly string[];
  /** Small integer inputs an If's condition comes from: compiled per value. */
  readonly control: readonly string[];
  readonly declared: Declared;
  /** The model's bytes (the cache's key starts from them). */
  readonly bytes: Uint8Array;
  /** The compile options for these open sizes and control values, and batch up to `batch` (default: the option's). */
  settings(shapes: Record<string, number[]>, bind: Record<string, number[]>, batch?: number): ModelCompileOptions;
  /** Compiles with settings() options. */
  compile(options: ModelCompileOptions): Artifact;
}

const TYPE_OF: Partial<Record<number, TensorType>> = {
  [DataType.FLOAT]: 'float32', [DataType.FLOAT16]: 'float16', [DataType.INT32]: 'int32', [DataType.INT64]: 'int64',
  [DataType.INT8]: 'int8', [DataType.UINT8]: 'uint8', [DataType.BOOL]: 'bool',
};

const metadata = (v: GraphValue): ValueMetadata => ({
  name: v.name, isTensor: true, type: TYPE_OF[v.elemType] ?? 'float32', shape: v.dims ? [...v.dims] : [],
});

/** Reads the model, checks what can be checked before a run, and returns its compile. */
export function inProcessModel(bytes: Uint8Array, source: string, settings: CompileSettings): InProcessModel {
  const g = loadGraph(bytes, source);
  // Inputs bound by the bind option are the model's no more, as in an artifact compiled with --bind.
  const fed = g.inputs.filter((i) => !Object.hasOwn(settings.bind ?? {}, i.name));
  const declared = { inputs: fed.map(metadata), outputs: g.outputs.map(metadata) };
  const given = { source, batch: settings.batch, shapes: settings.shapes, bind: settings.bind };
  let graph = openInputs(bytes, given);
  const shapes = { ...overriddenShapes(g.inputs, graph.open, settings.freeDimensionOverrides), ...settings.shapes };
  if (Object.keys(shapes).length > Object.keys(settings.shapes ?? {}).length) graph = openInputs(bytes, { ...given, shapes });
  const threads = settings.workers === undefined ? undefined : settings.workers > 1;
  return {
    open: graph.open, control: graph.control, declared, bytes,
    // The multi-worker module is built only if this machine's cores would run it (or workers ask for it).
    settings: (open, control, batch) => ({
      source, batch: batch ?? settings.batch, threads, cores: availableParallelism(),
      shapes: { ...shapes, ...open }, bind: { ...settings.bind, ...control }, ...(settings.plan ?? {}),
    }),
    compile: (options) => compileModel(bytes, options).artifact,
  };
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
