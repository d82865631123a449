/** Paths shared by the test suites (compiled to dist/test, so the repo root is two levels up). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The team's read-only shared material, a sibling of the repo. */
export const SHARED = process.env.RNNC_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
export const CONFORMANCE = path.join(SHARED, 'conformance', 'onnx-backend');
export const SHARED_MODELS = path.join(SHARED, 'models');
