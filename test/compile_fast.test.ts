/**
 * What a compile spends its time on: by default the modules are the emitters' own output (binaryen's
 * -O3 cost seconds for a few percent on small cells); `optimize: 'full'` still runs it, under a key
 * of its own. Binaryen (about a second to load) and wabt load only on the paths that build or print
 * a module. Timings are in bench/compile.ts, never asserted here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel, loadBinaryen } from '../compiler/index.js';
import { REPO_ROOT } from './paths.js';
import { makeTempDir, removeTempDir, rnnc } from './subprocess.js';

const model = cellModel(describeCell({ cell: 'lstm', inputSize: 4, hiddenSize: 8 }));

test('the default compile runs no binaryen pass: the same modules as optimize: false, under the same key', () => {
  const plain = compileModel(model, { threads: true, optimize: false }).artifact;
  const fast = compileModel(model, { threads: true }).artifact;
  assert.equal(fast.wasm, plain.wasm);
  assert.equal(fast.wasmThreads, plain.wasmThreads);
  assert.is(fast.manifest.key, plain.manifest.key);
});

test("optimize: 'full' runs binaryen's optimizer: other bytes, another key", async () => {
  await loadBinaryen();
  const fast = compileModel(model, { threads: false }).artifact;
  const full = compileModel(model, { threads: false, optimize: 'full' }).artifact;
  assert.not.equal(full.wasm, fast.wasm);
  assert.is.not(full.manifest.key, fast.manifest.key);
});

test("rnnc compile --optimize full asks for binaryen's optimizer: other modules, another key", async () => {
  const dir = makeTempDir('optimize');
  try {
    const file = path.join(dir, 'm.onnx');
    fs.writeFileSync(file, model);
    const runs = await Promise.all([[], ['--optimize', 'full']].map((extra) => rnnc(['compile', file, '-o', path.join(dir, extra.length ? 'full' : 'fast'), ...extra])));
    for (const r of runs) assert.is(r.code, 0, r.stderr);
    const read = (sub: string, name: string) => fs.readFileSync(path.join(dir, sub, name));
    assert.is.not(JSON.parse(read('full', 'manifest.json').toString()).key, JSON.parse(read('fast', 'manifest.json').toString()).key);
    assert.not.ok(read('full', 'model.wasm').equals(read('fast', 'model.wasm')));
  } finally {
    removeTempDir(dir);
  }
});

interface Edge { readonly from: string; readonly to: string; readonly typeOnly?: boolean; readonly dynamic?: boolean }
const script = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'imports.mjs')).href)) as { analyse(root: string): { edges: readonly Edge[] } };

/** The files `entry` loads when it is imported: static value imports, followed. */
function loadedBy(edges: readonly Edge[], entry: string): Set<string> {
  const seen = new Set([entry]);
  const pending = [entry];
  while (pending.length > 0) {
    const f = pending.pop()!;
    for (const e of edges) if (e.from === f && !e.typeOnly && !e.dynamic && !seen.has(e.to)) { seen.add(e.to); pending.push(e.to); }
  }
  return seen;
}

// compiler/emit/ir.ts builds every module (binaryen only on demand, test/encoder.test.ts), compiler/module/wat.ts is wabt's only importer.
const BUILDERS = ['compiler/emit/ir.ts', 'compiler/module/wat.ts'];

test('binaryen and wabt load only where a module is built or printed: not for the API or a cache hit, rnnc compile (until a miss), plan, run, cache', () => {
  const { edges } = script.analyse(REPO_ROOT);
  for (const entry of ['api/node.ts', 'api/cache.ts', 'cli/cli.ts', 'cli/commands/plan.ts', 'cli/commands/run.ts', 'cli/commands/cache.ts', 'compiler/frontend/index.ts']) {
    const loaded = loadedBy(edges, entry);
    for (const b of BUILDERS) assert.not.ok(loaded.has(b), `${entry} loads ${b}`);
  }
  // rnnc compile imports the compiler only on a cache miss (test/compile_cache.test.ts).
  assert.not.ok(loadedBy(edges, 'cli/commands/compile.ts').has(BUILDERS[0]), 'rnnc compile loads the builder only on a cache miss');
  assert.ok(loadedBy(edges, 'compiler/index.ts').has(BUILDERS[0]), 'the walk sees the builder from the compiler');
  assert.not.ok(loadedBy(edges, 'cli/commands/compile.ts').has(BUILDERS[1]), 'rnnc compile prints text only for --wat');
});

test.run();
