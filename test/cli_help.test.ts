/**
 * The CLI a first-time user meets: every command's help ends with an example, `rnnc bench` leaves
 * the committed results alone unless asked, an artifact given for a model is named as such, and
 * bin/rnnc.js without a built dist/ says how to build.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { benchArgs } from '../cli/commands/bench.js';
import { InputError } from '../contract/errors.js';
import { assertCliError, makeTempDir, removeTempDir, rnnc } from './subprocess.js';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { encodeModel, rnnSpec } from './onnx_builder.js';
import { REPO_ROOT } from './paths.js';
import { throws } from './throws.js';

const COMMANDS = ['compile', 'run', 'check', 'kernel', 'plan', 'serve', 'tune', 'bench'];

test('every command\'s help shows one example of it', async () => {
  const helps = await Promise.all([[], ...COMMANDS.map((c) => [c])].map((c) => rnnc([...c, '--help'])));
  helps.forEach((r, i) => {
    const name = i === 0 ? 'rnnc' : COMMANDS[i - 1];
    assert.is(r.code, 0, `${name} --help: ${r.stderr}`);
    const example = r.stdout.split('\nExample:\n')[1];
    assert.ok(example, `${name} --help has no example:\n${r.stdout}`);
    assert.match(example.trim(), i === 0 ? /^\$ rnnc / : new RegExp(`^\\$ rnnc ${name} `));
  });
});

test('compile --help names the files compile writes', async () => {
  const r = await rnnc(['compile', '--help']);
  for (const file of ['manifest.json', 'model.wasm', 'model.mt.wasm', 'weights.bin']) assert.ok(r.stdout.includes(file), file);
  assert.not.ok(r.stdout.includes('kernel.wasm'));
});

test('bench writes the committed results only with --update-results', () => {
  const flags = { seq: 100, write: true };
  assert.not.ok(benchArgs([], flags).includes('--update'));
  assert.ok(benchArgs([], { ...flags, updateResults: true }).includes('--update'));
  assert.ok(benchArgs([], { ...flags, write: false }).includes('--no-write'));
  throws(() => benchArgs([], { ...flags, write: false, updateResults: true }), InputError, '--no-write', '--update-results');
});

test('plan, compile or tune of an artifact directory says it wants the ONNX model; a missing model cannot be read', async () => {
  const dir = makeTempDir('artifact-dir');
  try {
    await writeArtifact(dir, compileModel(encodeModel(rnnSpec('GRU'))).artifact);
    const [plan, compile, none] = await Promise.all([rnnc(['plan', dir]), rnnc(['compile', dir, '-o', path.join(dir, 'again')]),
      rnnc(['plan', path.join(dir, 'none.onnx')])]);
    assertCliError(plan, 'ModelError', dir, 'is an artifact directory', 'ONNX model file');
    assertCliError(compile, 'ModelError', dir, 'is an artifact directory');
    assertCliError(none, 'ModelError', 'none.onnx', 'cannot read', 'no such file');
  } finally {
    removeTempDir(dir);
  }
});

test('bin/rnnc.js without dist/ says what to run to build it, exit 2', async () => {
  const dir = makeTempDir('nodist');
  try {
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(path.join(REPO_ROOT, 'bin', 'rnnc.js'), path.join(dir, 'bin', 'rnnc.js'));
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [path.join(dir, 'bin', 'rnnc.js'), '--help'], (_e, _out, stderr) => resolve({ code: child.exitCode, stderr }));
    });
    assert.is(r.code, 2);
    assert.match(r.stderr, /^rnnc: .*dist.cli.cli\.js is missing/);
    assert.ok(r.stderr.includes(`cd ${dir}`) && r.stderr.includes('npm run build'), r.stderr);
  } finally {
    removeTempDir(dir);
  }
});

test.run();
