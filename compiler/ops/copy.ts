/** A plain copy: a graph output that is a graph input, another output or a constant gets a buffer of its own. */
import type { BufRef, Operand, Step } from '../frontend/program.js';
import type { OpModule, StepKernel } from './types.js';

export interface CopyStep extends Step {
  readonly op: 'copy';
  readonly x: Operand;
  readonly out: BufRef;
}

/** A copy step into `out` (the lowering's copies of graph outputs that alias another buffer or a constant). */
export function copyStep(node: string, x: Operand, out: BufRef): CopyStep {
  return { op: 'copy', node, x, out };
}

const copy: StepKernel<CopyStep> = {
  emit: (c, step) => c.b.copy(c.addr(step.out), c.addr(step.x), c.b.muli(c.count(step.out.dims), 4)),
  interpret: (step, io) => io.write(step.out, io.read(step.x)),
  moves: (step) => ({ out: step.out, from: [step.x] }),
};

export const copyOp: OpModule = { summary: '', steps: { copy } };
