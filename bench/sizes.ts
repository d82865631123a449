/**
 * What a model's weights take: in the ONNX file (its initializers, as the float32 or int32 rnnc holds
 * them), in the artifact (weights.bin: packed weights and the constants a kernel reads unpacked) and
 * in a session's wasm memory when it is loaded (the static area: weights, state, tables, in pages).
 */
import { decodeModel } from '../compiler/onnx/graph.js';
import type { GraphProto } from '../compiler/onnx/proto.js';
import { PAGE_BYTES } from '../contract/abi.js';
import type { Artifact } from '../contract/manifest.js';

export interface WeightSizes {
  /** Bytes of every initializer and Constant tensor of the model, subgraphs included, at 4 bytes an element. */
  readonly initializers: number;
  /** Bytes of the artifact's weights file. */
  readonly artifact: number;
  /** Bytes of wasm memory a session of the artifact holds before its first call. */
  readonly memoryAtLoad: number;
}

/** Bytes of a model's initializers and Constant tensors, subgraphs included, at 4 bytes an element. */
export function initializerBytes(onnx: Uint8Array, source = 'model'): number {
  const { graph } = decodeModel(onnx, source);
  const elements = (dims: readonly unknown[] | null | undefined) => (dims ?? []).reduce((p: number, d) => p * Number(d), 1);
  const walk = (g: GraphProto): number => {
    let n = 0;
    for (const t of g.initializer ?? []) n += elements(t.dims);
    for (const node of g.node ?? []) {
      for (const a of node.attribute ?? []) {
        if (a.t) n += elements(a.t.dims);
        if (a.g) n += walk(a.g);
        for (const s of a.graphs ?? []) n += walk(s);
      }
    }
    return n;
  };
  return 4 * walk(graph);
}

export function weightSizes(onnx: Uint8Array, artifact: Artifact): WeightSizes {
  return {
    initializers: initializerBytes(onnx, artifact.manifest.model),
    artifact: artifact.image.byteLength,
    memoryAtLoad: Math.ceil(artifact.manifest.staticEnd / PAGE_BYTES) * PAGE_BYTES,
  };
}

/** One line for the bench log: `weights: onnx 922.1 KB, weights.bin 946.3 KB (1.03x), memory at load 983.0 KB`. */
export function sizesLine(s: WeightSizes): string {
  const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
  const ratio = s.initializers > 0 ? ` (${(s.artifact / s.initializers).toFixed(2)}x)` : '';
  return `weights: onnx ${kb(s.initializers)}, weights.bin ${kb(s.artifact)}${ratio}, memory at load ${kb(s.memoryAtLoad)}`;
}
