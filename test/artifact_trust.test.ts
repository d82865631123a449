/**
 * The artifact as untrusted input. A compiled artifact tampered with in every way a file can be
 * (each manifest field edited, files truncated, swapped for foreign ones, bytes flipped, names that
 * point outside the directory) is refused with a ModelError naming the file, or, where the edit
 * changes nothing the module depends on, runs bit-identical to the untouched artifact. Never a
 * silent wrong output, never a read outside the artifact directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel, writeArtifact } from '../compiler/index.js';
import { DataType } from '../compiler/onnx/proto.js';
import { MANIFEST_SECTION } from '../contract/artifact_digest.js';
import { ModelError } from '../contract/errors.js';
import type { Artifact } from '../contract/manifest.js';
import { InferenceSession } from '../api/node.js';
import { Tensor } from '../runtime/tensor.js';
import { encodeModel, makeFeed, rnnSpec, valueInfo } from './onnx_builder.js';
import { mulberry32, randomArray } from './random.js';
import { makeTempDir, removeTempDir } from './subprocess.js';
import { leb128, tamperings, withSection, type Json } from './tamper.js';

const H = 8, I = 4, T = 5, B = 2;

/** An LSTM with sequence_lens (a range check) and initial_h (a state input), both modules built. */
function lstmModel(): Uint8Array {
  const s = rnnSpec('LSTM', H, I);
  s.node.input.push('lens', 'h0');
  s.inputs.push(valueInfo('lens', ['batch'], DataType.INT32), valueInfo('h0', [1, 'batch', H]));
  return encodeModel(s);
}

/** A GRU whose W, R and B are graph inputs (fed weights, packed by the runtime before each call). */
function fedGruModel(): Uint8Array {
  const s = rnnSpec('GRU', H, I);
  makeFeed(s, 'W', [1, 3 * H, I]);
  makeFeed(s, 'R', [1, 3 * H, H]);
  makeFeed(s, 'B', [1, 6 * H]);
  return encodeModel(s);
}

const rng = mulberry32(7);
const f32 = (dims: number[]) => new Tensor('float32', randomArray(rng, dims.reduce((a, b) => a * b, 1)), dims);
const FEEDS: Record<string, Record<string, Tensor>> = {
  lstm: { X: f32([T, B, I]), lens: new Tensor('int32', Int32Array.from([T, 3]), [B]), h0: f32([1, B, H]) },
  gru: { X: f32([T, B, I]), W: f32([1, 3 * H, I]), R: f32([1, 3 * H, H]), B: f32([1, 6 * H]) },
};

let root = '';
const pristine = (name: string) => path.join(root, name);
/** The directory tampered with: a fresh copy of a pristine artifact each time. */
const work = () => path.join(root, 'work', 'artifact');
const baseline = new Map<string, Buffer>();
const artifacts = new Map<string, Artifact>();

test.before(async () => {
  root = makeTempDir('artifact-trust');
  for (const [name, model] of [['lstm', lstmModel()], ['gru', fedGruModel()]] as const) {
    const { artifact } = compileModel(model, { batch: B, threads: true, source: name });
    artifacts.set(name, artifact);
    await writeArtifact(pristine(name), artifact);
    const got = await outcome(pristine(name), name);
    assert.ok(got instanceof Buffer, `the untouched ${name} artifact runs: ${String(got)}`);
    baseline.set(name, got);
  }
});
test.after(() => removeTempDir(root));

/** Loads `dir` and runs the model's feeds: the outputs' bytes, or the error. */
async function outcome(dir: string | Artifact, name: string, workers = 1): Promise<Buffer | Error> {
  let session: InferenceSession | undefined;
  try {
    session = await InferenceSession.create(dir, { workers });
    const out = await session.run(FEEDS[name]);
    return Buffer.concat(Object.keys(out).sort().map((k) => Buffer.from(out[k].data.buffer, out[k].data.byteOffset, out[k].data.byteLength)));
  } catch (e) {
    return e as Error;
  } finally {
    await session?.release();
  }
}

/** A fresh copy of the pristine artifact `name` in work(), its manifest replaced when given. */
function copy(name: string, manifest?: Json): void {
  fs.rmSync(work(), { recursive: true, force: true });
  fs.mkdirSync(work(), { recursive: true });
  for (const file of fs.readdirSync(pristine(name))) fs.copyFileSync(path.join(pristine(name), file), path.join(work(), file));
  if (manifest !== undefined) editManifest(manifest);
}

const editManifest = (manifest: Json) => fs.writeFileSync(path.join(work(), 'manifest.json'), JSON.stringify(manifest));

const readManifest = (name: string) => JSON.parse(fs.readFileSync(path.join(pristine(name), 'manifest.json'), 'utf8')) as Json;

/** Asserts that `got` is a ModelError naming every part. */
function isModelError(got: Buffer | Error, what: string, ...parts: string[]): void {
  assert.ok(got instanceof ModelError, `${what}: expected a ModelError, got ${got instanceof Error ? `${got.name}: ${got.message}` : 'outputs'}`);
  for (const p of parts) assert.ok((got as Error).message.includes(p), `${what}: the message lacks ${JSON.stringify(p)}: ${(got as Error).message}`);
}

/** Fields the modules do not depend on: an edit there may run, and then must run bit-identical. */
const UNBOUND = ['model', 'summary', 'files', 'digests'];

for (const name of ['lstm', 'gru']) {
  test(`${name}: every edit of every manifest field is a ModelError, or changes no output bit`, async () => {
    const manifest = readManifest(name);
    let refused = 0;
    const harmless: string[] = [];
    copy(name);
    for (const { what, field, json } of tamperings(manifest)) {
      editManifest(json);
      const got = await outcome(work(), name);
      if (got instanceof Buffer) {
        assert.ok(got.equals(baseline.get(name)!), `${what}: ran with different outputs`);
        assert.ok(UNBOUND.includes(field), `${what}: an edited field the module depends on ran`);
        harmless.push(what);
      } else {
        isModelError(got, what, work());
        refused++;
      }
    }
    assert.ok(refused > 300, `${refused} edits refused`);
    assert.ok(harmless.some((h) => h.startsWith('model')) && harmless.some((h) => h.startsWith('summary')), `harmless: ${harmless.join('; ')}`);
  });
}

test('an edited maxBatch is caught (it used to move every later call\'s buffers over the weights)', async () => {
  const m = readManifest('lstm') as { maxBatch: number };
  copy('lstm', { ...m, maxBatch: 4 });
  isModelError(await outcome(work(), 'lstm'), 'maxBatch', path.join(work(), 'model.wasm'), 'compiled with another manifest');
  isModelError(await outcome(work(), 'lstm', 2), 'maxBatch, 2 workers', path.join(work(), 'model.mt.wasm'), 'compiled with another manifest');
});

test('truncated files are ModelErrors naming the file', async () => {
  for (const file of ['manifest.json', 'model.wasm', 'model.mt.wasm', 'weights.bin']) {
    const size = fs.statSync(path.join(pristine('lstm'), file)).size;
    // size - 2: manifest.json ends in a newline, without which it is the same JSON.
    for (const keep of [0, 1, 8, size >> 1, size - 2]) {
      copy('lstm');
      fs.truncateSync(path.join(work(), file), keep);
      isModelError(await outcome(work(), 'lstm'), `${file} cut to ${keep} bytes`, work());
    }
  }
});

test('flipped bytes in the weights and in either module are ModelErrors, one byte or a hundred', async () => {
  const flip = mulberry32(11);
  for (const file of ['weights.bin', 'model.wasm', 'model.mt.wasm']) {
    for (const count of [1, 1, 1, 100]) {
      copy('lstm');
      const p = path.join(work(), file);
      const bytes = fs.readFileSync(p);
      for (let k = 0; k < count; k++) bytes[Math.floor(flip() * bytes.length)] ^= 1 + Math.floor(flip() * 255);
      fs.writeFileSync(p, bytes);
      isModelError(await outcome(work(), 'lstm'), `${count} flipped in ${file}`, p, 'digest');
    }
  }
});

/** A module importing env.memory of at least `minPages` pages and exporting `run`, with `section` as its rnnc.manifest. */
function handMadeModule(minPages: number, section: Uint8Array | null): Uint8Array {
  const leb = leb128;
  const str = (s: string) => [s.length, ...Buffer.from(s)];
  const sec = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
  const bytes = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...sec(1, [1, 0x60, 0, 0]), ...sec(2, [1, ...str('env'), ...str('memory'), 2, 0, ...leb(minPages)]),
    ...sec(3, [1, 0]), ...sec(7, [1, ...str('run'), 0, 0]), ...sec(10, [1, 2, 0, 0x0b])]);
  return section ? withSection(bytes, MANIFEST_SECTION, section) : bytes;
}

test('foreign modules are ModelErrors, even when the manifest\'s digests are made to match', async () => {
  const real = new WebAssembly.Module(fs.readFileSync(path.join(pristine('lstm'), 'model.wasm')));
  const section = new Uint8Array(WebAssembly.Module.customSections(real, MANIFEST_SECTION)[0]);
  const baselineKernel = path.join(path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname))), 'kernels', 'build', 'rnn.wasm');
  const foreign: [string, Uint8Array, string][] = [
    ['random bytes', Uint8Array.from(randomArray(mulberry32(3), 3000), (x) => Math.floor((x + 1) * 127)), 'not a module this engine can compile'],
    ['the other artifact\'s module', fs.readFileSync(path.join(pristine('gru'), 'model.wasm')), 'compiled with another manifest'],
    ['the multi-worker module', fs.readFileSync(path.join(pristine('lstm'), 'model.mt.wasm')), 'compiled with another manifest'],
    ['a module of no rnnc artifact', handMadeModule(1, null), `'${MANIFEST_SECTION}' sections`],
    ['the AssemblyScript baseline kernels', fs.readFileSync(baselineKernel), `'${MANIFEST_SECTION}' sections`],
    ['a module with a copied section that cannot link', handMadeModule(20_000, section), 'cannot be instantiated'],
  ];
  const m = readManifest('lstm') as { digests: Record<string, string> };
  const { fileDigest } = await import('../contract/artifact_digest.js');
  for (const [what, bytes, message] of foreign) {
    copy('lstm');
    fs.writeFileSync(path.join(work(), 'model.wasm'), bytes);
    isModelError(await outcome(work(), 'lstm'), what, path.join(work(), 'model.wasm'), 'digest');
    copy('lstm', { ...m, digests: { ...m.digests, wasm: fileDigest(bytes) } });
    fs.writeFileSync(path.join(work(), 'model.wasm'), bytes);
    isModelError(await outcome(work(), 'lstm'), `${what}, digest matched`, path.join(work(), 'model.wasm'), message);
  }
});

/** Names of `file` that would lead a reader out of the artifact directory (or are no plain file name). */
const traversals = (file: string) => [`../${file}`, path.join(root, 'work', file), '../../../../etc/passwd', '/etc/passwd', `sub/${file}`,
  `sub\\${file}`, '..', '.', '', `.${file}`, `C:${file}`, 'file:///etc/passwd', `https://example.com/${file}`, `//example.com/${file}`,
  `%2e%2e/${file}`, 'a'.repeat(300)];

test('file names outside the artifact directory are refused before anything is read', async () => {
  // Valid copies of each file sit just outside the directory (and in a subfolder): a reader that
  // followed the name would load them and run.
  const m = readManifest('lstm') as { files: Record<string, string | null> };
  for (const [key, file] of Object.entries(m.files)) {
    for (const name of traversals(file!)) {
      copy('lstm', { ...m, files: { ...m.files, [key]: name } });
      fs.copyFileSync(path.join(pristine('lstm'), file!), path.join(root, 'work', file!));
      fs.mkdirSync(path.join(work(), 'sub'));
      fs.copyFileSync(path.join(pristine('lstm'), file!), path.join(work(), 'sub', file!));
      isModelError(await outcome(work(), 'lstm', 2), `files.${key} = ${JSON.stringify(name)}`, path.join(work(), 'manifest.json'), `files.${key}`, 'plain file name');
    }
  }
});

test('the browser loader fetches only inside the artifact URL and checks what it fetched', async () => {
  const { fetchArtifact } = await import('../runtime/browser.js');
  const base = 'https://models.example/lstm/';
  const fetched: string[] = [];
  let served = new Map<string, Uint8Array>();
  const serve = (manifest?: Json, edit?: (files: Map<string, Uint8Array>) => void) => {
    served = new Map(fs.readdirSync(pristine('lstm')).map((f) => [f, new Uint8Array(fs.readFileSync(path.join(pristine('lstm'), f)))]));
    if (manifest !== undefined) served.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
    edit?.(served);
    fetched.length = 0;
  };
  const realFetch = globalThis.fetch;
  // Served as application/wasm, the modules take the streaming compile path.
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : String(input);
    fetched.push(url);
    const body = url.startsWith(base) ? served.get(url.slice(base.length)) : undefined;
    if (!body) return new Response('not found', { status: 404, statusText: 'Not Found' });
    return new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': url.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' } });
  }) as typeof fetch;
  try {
    serve();
    const a = await fetchArtifact(base, { threads: true });
    for (const workers of [1, 2]) {
      const got = await outcome(a, 'lstm', workers);
      assert.ok(got instanceof Buffer && got.equals(baseline.get('lstm')!), `fetched, on ${workers} worker(s): ${String(got)}`);
    }
    const m = readManifest('lstm') as { files: Record<string, string | null>; maxBatch: number };
    for (const [key, file] of Object.entries(m.files)) {
      for (const name of traversals(file!)) {
        serve({ ...m, files: { ...m.files, [key]: name } });
        isModelError(await fetchArtifact(base, { threads: true }).catch((e: Error) => e) as Error, `files.${key} = ${JSON.stringify(name)}`, `${base}manifest.json`, `files.${key}`);
        assert.equal(fetched, [`${base}manifest.json`], `files.${key} = ${JSON.stringify(name)}: fetched only the manifest`);
      }
    }
    serve(undefined, (files) => files.get('model.mt.wasm')!.reverse());
    isModelError(await fetchArtifact(base, { threads: true }).catch((e: Error) => e) as Error, 'reversed module', `${base}model.mt.wasm`, 'digest');
    serve({ ...m, maxBatch: 3 });
    isModelError(await outcome(await fetchArtifact(base, { threads: true }), 'lstm'), 'edited maxBatch', `${base}model.wasm`, 'compiled with another manifest');
  } finally {
    globalThis.fetch = realFetch;
  }
});

test('an artifact passed as an object is checked like one read from files', async () => {
  const a = artifacts.get('lstm')!;
  const same = await outcome(a, 'lstm');
  assert.ok(same instanceof Buffer && same.equals(baseline.get('lstm')!), `the compiled artifact runs as written: ${String(same)}`);
  isModelError(await outcome({ ...a, manifest: { ...a.manifest, maxBatch: 3 } }, 'lstm'), 'maxBatch', 'model.wasm', 'compiled with another manifest');
  const image = a.image.slice();
  image[image.length >> 1] ^= 0x40;
  isModelError(await outcome({ ...a, image }, 'lstm'), 'a flipped weight', 'weights.bin', 'digest');
  isModelError(await outcome({ ...a, manifest: { ...a.manifest, files: { ...a.manifest.files, image: '../x' } } }, 'lstm'), 'traversal', 'files.image');
});

test('writeArtifact refuses to write a file named outside the directory', async () => {
  const a = artifacts.get('lstm')!;
  const dir = path.join(root, 'write', 'inner');
  for (const name of ['../escaped.bin', path.join(root, 'write', 'escaped.bin'), 'sub/x.bin']) {
    try {
      await writeArtifact(dir, { ...a, manifest: { ...a.manifest, files: { ...a.manifest.files, image: name } } });
      assert.unreachable(`wrote ${name}`);
    } catch (e) {
      isModelError(e as Error, name, name, 'plain file name');
    }
  }
  assert.not.ok(fs.existsSync(path.join(root, 'write', 'escaped.bin')), 'nothing was written outside');
  assert.not.ok(fs.existsSync(dir), 'nothing at all was written');
});

test('an artifact without its multi-worker module is written as one that never had it, and loads', async () => {
  const dir = path.join(root, 'single');
  const a = artifacts.get('lstm')!;
  await writeArtifact(dir, { ...a, wasmThreads: null });
  assert.equal(fs.readdirSync(dir).sort(), ['manifest.json', 'model.wasm', 'weights.bin']);
  const got = await outcome(dir, 'lstm', 2);
  assert.ok(got instanceof Buffer && got.equals(baseline.get('lstm')!), `runs on one worker, as compiled: ${String(got)}`);
});

test.run();
