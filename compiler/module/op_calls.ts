/**
 * Non-RNN steps of a program: for each, the static data its kernel needs (packed weights) and
 * how to emit the kernel and its call inside `run`, with sizes as expressions of seq and batch.
 */
import type { BinaryStep, ConcatStep, Dim, Operand, SliceStep, Step } from '../frontend/program.js';
import type { Expr } from '../emit/ir.js';
import type { StaticRequest } from '../plan/memory.js';
import { addr, count, type CallContext } from './module.js';
import {
  emitBinary, emitCopyRows, emitGather, emitMatmul, emitSoftmax, emitTranspose, emitUnary, MATMUL_DEFAULT_TILE,
  packMatmulBias, packMatmulWeights, packedBiasFloats, packedMatmulFloats, type BroadcastPattern,
} from '../emit/index.js';
import { UnsupportedError } from '../../contract/errors.js';

export interface OpKernel {
  /** Static data (packed weights) to reserve in the image, in order. */
  readonly requests: readonly StaticRequest[];
  /** Emits the kernel function `name` and returns the call for `run`. */
  emit(c: CallContext, name: string, statics: readonly number[]): Expr;
}

const dimsOf = (o: Operand): readonly Dim[] => o.dims;
const stripOnes = (d: readonly Dim[]) => d.slice(d.findIndex((x) => x !== 1) === -1 ? d.length : d.findIndex((x) => x !== 1));
const same = (a: readonly Dim[], b: readonly Dim[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const isSuffix = (s: readonly Dim[], of: readonly Dim[]) => s.length <= of.length && same(s, of.slice(of.length - s.length));

/** How a binary op's operands broadcast to its output, and the output split [outer, inner]. */
function broadcast(step: BinaryStep): { pattern: BroadcastPattern; inner: readonly Dim[]; outer: readonly Dim[] } {
  const out = step.out.dims, a = stripOnes(dimsOf(step.a)), b = stripOnes(dimsOf(step.b));
  const o = stripOnes(out);
  const split = (inner: readonly Dim[]) => ({ inner, outer: out.slice(0, out.length - inner.length) });
  if (same(a, o) && same(b, o)) return { pattern: 'same', ...split(out) };
  if (same(a, o) && b.length === 0) return { pattern: 'bScalar', ...split(out) };
  if (same(b, o) && a.length === 0) return { pattern: 'aScalar', ...split(out) };
  if (same(a, o) && isSuffix(b, o)) return { pattern: 'bRow', ...split(b) };
  if (same(b, o) && isSuffix(a, o)) return { pattern: 'aRow', ...split(a) };
  throw new UnsupportedError(`${step.kind} node '${step.node}': broadcasting [${dimsOf(step.a).join(', ')}] with [${dimsOf(step.b).join(', ')}] is not supported; supported: equal shapes, a scalar, or one operand matching the other's trailing dims`);
}

/** Concat along `axis` as one strided row copy per input (fresh expressions per call: binaryen trees share no node). */
function concatCalls(c: CallContext, step: ConcatStep, copy: string): Expr[] {
  const out = step.out.dims;
  const axis = step.axis < 0 ? step.axis + out.length : step.axis;
  const innerOf = (o: Operand) => count(c, dimsOf(o).slice(axis));
  return step.inputs.map((inp, i) => {
    const offset = step.inputs.slice(0, i).reduce((e: Expr, prev) => c.b.add(e, innerOf(prev)), c.b.i32(0));
    return c.b.call(copy, [
      addr(c, inp), c.b.add(addr(c, step.out), c.b.muli(offset, 4)), count(c, out.slice(0, axis)),
      c.b.muli(innerOf(inp), 4), c.b.muli(innerOf(inp), 4), c.b.muli(count(c, out.slice(axis)), 4),
    ]);
  });
}

/** Slice of one axis (step 1) as one strided row copy. */
function sliceCall(c: CallContext, step: SliceStep, copy: string): Expr {
  const x = step.x.dims;
  const sliced = step.ranges.map((r, i) => ({ r, i })).filter(({ r, i }) => !(r[0] === 0 && r[1] === x[i] && r[2] === 1));
  // Lowering admits one sliced axis with step 1 (compiler/graph/shape_ops.ts).
  if (sliced.length === 0) return c.b.copy(addr(c, step.out), addr(c, step.x), c.b.muli(count(c, x), 4));
  const { r: [start, end], i: axis } = sliced[0];
  const len = () => (typeof end === 'number' ? c.b.i32(end - start) : c.b.sub(count(c, [end]), c.b.i32(start)));
  const inner = () => count(c, x.slice(axis + 1));
  const src = c.b.add(addr(c, step.x), c.b.muli(c.b.mul(c.b.i32(start), inner()), 4));
  return c.b.call(copy, [src, addr(c, step.out), count(c, x.slice(0, axis)), c.b.muli(c.b.mul(len(), inner()), 4),
    c.b.muli(count(c, x.slice(axis)), 4), c.b.muli(c.b.mul(len(), inner()), 4)]);
}

export function opKernel(step: Step): OpKernel {
  const none: StaticRequest[] = [];
  switch (step.op) {
    case 'copy':
      return { requests: none, emit: (c) => c.b.copy(addr(c, step.out), addr(c, step.x), c.b.muli(count(c, step.out.dims), 4)) };
    case 'gather': {
      const [V, E] = step.table.dims;
      return {
        requests: none,
        emit: (c, name) => {
          emitGather(c.b, name, { rows: V, width: E });
          return c.b.call(name, [addr(c, step.table), addr(c, step.indices), addr(c, step.out), count(c, step.indices.dims)]);
        },
      };
    }
    case 'gemm': {
      const [K, N] = step.w.dims;
      const { MR, NR, kUnroll } = MATMUL_DEFAULT_TILE;
      return {
        requests: [
          { floats: packedMatmulFloats(K, N, NR), fill: (into, data) => into.set(packMatmulWeights(data(step.w) as Float32Array, K, N, NR)) },
          ...(step.bias ? [{ floats: packedBiasFloats(N, NR), fill: (into: Float32Array, data: (o: Operand) => Float32Array | Int32Array) => into.set(packMatmulBias(data(step.bias!) as Float32Array, N, NR)) }] : []),
        ],
        emit: (c, name, statics) => {
          emitMatmul(c.b, name, { K, N, panelsOffset: statics[0], biasOffset: step.bias ? statics[1] : null, MR, NR, kUnroll });
          return c.b.call(name, [addr(c, step.a), addr(c, step.out), count(c, step.a.dims.slice(0, -1))]);
        },
      };
    }
    case 'binary':
      return {
        requests: none,
        emit: (c, name) => {
          const { pattern, inner, outer } = broadcast(step);
          emitBinary(c.b, name, { kind: step.kind, pattern });
          return c.b.call(name, [addr(c, step.a), addr(c, step.b), addr(c, step.out), count(c, outer), count(c, inner)]);
        },
      };
    case 'unary':
      return {
        requests: none,
        emit: (c, name) => {
          emitUnary(c.b, name, { kind: step.kind });
          return c.b.call(name, [addr(c, step.x), addr(c, step.out), count(c, step.x.dims)]);
        },
      };
    case 'softmax': {
      const N = step.x.dims[step.x.dims.length - 1];
      if (typeof N !== 'number') throw new UnsupportedError(`Softmax node '${step.node}': the last axis must have a fixed size, not ${N}`);
      return {
        requests: none,
        emit: (c, name) => {
          emitSoftmax(c.b, name, { N, log: step.log });
          return c.b.call(name, [addr(c, step.x), addr(c, step.out), count(c, step.x.dims.slice(0, -1))]);
        },
      };
    }
    case 'transpose': {
      if (step.perm.length > 4) throw new UnsupportedError(`Transpose node '${step.node}': rank ${step.perm.length} is not supported (at most 4)`);
      return {
        requests: none,
        emit: (c, name) => {
          emitTranspose(c.b, name, { perm: step.perm });
          const d = [...Array(4 - step.x.dims.length).fill(1), ...step.x.dims] as Dim[];
          return c.b.call(name, [addr(c, step.x), addr(c, step.out), ...d.map((x) => count(c, [x]))]);
        },
      };
    }
    case 'concat':
      return {
        requests: none,
        emit: (c, name) => {
          emitCopyRows(c.b, name);
          return c.b.seq(concatCalls(c, step, name));
        },
      };
    case 'slice':
      return {
        requests: none,
        emit: (c, name) => {
          emitCopyRows(c.b, name);
          return sliceCall(c, step, name);
        },
      };
    case 'rnn':
      throw new Error('internal error: RNN steps are emitted by emitRnnNode');
  }
}

