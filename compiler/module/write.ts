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
  const [{ mkdir, readdir, rename, rm, writeFile }, { default: path }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  await mkdir(dir, { recursive: true });
  // Every file is written beside its place first, then renamed over it, the manifest last: a write
  // that fails (a full disk) leaves an artifact already in `dir` as it was, not half replaced.
  const tail = `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const temp = (name: string) => path.join(dir, `.${name}${tail}`);
  // A writer killed between the two (Ctrl-C) left its temporaries: they go when their process is gone.
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = /^\.[\w.-]+\.tmp-(\d+)-[0-9a-z]+$/.exec(name)?.[1];
    if (pid && !alive(Number(pid))) await rm(path.join(dir, name), { force: true });
  }
  try {
    for (const [name, data] of files) {
      await writeFile(temp(name), data).catch((e: NodeJS.ErrnoException) => { e.path ??= path.join(dir, name); throw e; });
    }
    for (const [name] of [...files.slice(1), files[0]]) {
      // Named by its place, not the temporary it came from.
      await rename(temp(name), path.join(dir, name)).catch((e: NodeJS.ErrnoException) => { e.path = path.join(dir, name); throw e; });
    }
  } finally {
    await Promise.all(files.map(([name]) => rm(temp(name), { force: true })));
  }
  return files.map(([name]) => path.join(dir, name));
}

/** Whether process `pid` runs (this one included); unknown (no permission to ask) counts as running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
