/**
 * The runtime's side of the artifact as untrusted input (contract/artifact_digest.ts): each file is
 * the one the manifest recorded, each module was compiled with this manifest and has the imports and
 * the entry the runtime provides and calls (contract/abi.ts). Whatever is wrong with a file (edited,
 * truncated, swapped, not wasm at all) is a ModelError naming it, before anything runs.
 */
import { ENTRY, EXPIRED_IMPORT, IMPORT_MODULE, MEMORY_IMPORT } from '../contract/abi.js';
import { fileDigest, MANIFEST_SECTION, manifestSection, type ModuleFile } from '../contract/artifact_digest.js';
import { ModelError } from '../contract/errors.js';
import type { Artifact, ArtifactFile, Manifest } from '../contract/manifest.js';
import { requireFeatures } from './features.js';
import type { ModuleImports } from '../contract/wasm_types.js';

/** How messages name a file of the artifact: its path or URL when known. */
export function fileLabel(a: Pick<Artifact, 'manifest' | 'source'>, file: ArtifactFile | 'manifest.json'): string {
  const name = file === 'manifest.json' ? file : a.manifest.files[file];
  return a.source ? `${a.source.replace(/[\\/]+$/, '')}/${name}` : `${name} of artifact '${String(a.manifest?.model)}'`;
}

/** Throws a ModelError naming `where` unless `bytes` have the digest the manifest recorded for `file`. */
export function checkDigest(m: Manifest, file: ArtifactFile, bytes: Uint8Array, where: string): void {
  const got = fileDigest(bytes);
  if (got === m.digests[file]) return;
  throw new ModelError(`${where}: ${bytes.byteLength} bytes of digest ${got}, but the manifest records digest ${m.digests[file]}: ` +
    'the file was changed or truncated after compiling, or comes from another artifact; recompile');
}

/** Checks the digest of the image and of each module still in bytes (a compiled one is checked where it was fetched). */
export function checkFileDigests(a: Artifact): void {
  checkDigest(a.manifest, 'image', a.image, fileLabel(a, 'image'));
  for (const file of ['wasm', 'wasmThreads'] as const) {
    const bytes = a[file];
    if (bytes instanceof Uint8Array) checkDigest(a.manifest, file, bytes, fileLabel(a, file));
  }
}

/** Compiles one of the artifact's modules (if still bytes) and checks that it is the manifest's. */
export async function loadModule(a: Artifact, file: ModuleFile): Promise<WebAssembly.Module> {
  const code = a[file]!;
  let module: WebAssembly.Module;
  try {
    module = code instanceof WebAssembly.Module ? code : await WebAssembly.compile(code as Uint8Array<ArrayBuffer>);
  } catch (e) {
    compileFailed(a.manifest, fileLabel(a, file), e);
  }
  checkModule(a.manifest, file, module, fileLabel(a, file));
  // Only now, with the manifest vouched for by the module, is what it says the module needs true.
  requireFeatures(a.manifest.features, a.manifest.kernels.join(', ') || a.manifest.model);
  return module;
}

/**
 * Throws why the module at `where` did not compile: an EngineError naming the feature when the
 * manifest says the module needs one this engine lacks (relaxed SIMD), else a ModelError.
 */
export function compileFailed(m: Manifest, where: string, e: unknown): never {
  requireFeatures(m.features, m.kernels.join(', ') || m.model);
  throw new ModelError(`${where}: not a module this engine can compile (${(e as Error).message})`);
}

/**
 * The imports a module takes: the memory, and the clock check its time loops call (`timeoutMs`); a
 * module with no loop to check may leave the clock out.
 */
const IMPORTS: readonly string[] = [`${IMPORT_MODULE}.${EXPIRED_IMPORT}:function`, `${IMPORT_MODULE}.${MEMORY_IMPORT}:memory`];
const OPTIONAL_IMPORTS: readonly string[] = [`${IMPORT_MODULE}.${EXPIRED_IMPORT}:function`];

/** Throws a ModelError naming `where` unless `module` carries this manifest's section, our imports and the entry. */
export function checkModule(m: Manifest, file: ModuleFile, module: WebAssembly.Module, where: string): void {
  const sections = WebAssembly.Module.customSections(module, MANIFEST_SECTION);
  const want = manifestSection(m, file);
  if (sections.length !== 1) throw new ModelError(`${where}: not a module of an rnnc artifact (it has ${sections.length} '${MANIFEST_SECTION}' sections, expected 1)`);
  const found = new TextDecoder().decode(sections[0]);
  if (found !== want) {
    throw new ModelError(`${where}: compiled with another manifest (its '${MANIFEST_SECTION}' section says '${found.slice(0, 80)}', ` +
      `this manifest needs '${want}'): the manifest was edited or the files come from different artifacts; recompile`);
  }
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`).sort();
  const missing = IMPORTS.filter((i) => !imports.includes(i) && !OPTIONAL_IMPORTS.includes(i));
  if (missing.length > 0 || imports.some((i) => !IMPORTS.includes(i)) || new Set(imports).size !== imports.length) {
    throw new ModelError(`${where}: imports ${imports.join(', ') || 'nothing'}; expected ${IMPORTS.join(', ')}`);
  }
  if (!WebAssembly.Module.exports(module).some((x) => x.name === ENTRY && x.kind === 'function')) {
    throw new ModelError(`${where}: exports no function '${ENTRY}'`);
  }
}

/** Instantiates a checked module; a link failure or a trap in its start function is a ModelError naming `where`. */
export async function instantiate(module: WebAssembly.Module, imports: ModuleImports, where: string): Promise<WebAssembly.Instance> {
  try {
    return await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
  } catch (e) {
    throw new ModelError(`${where}: cannot be instantiated (${(e as Error).message})`);
  }
}
