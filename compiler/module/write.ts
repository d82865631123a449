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
  const [{ mkdir, writeFile }, { default: path }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, data] of files) {
    const p = path.join(dir, name);
    await writeFile(p, data);
    written.push(p);
  }
  return written;
}
