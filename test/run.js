#!/usr/bin/env node
// Runs every compiled uvu suite (dist/test/*.test.js) and ends with the line `N passed, N failed`
// that CI reads. Usage: node test/run.js [pattern]   (pattern filters test file names, a RegExp)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// A given pattern only narrows the suites: it is combined with the .test.js suffix so that helpers
// and .d.ts files in dist/test (e.g. reference.js for pattern `reference`) are never run as suites.
const pattern = process.argv[2] ? `(?:${process.argv[2]}).*\\.test\\.js$` : '\\.test\\.js$';
const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
// NODE_ENV=test keeps the suites (and the CLIs they run) off the user's artifact cache (api/cache.ts).
const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'test' };
const child = spawn(process.execPath, [uvu, 'dist/test', pattern], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });

let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
});
child.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => {
    const m = plain.match(new RegExp(`${label}:\\s+(\\d+)`));
    return m ? Number(m[1]) : 0;
  };
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  // uvu's Total leaves skipped tests out. A crash before uvu's summary counts as a failure, never
  // as a silent pass; so does a run that found no test at all.
  const failed = total - passed + (code !== 0 && total === passed ? 1 : 0);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 || total + skipped === 0 ? 1 : 0;
});
