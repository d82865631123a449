/** Paths shared by the test suites (compiled to dist/test, so the repo root is two levels up). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The team's read-only shared material, a sibling of the repo. */
export const SHARED = process.env.RNNC_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
export const CONFORMANCE = path.join(SHARED, 'conformance', 'onnx-backend');
export const SHARED_MODELS = path.join(SHARED, 'models');

/**
 * `test` for tests that read the shared data. They run where it is present, and always in CI
 * (CI=true), where its absence must fail them; a clone elsewhere skips them, saying so once.
 */
const sharedRuns = fs.existsSync(SHARED) || process.env.CI === 'true';
if (!sharedRuns) {
  console.warn(`  tests on the shared data SKIPPED: ${SHARED} is absent (set RNNC_SHARED to the shared/ folder; in CI they fail)`);
}
export function sharedTest(name: string, fn: Parameters<typeof test>[1]): void {
  if (sharedRuns) test(name, fn);
  else test.skip(name, fn);
}
