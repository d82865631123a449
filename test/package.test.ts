/**
 * The package as a user gets it: `npm pack` of this checkout, installed into a fresh folder and used
 * from there, never from the checkout. Offline: the tarball is unpacked into the folder's
 * node_modules/rnnc and its dependencies are linked from this checkout's node_modules; the
 * optional ones (binaryen, wabt: the compiler's) are left out, as `npm install --omit=optional`
 * leaves them, so the runtime must load and run an artifact without them.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { InferenceSession, Tensor } from '../api/node.js';
import { encodeModel, rnnSpec } from './onnx_builder.js';
import { makeTempDir, removeTempDir, type CliResult } from './subprocess.js';
import { REPO_ROOT } from './paths.js';

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

let dir = '';
let app = '';
let packed: Packed;

const X = new Float32Array([0.5, -1, 0.25, 2, -0.75, 1.5]);

/** Runs node (or a script of this checkout's node_modules/.bin) in the fresh folder; never rejects. */
function inApp(file: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [file, ...args], { cwd: app, timeout: 120_000 }, (_err, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
  });
}
const nodeIn = (code: string, type: 'module' | 'commonjs' = 'module') => inApp('--input-type=' + type, ['-e', code]);
const shown = (r: CliResult) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

test.before(async () => {
  dir = makeTempDir('package');
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  packed = (JSON.parse(out) as Packed[])[0];
  app = path.join(dir, 'app');
  const installed = path.join(app, 'node_modules', 'rnnc');
  fs.mkdirSync(installed, { recursive: true });
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('tar', ['-xzf', path.join(dir, packed.filename), '-C', installed, '--strip-components=1']);
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(manifest.dependencies)) {
    const at = path.join(app, 'node_modules', dep);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(REPO_ROOT, 'node_modules', dep)), at, 'dir');
  }
  // An artifact to load, compiled here (the checkout has the compiler's dependencies).
  await writeArtifact(path.join(app, 'gru'), compileModel(encodeModel(rnnSpec('GRU'))).artifact);
});
test.after(() => removeTempDir(dir));

test('the tarball ships the runtime, compiler, CLI, types, browser build and LICENSE; no tests, benchmarks or kernels', () => {
  const files = packed.files.map((f) => f.path);
  for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/rnnc.js', 'dist/api/node.js', 'dist/api/node.d.ts', 'dist/compiler/index.js',
    'dist/cli/cli.js', 'dist/runtime/browser.d.ts', 'dist/browser/rnnc.js', 'dist/browser/rnnc-worker.js']) {
    assert.ok(files.includes(f), `${f} is not in the tarball`);
  }
  const stray = files.filter((f) => /^(dist\/(test|bench)\/|kernels\/|test\/|bench\/)/.test(f));
  assert.equal(stray, [], 'tests, benchmarks and kernels stay out of the tarball');
  assert.match(fs.readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8'), /MIT License[\s\S]*rnnc authors/);
});

test('package.json: repository, keywords, the compiler\'s packages optional, a browser condition', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'rnnc', 'package.json'), 'utf8'));
  assert.ok(pkg.repository?.url, 'repository');
  assert.ok(pkg.keywords?.length > 0, 'keywords');
  for (const name of ['binaryen', 'wabt']) {
    assert.not.ok(name in pkg.dependencies, `${name} is a dependency`);
    assert.ok(name in pkg.optionalDependencies, `${name} is not optional`);
  }
  assert.equal(pkg.exports['.'].browser, { types: './dist/runtime/browser.d.ts', default: './dist/browser/rnnc.js' });
});

test('from ESM and from require(): the installed runtime loads an artifact and runs it without binaryen and wabt', async () => {
  const local = await InferenceSession.create(path.join(app, 'gru'));
  const want = Array.from((await local.run({ X: new Tensor('float32', X, [3, 1, 2]) })).Y_h.data as Float32Array);
  await local.release();
  const run = `const s = await rnnc.InferenceSession.create('gru');
    const out = await s.run({ X: new rnnc.Tensor('float32', new Float32Array([${X.join(',')}]), [3, 1, 2]) });
    console.log(JSON.stringify(Array.from(out.Y_h.data)));
    await s.release();`;
  const esm = await nodeIn(`import * as rnnc from 'rnnc'; ${run}`);
  assert.is(esm.code, 0, shown(esm));
  assert.equal(JSON.parse(esm.stdout), want);
  const cjs = await nodeIn(`const rnnc = require('rnnc'); (async () => { ${run} })();`, 'commonjs');
  assert.is(cjs.code, 0, shown(cjs));
  assert.equal(JSON.parse(cjs.stdout), want);
});

test('without the optional packages, ONNX models compile (API and CLI); only binaryen\'s optimizer and the text form say which to install', async () => {
  fs.writeFileSync(path.join(app, 'model.onnx'), encodeModel(rnnSpec('GRU')));
  const local = await InferenceSession.create(path.join(app, 'gru'));
  const want = Array.from((await local.run({ X: new Tensor('float32', X, [3, 1, 2]) })).Y_h.data as Float32Array);
  await local.release();
  const api = await nodeIn(`import { InferenceSession, Tensor } from 'rnnc';
    const s = await InferenceSession.create('model.onnx', { cache: false });
    const out = await s.run({ X: new Tensor('float32', new Float32Array([${X.join(',')}]), [3, 1, 2]) });
    console.log(JSON.stringify(Array.from(out.Y_h.data)));
    await s.release();`);
  assert.is(api.code, 0, shown(api));
  assert.equal(JSON.parse(api.stdout), want);
  const cli = path.join(app, 'node_modules', 'rnnc', 'bin', 'rnnc.js');
  const compile = await inApp(cli, ['compile', 'model.onnx', '-o', 'out', '--no-cache']);
  assert.is(compile.code, 0, shown(compile));
  const optimized = await inApp(cli, ['compile', 'model.onnx', '-o', 'out2', '--no-cache', '--optimize', 'full']);
  assert.is(optimized.code, 2, shown(optimized));
  assert.match(optimized.stderr, /^rnnc: UnsupportedError: .*'binaryen'.*npm install binaryen/);
  const wat = await inApp(cli, ['compile', 'model.onnx', '-o', 'out3', '--no-cache', '--wat']);
  assert.is(wat.code, 2, shown(wat));
  assert.match(wat.stderr, /^rnnc: UnsupportedError: the text form \(--wat\) .*'wabt'.*npm install wabt/);
  const runs = await inApp(cli, ['run', 'gru', '--random', '--seq', '3']);
  assert.is(runs.code, 0, shown(runs));
});

test('a bundler picks the browser build from `import \'rnnc\'`', async () => {
  const page = path.join(app, 'page.js');
  fs.writeFileSync(page, `import { InferenceSession, ISOLATION_NOTE } from 'rnnc';\nconsole.log(InferenceSession, ISOLATION_NOTE);\n`);
  const r = await build({ entryPoints: [page], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', absWorkingDir: app });
  const text = r.outputFiles[0].text;
  assert.ok(text.includes('cross-origin isolated'), 'the bundle holds the browser entry');
  assert.not.match(text, /from\s*["']node:/, 'the bundle imports no Node built-in');
});

test('a TypeScript file type-checks against the package: Node with "lib": ["ES2022"], with DOM, and the browser types', async () => {
  fs.writeFileSync(path.join(app, 'use.ts'), `import { InferenceSession, Tensor } from 'rnnc';
export async function logits(): Promise<readonly number[]> {
  const session = await InferenceSession.create('gru');
  const out = await session.run({ X: new Tensor('float32', new Float32Array(6), [3, 1, 2]) });
  const y: Tensor = out.Y_h;
  return y.dims;
}
`);
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const configs = [
    { lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext' },
    { lib: ['ES2022', 'DOM'], module: 'NodeNext', moduleResolution: 'NodeNext' },
    { lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'bundler', customConditions: ['browser'] },
  ];
  for (const c of configs) {
    const compilerOptions = { ...c, target: 'ES2022', strict: true, noEmit: true, types: [] };
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['use.ts'] }));
    const r = await inApp(tsc, ['-p', '.']);
    assert.is(r.code, 0, `tsc with ${JSON.stringify(c)}: ${shown(r)}`);
  }
});

test.run();
