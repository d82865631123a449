/**
 * What the browser suites share: Debian's headless Chromium (RNNC_CHROMIUM to use another), the flags
 * it runs with here, the error when it is missing, and how two runs of streamed steps are compared.
 */
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { InferenceSession, Tensor } from '../api/node.js';

export const CHROMIUM = process.env.RNNC_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no sandbox (root in CI), nothing that reaches the network on its own. */
export const CHROMIUM_ARGS: readonly string[] = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--no-first-run',
  '--disable-component-update', '--disable-sync', '--disable-quic'];

/** The browser suites fail, saying so, where Chromium is missing (never a silent skip). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM} (set RNNC_CHROMIUM to use another): apt-get install -y chromium (.ci/run installs it)`);
  }
}

/** Largest |a - b| over two runs of streamed steps (one row of outputs a step); step counts and sizes must agree. */
export function maxStepDiff(a: number[][], b: number[][]): number {
  assert.is(a.length, b.length, 'step count');
  let m = 0;
  a.forEach((row, i) => {
    assert.is(row.length, b[i].length, `step ${i} output size`);
    row.forEach((v, k) => { m = Math.max(m, Math.abs(v - b[i][k])); });
  });
  return m;
}

/**
 * The demo model's stream in Node, the browser suites' reference: the prompt's call, then one call
 * per token of `steps`; each call's `probs`.
 */
export async function demoStreamInNode(model: string, prompt: readonly number[], steps: readonly number[]): Promise<number[][]> {
  const s = await InferenceSession.create(model, { workers: 1 });
  const st = s.stream();
  const out = [Array.from((await st.step({ tokens: new Tensor('int32', [...prompt], [prompt.length, 1]) })).probs.data as Float32Array)];
  for (const t of steps) out.push(Array.from((await st.step({ tokens: new Tensor('int32', [t], [1, 1]) })).probs.data as Float32Array));
  await s.release();
  return out;
}
