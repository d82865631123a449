/**
 * How the CLI ends on an error: one `rnnc: <Class>: message` line and a non-zero exit, the stack
 * only with -v/--verbose; a bug in rnnc (an InternalError, or any error that is neither rnnc's nor
 * the system's) prints its stack and how to report it. Output paths that a file or a directory is
 * in the way of are clear errors naming the flag, not EEXIST or EISDIR stacks.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatCliError } from '../cli/commands/common.js';
import { writeNpy } from '../compiler/io/npy.js';
import { InternalError, ModelError } from '../contract/errors.js';
import { encodeModel, rnnSpec } from './onnx_builder.js';
import { assertCliError, makeTempDir, removeTempDir, rnnc } from './subprocess.js';
import { REPO_ROOT } from './paths.js';

let dir = '';
let model = '';
let file = '';

test.before(() => {
  dir = makeTempDir('cli-errors');
  model = path.join(dir, 'gru.onnx');
  fs.writeFileSync(model, encodeModel(rnnSpec('GRU')));
  file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'not a directory');
});
test.after(() => removeTempDir(dir));

test('compile -o onto an existing file, and run --output-dir onto one, name the flag and the file', async () => {
  const [compile, run] = await Promise.all([
    rnnc(['compile', model, '-o', file]),
    rnnc(['run', model, '--random', '--output-dir', file]),
  ]);
  assertCliError(compile, 'InputError', `-o ${file}`, 'a file is in the way');
  assertCliError(run, 'InputError', `--output-dir ${file}`, 'a file is in the way');
  assert.is(fs.readFileSync(file, 'utf8'), 'not a directory', 'the file is left as it was');
});

test('a compile that fails leaves no directory it made, and one that fails writing leaves the artifact already there whole', async () => {
  // Files that are not ONNX: read, then refused by the compile, after the output directory was made.
  const text = path.join(dir, 'not-onnx.onnx');
  fs.writeFileSync(text, 'this is not a model');
  const out = path.join(dir, 'never');
  assertCliError(await rnnc(['compile', text, '-o', out]), 'ModelError', 'not an ONNX model');
  assert.is(fs.existsSync(out), false, 'the directory made for the output is gone');
  assertCliError(await rnnc(['run', text, '--random', '--output-dir', out]), 'ModelError', 'not an ONNX model');
  assert.is(fs.existsSync(out), false, 'the directory made for run\'s outputs is gone');
  const kept = path.join(dir, 'kept');
  const first = await rnnc(['compile', model, '-o', kept, '--no-cache']);
  assert.is(first.code, 0, first.stderr);
  const before = Object.fromEntries(fs.readdirSync(kept).map((n) => [n, fs.readFileSync(path.join(kept, n)).toString('base64')]));
  // A bigger model into the same directory, under a file size limit of 64 KiB (bash counts 1024-byte blocks): its 400 KB of weights cannot be written.
  const big = path.join(dir, 'big.onnx');
  fs.writeFileSync(big, encodeModel(rnnSpec('LSTM', 128, 64)));
  const cli = path.join(REPO_ROOT, 'bin', 'rnnc.js');
  const r = spawnSync('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" "${cli}" compile "${big}" -o "${kept}" --no-cache`], { encoding: 'utf8' });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /rnnc: InputError: -o: cannot write '.*kept\/weights\.bin' \(EFBIG/);
  const after = Object.fromEntries(fs.readdirSync(kept).map((n) => [n, fs.readFileSync(path.join(kept, n)).toString('base64')]));
  assert.equal(after, before, 'the artifact in the directory is as it was, no temporary files left');
  // A writer killed mid-write left a temporary (its process gone): the next write removes it.
  fs.writeFileSync(path.join(kept, '.weights.bin.tmp-99999999-abc'), 'left behind');
  assert.is((await rnnc(['compile', model, '-o', kept, '--no-cache'])).code, 0);
  assert.not.ok(fs.readdirSync(kept).some((n) => n.includes('.tmp-')), fs.readdirSync(kept).join(', '));
});

test('a tuning file that is missing, a directory, not JSON or not of rnnc tune\'s form is an error naming it, before any compile', async () => {
  const json = (name: string, text: string) => { const p = path.join(dir, name); fs.writeFileSync(p, text); return p; };
  const noEntries = json('t1.json', '{"format":"rnnc-tuning"}');
  const badWorkers = json('t2.json', '{"format":"rnnc-tuning","version":1,"entries":[{"key":"k","engine":"e","plan":{},"workers":-3,"ms":1,"defaultMs":1}]}');
  const out = path.join(dir, 'tuned');
  const cases: [string, string, ...string[]][] = [
    [path.join(dir, 'none.json'), 'InputError', '--tuning', 'none.json', 'no such file'],
    [dir, 'InputError', '--tuning', 'a directory'],
    [model, 'ModelError', 'not an rnnc tuning file', 'not JSON'],
    [noEntries, 'ModelError', 't1.json', '"entries" must be a list'],
    [badWorkers, 'ModelError', 't2.json', 'entry 0', '"workers"'],
  ];
  for (const [tuning, name, ...parts] of cases) assertCliError(await rnnc(['compile', model, '-o', out, '--tuning', tuning]), name, ...parts);
  assert.is(fs.existsSync(out), false, 'nothing was written');
  const tune = await rnnc(['tune', '--cell', 'lstm', '--input', '2', '--hidden', '4', '--seq', '2', '--max-workers', '1', '--tuning', path.join(file, 'x.json')]);
  assertCliError(tune, 'InputError', '--tuning', 'a file is in the way');
  assert.not.ok(tune.stderr.includes('['), 'it failed before measuring (no progress bar)');
});

test('compile flags given to run on an artifact, and a cache directory that is a file, are errors naming them', async () => {
  const artifact = path.join(dir, 'art');
  assert.is((await rnnc(['compile', model, '-o', artifact, '--no-cache'])).code, 0);
  assertCliError(await rnnc(['run', artifact, '--random', '--units', '16', '--shape', 'X=1x2']), 'InputError', '--units, --shape', 'is a compiled artifact');
  assert.is((await rnnc(['run', artifact, '--random', '--workers', '1'])).code, 0, 'run flags are fine');
  assertCliError(await rnnc(['cache', 'ls', '--dir', file]), 'InputError', file, 'is a file, not a directory');
  // kernel without its shape, plan with a bad --workers (before printing the plan), an input given twice.
  assertCliError(await rnnc(['kernel', '-o', path.join(dir, 'k.wasm')]), 'InputError', 'rnnc kernel needs --cell, --input, --hidden');
  const plan = await rnnc(['plan', model, '--workers', '0']);
  assertCliError(plan, 'InputError', '--workers', "'0'");
  assert.is(plan.stdout, '', 'nothing printed before the error');
  const x = path.join(dir, 'x.npy');
  fs.writeFileSync(x, writeNpy([2, 1, 2], new Float32Array(4)));
  assertCliError(await rnnc(['run', model, '-i', `X=${x}`, '-i', `X=${x}`]), 'InputError', '--input X is given twice');
  // A shape whose weights no WebAssembly memory holds: refused before a model of them is made.
  assertCliError(await rnnc(['plan', '--cell', 'lstm', '--input', '8', '--hidden', '16384']), 'InputError', '--hidden 16384', 'past the 2 GiB');
  assertCliError(await rnnc(['cache', 'clear', '--dir', file]), 'InputError', file, 'is a file, not a directory');
});

test('plan of a directory, and kernel -o onto a directory, are clear errors', async () => {
  const [plan, kernel] = await Promise.all([
    rnnc(['plan', dir]),
    rnnc(['kernel', '--cell', 'gru', '--input', '2', '--hidden', '4', '-o', dir]),
  ]);
  assertCliError(plan, 'ModelError', `${dir}: is a directory`, 'ONNX model file');
  assertCliError(kernel, 'InputError', '-o: cannot write', dir);
});

test('a broken model prints one line; with -v the stack follows it', async () => {
  const broken = path.join(dir, 'broken.onnx');
  fs.writeFileSync(broken, encodeModel(rnnSpec('GRU')).slice(0, 40));
  const [quiet, verbose] = await Promise.all([
    rnnc(['compile', broken, '-o', path.join(dir, 'out')]),
    rnnc(['compile', broken, '-o', path.join(dir, 'out'), '-v']),
  ]);
  assertCliError(quiet, 'ModelError', broken, 'not an ONNX model');
  assert.is(quiet.stderr.trimEnd().split('\n').length, 1, quiet.stderr);
  assert.ok(verbose.code === 2 && verbose.stderr.startsWith('rnnc: ModelError: '), verbose.stderr);
  assert.match(verbose.stderr, /^\s+at /m, 'the stack is printed with -v');
});

test('formatCliError: rnnc errors in one line, system errors without a stack, bugs with the stack and how to report them', () => {
  assert.is(formatCliError(new ModelError("x.onnx: bad"), false), "rnnc: ModelError: x.onnx: bad");
  const enospc = Object.assign(new Error("ENOSPC: no space left on device, write 'out/model.wasm'"), { code: 'ENOSPC' });
  assert.is(formatCliError(enospc, false), "rnnc: ENOSPC: no space left on device, write 'out/model.wasm'");

  const cause = new TypeError("Cannot read properties of undefined (reading 'c')");
  const internal = formatCliError(new InternalError("Relu (node 'r'): TypeError", { cause }), false);
  assert.ok(internal.startsWith("rnnc: InternalError: internal error (a bug in rnnc, please report it): Relu (node 'r')"), internal);
  assert.match(internal, /^\s+at /m, 'an internal error always prints its stack');
  assert.ok(internal.includes('caused by: TypeError'), internal);
  assert.ok(internal.includes('Please report it'), internal);

  const stray = formatCliError(new RangeError('Maximum call stack size exceeded'), false);
  assert.ok(stray.startsWith('rnnc: InternalError: internal error (a bug in rnnc, please report it): RangeError: Maximum call stack size exceeded'), stray);
  assert.match(stray, /^\s+at /m);
});

test.run();
