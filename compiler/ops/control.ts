/**
 * If. A condition that folds at compile time (TorchScript exports test shapes and sizes) inlines the
 * branch it picks: the branch's nodes are inferred and lowered as if they stood in the graph before
 * the If, whose outputs become views of the branch's. The branch not taken is never read, so an op
 * rnnc does not compile there costs nothing.
 */
import { modelError, unsupported } from '../frontend/ctx.js';
import type { SubGraph } from '../frontend/load.js';
import { fmtDims } from '../frontend/builder.js';
import { foldedCondition } from './logic.js';
import type { NodeRules, OpModule } from './types.js';

interface IfDetail {
  /** The branch the folded condition picked. */
  readonly taken: SubGraph;
}

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
    if (cond === null) {
      unsupported('its condition is computed at run time; rnnc compiles an If whose condition folds at compile time (shape tests)');
    }
    const taken = cond ? then : other;
    c.detail({ taken });
    return c.inline(taken);
  },
  // The axes of an output are those of the matching output of either branch.
  trace: (t) => {
    const k = t.node.outputs.indexOf(t.output);
    for (const b of branches(t)) if (b && k >= 0 && b.outputs[k]) t.follow(b.outputs[k], t.trail);
  },
  lower: (l) => {
    const taken = l.detail!.taken;
    l.node.outputs.forEach((out, k) => {
      if (!out || !l.needed(out) || l.val(out).kind !== 'run') return;
      const ref = l.b.view(out, l.b.ref(taken.outputs[k]), l.val(out));
      l.b.lines.push(`   view '${l.node.name}' (If, ${taken.label.split(' ')[0]} taken): ${l.b.describe(l.b.ref(taken.outputs[k]))} as ${fmtDims(ref.dims)}`);
    });
  },
};

export const controlOp: OpModule = {
  summary: 'If (a condition that folds at compile time)',
  nodes: { If },
};
