/** The platform-independent runtime: what a browser bundle or a worker needs, nothing more. */
export { Tensor, type TypedTensor, type TensorType, type TensorData, type TensorDataMap } from './tensor.js';
export { RnncError, ModelError, UnsupportedError, InputError, EngineError, InternalError } from '../contract/errors.js';
export { ArtifactSession, StepStream, type FeedsType, type FetchesType, type ReturnType, type RunOptions, type ValueMetadata, type OnnxValue, type OnnxValueMapType } from './session.js';
export { env, type Env, type WasmEnv, type LogLevel } from './env.js';
export type { OrtSessionOptions, OrtRunOptions } from './options.js';
export { detectFeatures, type EngineFeatures } from './features.js';
export type { Artifact, Manifest } from '../contract/manifest.js';
