/**
 * The layering of the sources (scripts/layers.json, checked by scripts/imports.mjs over the .ts
 * files): the contract imports nothing else of rnnc; compiler and runtime never import each other;
 * api/ and cli/ sit above both; product code never imports bench/ or test/; registry modules never
 * import the passes that iterate them; only compiler/emit/wasm/binaryen.ts imports binaryen; no file imports
 * itself around a cycle. `node scripts/imports.mjs` prints the whole structure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from './paths.js';

interface Analysis { readonly files: readonly string[]; readonly edges: readonly { from: string; to: string }[] }
interface ImportsScript {
  analyse(root: string): Analysis;
  check(a: Analysis, rules: unknown): string[];
}

const script = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'imports.mjs')).href)) as ImportsScript;
const rules = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'layers.json'), 'utf8'));

test('the sources hold to scripts/layers.json', () => {
  const a = script.analyse(REPO_ROOT);
  assert.ok(a.files.length > 100 && a.files.some((f) => f.startsWith('compiler/ops/')), `analysed ${a.files.length} files`);
  assert.equal(script.check(a, rules), []);
});

test('the check catches a violation of each kind (a cycle, a layer, a binaryen import)', () => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(REPO_ROOT), 'dist', 'layers-'));
  try {
    const put = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    put('contract/a.ts', "import { b } from '../runtime/b.js';\nexport const a = b;\n");
    put('runtime/b.ts', "import { a } from '../contract/a.js';\nexport const b = 1; export const c = a;\n");
    put('compiler/ops/x.ts', "import binaryen from 'binaryen';\nimport { y } from '../frontend/lower.js';\nexport const x = [binaryen, y];\n");
    put('compiler/frontend/lower.ts', 'export const y = 1;\n');
    const v = script.check(script.analyse(dir), rules);
    for (const part of ['contract/a.ts -> runtime/b.ts', 'file cycle', 'compiler/ops/x.ts imports binaryen', 'compiler/ops/x.ts -> compiler/frontend/lower.ts']) {
      assert.ok(v.some((s) => s.includes(part)), `no violation mentions '${part}': ${v.join('; ')}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
