/**
 * Writes an artifact directory (manifest.json, the modules, the memory image). Apart from the
 * compiler so that a cache hit (`rnnc compile`, api/cache.ts) writes one without loading it.
 */
import { ModelError } from '../../contract/errors.js';
import { FILE_NAME } from '../../contract/manifest_check.js';
import type { Artifact, Manifest } from '../../contract/manifest.js';

/**
 * Writes `manifest.json` and the files it names into `dir` (created if needed); returns the paths.
 * An artifact without its multi-worker module is written without it.
 */
export async function writeArtifact(dir: string, a: Artifact): Promise<string[]> {
  const m: Manifest = a.wasmThreads ? a.manifest
    : { ...a.manifest, files: { ...a.manifest.files, wasmThreads: null }, digests: { ...a.manifest.digests, wasmThreads: null } };
  const files: [string, Uint8Array | string][] = [
    ['manifest.json', JSON.stringify(m, null, 2) + '\n'],
    [m.files.wasm, a.wasm as Uint8Array],
    [m.files.image, a.image],
  ];
  if (m.files.wasmThreads && a.wasmThreads) files.push([m.files.wasmThreads, a.wasmThreads as Uint8Array]);
  // The names come from the artifact, which may not be ours: never write outside `dir`.
  const stray = files.find(([name]) => !FILE_NAME.test(name));
  if (stray) throw new ModelError(`artifact ${m.model}: file name '${stray[0]}' is not a plain file name (letters, digits, "_", "." and "-", not starting with "."); refusing to write it into ${dir}`);
  // Imported here so the compiler's browser bundle (compiler/browser_worker.ts) has no Node import to load.
  const [{ mkdir, rename, rm, writeFile }, { default: path }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  await mkdir(dir, { recursive: true });
  // Every file is written beside its place first, then renamed over it, the manifest last: a write
  // that fails (a full disk) leaves an artifact already in `dir` as it was, not half replaced.
  const tail = `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const temp = (name: string) => path.join(dir, `.${name}${tail}`);
  try {
    for (const [name, data] of files) {
      await writeFile(temp(name), data).catch((e: NodeJS.ErrnoException) => { e.path ??= path.join(dir, name); throw e; });
    }
    for (const [name] of [...files.slice(1), files[0]]) await rename(temp(name), path.join(dir, name));
  } finally {
    await Promise.all(files.map(([name]) => rm(temp(name), { force: true })));
  }
  return files.map(([name]) => path.join(dir, name));
}
