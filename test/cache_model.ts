/** The small model and feeds the artifact cache's tests compile, in-process and in cache_child.ts. */
import { describeCell } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { Tensor } from '../runtime/tensor.js';

const d = describeCell({ cell: 'lstm', inputSize: 4, hiddenSize: 8 });

export function cacheModel(): Uint8Array {
  return cellModel(d);
}

export function cacheFeeds(): Record<string, Tensor> {
  return { X: new Tensor('float32', new Float32Array(3 * 4).map((_, i) => Math.sin(i)), [3, 1, 4]) };
}
