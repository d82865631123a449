/**
 * Node flags that hide the compiler from a child process: a resolve hook refuses dist/compiler/index.js,
 * so a child that should run from the artifact cache alone fails if it compiles anyway.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** `--import` flags (the hook's files written into `dir`) under which importing the compiler throws 'the compiler is hidden'. */
export function hideCompilerFlags(dir: string): string[] {
  const hooks = path.join(dir, 'hooks.mjs'), register = path.join(dir, 'register.mjs');
  fs.writeFileSync(hooks, `export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  if (r.url.endsWith('/dist/compiler/index.js')) throw new Error('the compiler is hidden from this process');
  return r;
}\n`);
  fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return ['--import', pathToFileURL(register).href];
}
