/**
 * Which node after a kernel's output the kernel may absorb as its epilogue (emit/epilogue.ts): the
 * one reader of the value, not a graph output, an elementwise activation read from its attributes.
 * An op is absorbed only while the registry reads it too, so that the same model without the fusion
 * (the value read twice, or a graph output) still compiles: ops added to the registry later (LeakyRelu,
 * Clip) are fused as soon as they exist.
 */
import { activation, applyActivation } from '../cells/activations.js';
import type { GraphNode } from '../frontend/load.js';
import type { Epilogue } from '../emit/epilogue.js';
import type { LowerCtx } from './types.js';

/** Clip's default bounds before opset 11 (attributes): the float range. */
const FLOAT_MAX = 3.4028234663852886e38;

/** A constant scalar input of `n` (Clip's min and max), null when absent, undefined when computed at run time. */
function scalarInput(l: LowerCtx, n: GraphNode, i: number): number | null | undefined {
  const name = n.inputs[i];
  if (!name) return null;
  const v = l.val(name);
  if (v.kind === 'fill') return v.value;
  if (v.kind === 'const' && v.dtype === 'float' && v.data.length === 1) return v.data[0];
  return undefined;
}

/** Clip's bounds: attributes before opset 11, optional constant inputs from it on; null when one is fed at run time. */
function clip(l: LowerCtx, n: GraphNode): Epilogue | null {
  if (n.attrs.has('min') || n.attrs.has('max')) {
    return { kind: 'clip', min: n.attrs.float('min', -FLOAT_MAX), max: n.attrs.float('max', FLOAT_MAX) };
  }
  const [min, max] = [scalarInput(l, n, 1), scalarInput(l, n, 2)];
  if (min === undefined || max === undefined) return null;
  return { kind: 'clip', min: min ?? -Infinity, max: max ?? Infinity };
}

/** The epilogue each absorbable ONNX op stands for (null: this node cannot be absorbed). */
const ABSORBABLE: Readonly<Record<string, (l: LowerCtx, n: GraphNode) => Epilogue | null>> = {
  Relu: () => ({ kind: 'activation', activation: activation('Relu') }),
  Sigmoid: () => ({ kind: 'activation', activation: activation('Sigmoid') }),
  Tanh: () => ({ kind: 'activation', activation: activation('Tanh') }),
  LeakyRelu: (_l, n) => ({ kind: 'activation', activation: activation('LeakyRelu', n.attrs.float('alpha', 0.01)) }),
  Clip: clip,
};

/** The node that alone reads `value` (not a graph output), when it is of one of `ops`. */
export function soleReader(l: LowerCtx, value: string, ops: readonly string[]): GraphNode | null {
  const next = l.consumers(value);
  if (next.length !== 1 || l.isGraphOutput(value)) return null;
  const n = next[0];
  return ops.includes(n.op) && n.inputs[0] === value && !n.inputs.slice(1).includes(value) ? n : null;
}

/** The activation after `value` a kernel can apply in registers, and its node (for `l.fuse`). */
export function absorbableEpilogue(l: LowerCtx, value: string): { readonly node: GraphNode; readonly epilogue: Epilogue } | null {
  const n = soleReader(l, value, Object.keys(ABSORBABLE));
  if (!n || !l.rulesOf(n)) return null;
  const epilogue = ABSORBABLE[n.op](l, n);
  return epilogue ? { node: n, epilogue } : null;
}

/** The epilogue in float64 (constant folding, the test interpreter). */
export function applyEpilogue(e: Epilogue | null, x: number): number {
  if (!e) return x;
  if (e.kind === 'activation') return applyActivation(e.activation, x);
  return Math.min(Math.max(x, e.min), e.max);
}

/** `Relu 'name'`, `Clip 'name' [0, 6]` for the program summary. */
export function describeEpilogue(n: GraphNode, e: Epilogue): string {
  return e.kind === 'clip' ? `Clip '${n.name}' [${e.min}, ${e.max}]` : `${n.op} '${n.name}'`;
}
