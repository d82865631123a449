/** Concat: folded on constants; at run time one strided row copy per input. */
import { materialize, modelError, normAxis, plainDims, unsupported } from '../frontend/ctx.js';
import { concatConst } from '../frontend/fold.js';
import type { BufRef, Operand, Step } from '../frontend/program.js';
import { type SymInt, add, formatDims, formatSym, symEq } from '../frontend/symbolic.js';
import type { ConstVal } from '../frontend/value.js';
import type { Expr } from '../emit/ir.js';
import { emitCopyRows } from '../emit/copy.js';
import type { CallContext, NodeRules, OpModule, StepKernel } from './types.js';

export interface ConcatStep extends Step {
  readonly op: 'concat';
  readonly axis: number;
  readonly inputs: readonly Operand[];
  readonly out: BufRef;
}

const Concat: NodeRules<{ readonly axis: number }> = {
  infer: (c) => {
    const axisAttr = c.node.attrs.int('axis') ?? modelError(c, "attribute 'axis' is missing");
    const ins = c.node.inputs.map((_, i) => c.input(i));
    const r = ins[0].dims.length;
    const axis = normAxis(c, axisAttr, r);
    ins.forEach((v) => {
      if (v.dims.length !== r || v.dims.some((d, i) => i !== axis && !symEq(d, ins[0].dims[i])) || v.dtype !== ins[0].dtype) {
        modelError(c, `inputs ${ins.map((u) => `${u.dtype}${formatDims(u.dims)}`).join(', ')} do not concatenate along axis ${axis}`);
      }
    });
    const vals = ins.map((v) => materialize(v, 'an input broadcast over run-time dims'));
    if (vals.every((v) => v.kind === 'const')) return [concatConst(vals as ConstVal[], axis)];
    vals.forEach((v) => plainDims(v, 'an input'));
    const size = vals.reduce<SymInt | null>((s, v) => (s === null ? null : add(s, v.dims[axis])), 0)
      ?? unsupported(`concatenating sizes ${vals.map((v) => formatSym(v.dims[axis])).join(' + ')} along axis ${axis}`);
    c.detail({ axis });
    return [{ kind: 'run', dtype: ins[0].dtype, dims: ins[0].dims.map((d, i) => (i === axis ? size : d)) }];
  },
  trace: (t) => {
    const live = t.node.inputs.filter((i) => i && !t.isConstant(i));
    for (const i of live) t.follow(i, t.trail);
  },
  lower: (l) => {
    const ins = l.node.inputs.map((i) => l.b.operand(i, l.val(i), false));
    const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
    const { axis } = l.detail!;
    l.b.step({ op: 'concat', node: l.node.name, axis, inputs: ins, out } satisfies ConcatStep,
      `concat '${l.node.name}' axis ${axis}: ${ins.map((o) => l.b.describe(o)).join(', ')} -> ${l.b.describe(out)}`);
  },
};

/** Concat along `axis` as one strided row copy per input (fresh expressions per call: binaryen trees share no node). */
function concatCalls(c: CallContext, step: ConcatStep): Expr[] {
  const out = step.out.dims;
  const axis = step.axis < 0 ? step.axis + out.length : step.axis;
  const innerOf = (o: Operand) => c.count(o.dims.slice(axis));
  return step.inputs.map((inp, i) => {
    const offset = step.inputs.slice(0, i).reduce((e: Expr, prev) => c.b.add(e, innerOf(prev)), c.b.i32(0));
    return c.b.call(c.name, [
      c.addr(inp), c.b.add(c.addr(step.out), c.b.muli(offset, 4)), c.count(out.slice(0, axis)),
      c.b.muli(innerOf(inp), 4), c.b.muli(innerOf(inp), 4), c.b.muli(c.count(out.slice(axis)), 4),
    ]);
  });
}

const concat: StepKernel<ConcatStep> = {
  emit: (c, step) => {
    emitCopyRows(c.b, c.name);
    return c.b.seq(concatCalls(c, step));
  },
  interpret: (step, io) => {
    const parts = step.inputs.map((o) => ({ v: io.read(o), ds: o.dims.map(io.dim) }));
    const outer = parts[0].ds.slice(0, step.axis).reduce((p, d) => p * d, 1);
    const out: number[] = [];
    for (let i = 0; i < outer; i++) {
      for (const p of parts) {
        const block = p.v.length / outer;
        out.push(...p.v.subarray(i * block, (i + 1) * block));
      }
    }
    io.write(step.out, out);
  },
  moves: (step) => ({ out: step.out, from: step.inputs }),
};

export const concatOp: OpModule = {
  summary: 'Concat',
  nodes: { Concat },
  steps: { concat },
};
