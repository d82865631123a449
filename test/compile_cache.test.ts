/**
 * `rnnc compile` through the artifact cache (api/cache.ts): a miss compiles and stores the artifact;
 * a hit writes the same files without loading the compiler; `--no-cache` and any other option
 * compile. The compiler is hidden from the child processes that must not need it (a resolve hook
 * that refuses dist/compiler/index.js), so a hit that compiled anyway fails.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cacheModel } from './cache_model.js';
import { hideCompilerFlags } from './hide_compiler.js';
import { REPO_ROOT } from './paths.js';
import { makeTempDir, removeTempDir, type CliResult } from './subprocess.js';

/** `rnnc args` with RNNC_CACHE_DIR=cache; with `hideCompiler`, importing the compiler fails. Never rejects. */
function rnncCached(dir: string, cache: string, args: readonly string[], hideCompiler: boolean): Promise<CliResult> {
  const pre = hideCompiler ? hideCompilerFlags(dir) : [];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...pre, path.join(REPO_ROOT, 'bin', 'rnnc.js'), ...args],
      { cwd: dir, timeout: 120_000, env: { ...process.env, RNNC_CACHE_DIR: cache } }, (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
  });
}

const filesOf = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));

test('rnnc compile: a miss compiles and stores; a hit writes the same artifact without the compiler; --no-cache and other options compile', async () => {
  const dir = makeTempDir('compile-cache');
  try {
    const cache = path.join(dir, 'cache');
    fs.writeFileSync(path.join(dir, 'm.onnx'), cacheModel());
    const miss = await rnncCached(dir, cache, ['compile', 'm.onnx', '-o', 'a'], false);
    assert.is(miss.code, 0, miss.stderr);
    assert.not.match(miss.stdout, /from the cache/);
    assert.is(fs.readdirSync(cache).length, 1, 'one entry stored');

    const hit = await rnncCached(dir, cache, ['compile', 'm.onnx', '-o', 'b'], true);
    assert.is(hit.code, 0, hit.stderr);
    assert.match(hit.stdout, new RegExp(`from the cache ${cache.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(filesOf(path.join(dir, 'b')), filesOf(path.join(dir, 'a')), 'the same files');

    for (const extra of [['--no-cache'], ['--batch', '2']]) {
      const r = await rnncCached(dir, cache, ['compile', 'm.onnx', '-o', 'c', ...extra], true);
      assert.is.not(r.code, 0, `${extra.join(' ')} compiles (and finds the compiler hidden)`);
      assert.match(r.stderr, /the compiler is hidden/);
    }
    assert.is(fs.readdirSync(cache).length, 1, '--no-cache stores nothing; the failed compile neither');
  } finally {
    removeTempDir(dir);
  }
});

test.run();
