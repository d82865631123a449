/** The kernels around the RNN in a whole model: pure emitters, one wasm function each. */
export { emitGather, emitRowMove, type GatherSpec } from './gather.js';
export {
  emitMatmul, MATMUL_DEFAULT_TILE, packMatmulWeights, packMatmulBias, packedMatmulFloats, packedBiasFloats, type MatmulSpec,
} from './matmul.js';
export {
  emitBinary, emitUnary, type BinaryKind, type BinarySpec, type BroadcastPattern, type UnaryKind, type UnarySpec,
} from './elementwise.js';
export { emitSoftmax, type SoftmaxSpec } from './softmax.js';
export {
  emitTranspose, emitCopyRows, emitMoveBytes, transposeGroups, type TransposeSpec, type CopyRowsSpec,
} from './copy.js';
export { concatPlan, slicePlan, resolveDims, type CopyRowsCall, type DimEnv } from './copy_plan.js';
export { elementLoop, type GroupBody } from './loops.js';
