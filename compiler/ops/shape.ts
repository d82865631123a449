/**
 * The ops of shape subgraphs, folded at compile time: Constant, Shape (symbolic: it may read `seq`
 * or `batch`), ConstantOfShape (a broadcast fill over possibly symbolic dims) and Range.
 */
import { constantNodeValue, decodeConst } from '../frontend/value.js';
import { constNumbers, constSyms, modelError } from '../frontend/ctx.js';
import { checkFolded } from '../frontend/fold.js';
import type { NodeRules, OpModule } from './types.js';

const Constant: NodeRules = { infer: (c) => [constantNodeValue(c.node.proto, c.node.label)] };

const Shape: NodeRules = {
  infer: (c) => {
    const dims = c.input(0).dims;
    const r = dims.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const picked = dims.slice(clamp(c.node.attrs.int('start', 0)), clamp(c.node.attrs.int('end', r)));
    return [{ kind: 'const', dtype: 'int', dims: [picked.length], data: picked }];
  },
};

const ConstantOfShape: NodeRules = {
  infer: (c) => {
    const dims = constSyms(c, 0, 'the shape');
    const t = c.node.attrs.tensor('value');
    const v = t ? decodeConst(t, `${c.node.label} value`) : null;
    if (v && v.data.length !== 1) modelError(c, `attribute 'value' must hold one element, got ${v.data.length}`);
    return [{ kind: 'fill', dtype: v?.dtype ?? 'float', dims, value: v ? (v.data[0] as number) : 0 }];
  },
};

const Range: NodeRules = {
  infer: (c) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => {
      const v = c.input(i);
      if (v.dims.length !== 0 && !(v.dims.length === 1 && v.dims[0] === 1)) modelError(c, `input ${i} must be a scalar`);
      return constNumbers(c, i, ['start', 'limit', 'delta'][i])[0];
    });
    if (delta === 0) modelError(c, 'delta is 0');
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    checkFolded(n, [n]);
    const data = Array.from({ length: n }, (_, i) => start + i * delta);
    return [c.input(0).dtype === 'float'
      ? { kind: 'const', dtype: 'float', dims: [n], data: Float32Array.from(data) }
      : { kind: 'const', dtype: 'int', dims: [n], data }];
  },
};

export const shape: OpModule = {
  summary: 'Shape, Constant, ConstantOfShape, Range',
  foldedOnly: true,
  nodes: { Constant, Shape, ConstantOfShape, Range },
};
