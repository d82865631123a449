/** SIMD pieces the cells' updates share: a gate's clip and activation on a group of four units. */
import type { Local } from '../emit/ir.js';
import { emitActivation } from '../emit/activations.js';
import type { Straight } from '../emit/vec.js';
import type { Activation } from './activations.js';
import type { CellDescriptor } from './types.js';

/** clip(x), when the node has a clip. */
function clip(v: Straight, d: CellDescriptor, x: Local): Local {
  if (d.clip === null) return x;
  const b = v.b;
  return v.let(b.vpmin(b.vpmax(v.get(x), b.vconst(-d.clip)), b.vconst(d.clip)));
}

/** For a cell's last activation, which no later one's constants can crowd. */
export const noFence = (): void => {};

/** activation(clip(x)): a gate's value from its pre-activation, then `fence` (UpdateContext.fence) on it. */
export function gate(v: Straight, d: CellDescriptor, a: Activation, x: Local, fence: (value: Local) => void): Local {
  const y = emitActivation(v, a, clip(v, d, x));
  fence(y);
  return y;
}
