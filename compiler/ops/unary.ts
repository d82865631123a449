/**
 * The shape of an elementwise op of one input (Relu, Tanh, Sigmoid, Abs, ...): each is one small
 * module made by `unaryOp` from its float64 function and its SIMD one. On constants the op folds
 * with the float64 function, at run time it is a map over the buffer; the interpreter and the tests
 * take the float64 function as the reference of the SIMD one.
 */
import { unsupported } from '../frontend/ctx.js';
import { mapFloat } from '../frontend/fold.js';
import type { BufRef, Step } from '../frontend/program.js';
import { emitMap } from '../emit/elementwise.js';
import { callMap, splitItems } from './split.js';
import type { Local } from '../emit/ir.js';
import type { Straight } from '../emit/vec.js';
import type { OpModule } from './types.js';
import { traceThrough } from './views.js';

/** One unary op. */
export interface UnarySpec {
  /** The ONNX op type, e.g. 'Abs'. */
  readonly onnx: string;
  /** Its step kind, e.g. 'abs'. */
  readonly kind: string;
  /** The function in float64: constant folding, the interpreter, the tests' reference. */
  readonly f64: (x: number) => number;
  /** The function on four lanes. */
  readonly simd: (v: Straight, x: Local) => Local;
  /** Vectors per iteration of the map (long dependency chains take fewer). */
  readonly unroll: number;
  /** Largest abs error the SIMD function may show against f64 on inputs in [-6, 6] (tests). */
  readonly tolerance: number;
}

/** out = f(x), elementwise. */
export interface UnaryStep extends Step {
  readonly x: BufRef;
  readonly out: BufRef;
}

/** The op module of a unary op; `unary` keeps its spec for the tests that sweep it. */
export function unaryOp(u: UnarySpec): OpModule & { readonly unary: UnarySpec } {
  return {
    summary: u.onnx,
    unary: u,
    nodes: {
      [u.onnx]: {
        infer: (c) => {
          const x = c.input(0);
          if (x.dtype !== 'float') unsupported('an integer input; rnnc applies activations to float tensors');
          if (x.kind === 'const') return [mapFloat(x, u.f64)];
          if (x.kind === 'fill') return [{ ...x, value: u.f64(x.value) }];
          return [x];
        },
        trace: traceThrough,
        lower: (l) => {
          const x = l.b.ref(l.node.inputs[0]);
          const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
          l.b.step({ op: u.kind, node: l.node.name, x, out } satisfies UnaryStep,
            `${u.kind} '${l.node.name}': ${l.b.describe(x)} -> ${l.b.describe(out)}`);
        },
      },
    },
    steps: {
      [u.kind]: {
        emit: (c, step: UnaryStep) => {
          emitMap(c.b, c.name, { f: u.simd, unroll: u.unroll });
          return callMap(c, c.addr(step.x), c.addr(step.out), step.x.dims);
        },
        items: (step: UnaryStep) => splitItems(step.x.dims),
        interpret: (step: UnaryStep, io) => io.write(step.out, Array.from(io.read(step.x), u.f64)),
      },
    },
  };
}
