/**
 * The contract between compiler and runtime: error classes, the artifact manifest and its version,
 * the control block of multi-worker calls, the weight layout, dims and the module's wasm ABI. It
 * imports nothing else of rnnc; the compiler and the runtime both build on it.
 */
export * from './abi.js';
export * from './artifact_digest.js';
export * from './control.js';
export * from './dims.js';
export * from './errors.js';
export * from './hash.js';
export * from './layout.js';
export * from './manifest.js';
export * from './version.js';
export { checkManifest } from './manifest_check.js';
