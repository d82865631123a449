/**
 * Non-RNN steps of a kernel stream: for each, the static data its kernel needs and how to emit the
 * kernel and its call inside `run`.
 */
import type { Step } from '../graph/stream.js';
import type { Expr } from '../ir.js';
import type { StaticRequest } from './memory.js';
import { addr, count, type CallContext } from './module.js';
import { UnsupportedError } from '../../runtime/errors.js';

export interface OpKernel {
  /** Static data (packed weights) to reserve in the image, in order. */
  readonly requests: readonly StaticRequest[];
  /** Emits the kernel function `name` and returns the call for `run`. */
  emit(c: CallContext, name: string, statics: readonly number[]): Expr;
}

export function opKernel(step: Step): OpKernel {
  switch (step.op) {
    case 'copy':
      return {
        requests: [],
        emit: (c) => c.b.copy(addr(c, step.out), addr(c, step.x), c.b.muli(count(c, step.out.dims), 4)),
      };
    default:
      throw new UnsupportedError(`node '${step.node}': no kernel for ${step.op} yet`);
  }
}
