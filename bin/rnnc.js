#!/usr/bin/env node
// The rnnc command line. An installed package ships dist/; a checkout builds it with `npm run build`
// (npm install runs it through `prepare`, unless scripts are off: --ignore-scripts skips it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = new URL('../dist/cli/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  const installed = existsSync(fileURLToPath(new URL('../node_modules/typescript', import.meta.url)));
  console.error(`rnnc: ${fileURLToPath(cli)} is missing: rnnc's TypeScript sources in ${root} are not built `
    + '(npm install skips the build when scripts are off, e.g. --ignore-scripts). Build them with:\n'
    + `  cd ${root} && ${installed ? '' : 'npm install && '}npm run build`);
  process.exit(2);
}
await import(cli.href);
