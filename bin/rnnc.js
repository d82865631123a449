#!/usr/bin/env node
// The rnnc command line. The TypeScript sources build into dist/ on `npm install` (or `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('rnnc: dist/ is missing; run `npm install` (or `npm run build`) in the rnnc checkout first');
  process.exit(2);
}
await import(cli.href);
