/**
 * The op registry: every op module, in the order the "what rnnc compiles" list names them. Adding
 * an op is one module file (and its test) plus its line here; every pass finds it through the
 * lookups below.
 */
import { InternalError } from '../../contract/errors.js';
import { abs } from './abs.js';
import { arithmetic } from './arithmetic.js';
import { batchNormOp } from './batchnorm.js';
import { concatOp } from './concat.js';
import { controlOp } from './control.js';
import { convOp } from './conv.js';
import { copyOp } from './copy.js';
import { gatherOp } from './gather.js';
import { logicOp } from './logic.js';
import { mathOp } from './math.js';
import { matmul } from './matmul.js';
import { padOp } from './pad.js';
import { poolOp } from './pool.js';
import { reduceOp } from './reduce.js';
import { relu } from './relu.js';
import { rnnOp } from './rnn.js';
import { shape } from './shape.js';
import { sigmoid } from './sigmoid.js';
import { sliceOp } from './slice.js';
import { softmaxOp } from './softmax.js';
import { tanh } from './tanh.js';
import { transposeOp } from './transpose.js';
import type { NodeRules, OpModule, StepKernel } from './types.js';
import { views } from './views.js';

/** Every op module. */
export const OPS: readonly OpModule[] = [
  rnnOp, gatherOp, matmul, arithmetic, relu, tanh, sigmoid, abs, mathOp, padOp, poolOp, reduceOp, softmaxOp, transposeOp, concatOp, sliceOp, views, controlOp, shape, logicOp, copyOp,
  convOp, batchNormOp,
];

const NODES = new Map<string, NodeRules<unknown>>();
const STEPS = new Map<string, StepKernel>();
for (const m of OPS) {
  for (const [op, rules] of Object.entries(m.nodes ?? {})) {
    if (NODES.has(op)) throw new InternalError(`two op modules read ONNX op ${op}`);
    NODES.set(op, rules);
  }
  for (const [kind, kernel] of Object.entries(m.steps ?? {})) {
    if (STEPS.has(kind)) throw new InternalError(`two op modules define step kind '${kind}'`);
    STEPS.set(kind, kernel);
  }
}

/** The rules of an ONNX op type (default domain), or undefined when rnnc does not read it. */
export function nodeRules(op: string): NodeRules<unknown> | undefined {
  return NODES.get(op);
}

/** The kernel of a step kind a lowering produced. */
export function stepKernel(kind: string): StepKernel {
  const k = STEPS.get(kind);
  if (!k) throw new InternalError(`no op module defines step kind '${kind}'`);
  return k;
}

/** The ONNX ops of the elementwise functions of one input (Relu, Tanh, ..., Pow, Clip), for hints. */
export function unaryOps(): string[] {
  return OPS.flatMap((m) => ('unary' in m || m === mathOp ? Object.keys(m.nodes ?? {}) : []));
}

/** The list printed under an UnsupportedError: what rnnc compiles, then what it folds. */
export function supportedSummary(): string {
  const compiled = OPS.filter((m) => m.summary && !m.foldedOnly).map((m) => m.summary);
  const folded = OPS.filter((m) => m.foldedOnly).map((m) => m.summary);
  return `rnnc compiles ${compiled.join(', ')}; shape subgraphs (${folded.join(', ')}, and any op above on constants) are folded at compile time.`;
}
