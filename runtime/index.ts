/** The platform-independent runtime: what a browser bundle or a worker needs, nothing more. */
export { Tensor, type TensorType, type TensorData } from './tensor.js';
export { RnncError, ModelError, UnsupportedError, InputError, EngineError, InternalError } from '../contract/errors.js';
export { ArtifactSession, type FeedsType, type ReturnType } from './session.js';
export { detectFeatures, type EngineFeatures } from './features.js';
export type { Artifact, Manifest } from '../contract/manifest.js';
