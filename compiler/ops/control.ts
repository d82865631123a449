/**
 * If. A condition that folds at compile time (TorchScript exports test shapes and sizes) inlines the
 * branch it picks: the branch's nodes are inferred and lowered as if they stood in the graph before
 * the If, whose outputs become views of the branch's. The branch not taken is never read, so an op
 * rnnc does not compile there costs nothing.
 *
 * A condition computed at run time (Silero VAD's `sr == 16000`) compiles both branches into the one
 * module: each branch's steps are guarded by the condition, and each ends by copying its outputs
 * into the If's. Both branches must compute outputs of one type and size.
 */
import { ModelError } from '../../contract/errors.js';
import { modelError, unsupported } from '../frontend/ctx.js';
import { type SubGraph, inputsFeeding } from '../frontend/load.js';
import { fmtDims } from '../frontend/builder.js';
import { formatDims, isNum, symEq } from '../frontend/symbolic.js';
import { copyStep } from './copy.js';
import { foldedCondition } from './logic.js';
import type { NodeRules, OpModule } from './types.js';

type IfDetail =
  /** The branch the folded condition picked. */
  | { readonly kind: 'folded'; readonly taken: SubGraph }
  /** Both branches, chosen at run time. */
  | { readonly kind: 'run'; readonly then: SubGraph; readonly other: SubGraph };

function branches(c: { node: { subgraphs: Readonly<Record<string, SubGraph>> } }): [SubGraph | undefined, SubGraph | undefined] {
  return [c.node.subgraphs.then_branch, c.node.subgraphs.else_branch];
}

const If: NodeRules<IfDetail> = {
  infer: (c) => {
    const [then, other] = branches(c);
    if (!then || !other) modelError(c, 'needs both attributes then_branch and else_branch');
    for (const b of [then, other]) {
      if (b.outputs.length !== c.node.outputs.length) {
        modelError(c, `${b.label} has ${b.outputs.length} output(s), the node ${c.node.outputs.length}`);
      }
    }
    const cond = foldedCondition(c, c.input(0));
    if (cond !== null) {
      const taken = cond ? then : other;
      c.detail({ kind: 'folded', taken });
      return c.inline(taken);
    }
    const v = c.input(0);
    if (v.dtype !== 'int' || !v.dims.every((d) => d === 1)) {
      modelError(c, `the condition must be a bool scalar, got ${v.dtype}${formatDims(v.dims)}`);
    }
    const name = c.node.inputs[0];
    const [a, b] = [[then, true], [other, false]].map(([sub, is]) => {
      try {
        return c.branch(sub as SubGraph, name, is as boolean);
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        // The branch the input never picks may not fit these sizes (Silero's 8 kHz branch at 576 samples).
        const from = inputsFeeding(c.graph, [name]).map((i) => `--bind ${i.name}=VALUE`).join(' ');
        throw new ModelError(`${c.node.label}: the condition is computed at run time, so both branches are compiled, and ` +
          `${(sub as SubGraph).label.split(' ')[0]} cannot be for these input sizes: ${e.message}. ` +
          `Bind the input the condition comes from (${from || 'its input'}; the session option bind) to compile only the branch it picks`);
      }
    });
    c.detail({ kind: 'run', then, other });
    return a.map((x, k) => {
      const y = b[k];
      if (x.dtype !== y.dtype || x.dims.length !== y.dims.length || x.dims.some((d, i) => !symEq(d, y.dims[i]))) {
        unsupported(`its branches compute output ${k} as ${x.dtype}${formatDims(x.dims)} and ${y.dtype}${formatDims(y.dims)}; ` +
          'rnnc chooses a branch at run time only between outputs of one type and size (bind the condition\'s input to compile one branch)');
      }
      if (x.kind !== 'run' && !x.dims.every(isNum)) unsupported(`output ${k} is a constant of run-time size ${formatDims(x.dims)} in then_branch`);
      return { kind: 'run', dtype: x.dtype, dims: x.dims };
    });
  },
  // The axes of an output are those of the matching output of either branch.
  trace: (t) => {
    const k = t.node.outputs.indexOf(t.output);
    for (const b of branches(t)) if (b && k >= 0 && b.outputs[k]) t.follow(b.outputs[k], t.trail);
  },
  lower: (l) => {
    const d = l.detail!;
    if (d.kind === 'folded') {
      l.node.outputs.forEach((out, k) => {
        if (!out || !l.needed(out) || l.val(out).kind !== 'run') return;
        const ref = l.b.view(out, l.b.ref(d.taken.outputs[k]), l.val(out));
        l.b.lines.push(`   view '${l.node.name}' (If, ${d.taken.label.split(' ')[0]} taken): ${l.b.describe(l.b.ref(d.taken.outputs[k]))} as ${fmtDims(ref.dims)}`);
      });
      return;
    }
    const cond = l.b.ref(l.node.inputs[0]).buffer;
    l.node.outputs.forEach((out, k) => {
      if (!out || !l.needed(out)) return;
      const ref = l.b.buffer(out, l.val(out));
      [d.then, d.other].forEach((branch, i) => {
        const from = branch.outputs[k];
        const x = l.b.operand(from, l.val(from), false);
        l.b.step(copyStep(l.node.name, x, ref), `copy '${l.node.name}' ${branch.label.split(' ')[0]} output ${k}: ${l.b.describe(x)} -> ${l.b.describe(ref)}`,
          [{ buffer: cond, is: i === 0 }]);
      });
    });
  },
};

export const controlOp: OpModule = {
  summary: 'If',
  nodes: { If },
};
