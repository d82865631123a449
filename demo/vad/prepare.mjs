#!/usr/bin/env node
// Readies the demo's voice-activity view: compiles vad-web's Silero v5 for 16 kHz frames
// (sr bound to 16000, input 1x576) into SITE/vad/silero_v5/ with the rnnc CLI, and copies the
// example's frame feed and segmenter (examples/vad/silero.mjs, segmenter.mjs) beside the view, so
// the page runs the very files Node's example runs. Both are build outputs, not committed.
//   node demo/vad/prepare.mjs [SITE]     (SITE: default demo/)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = ['silero.mjs', 'segmenter.mjs'];

/** vad-web's copy of the model, found the way Node resolves the package. */
function sileroV5() {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist', 'silero_vad_v5.onnx');
}

export function prepareVad(site = path.join(repo, 'demo')) {
  const out = path.join(site, 'vad');
  mkdirSync(out, { recursive: true });
  for (const f of SHARED) copyFileSync(path.join(repo, 'examples', 'vad', f), path.join(out, f));
  const artifact = path.join(out, 'silero_v5');
  execFileSync(process.execPath, [path.join(repo, 'bin', 'rnnc.js'), 'compile', sileroV5(),
    '--bind', 'sr=16000', '--shape', 'input=1x576', '-o', artifact], { stdio: 'inherit' });
  if (!existsSync(path.join(artifact, 'manifest.json'))) throw new Error(`rnnc compile wrote no ${artifact}/manifest.json`);
  return artifact;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) prepareVad(process.argv[2]);
