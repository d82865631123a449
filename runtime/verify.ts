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

/**
 * Bytes whose digest this process has already checked, with that digest: the artifact cache checks
 * an entry's files as it reads them and the engine made from them right after would hash them
 * again. Only checkDigest writes here, and the map is not exported, so nothing outside the
 * runtime can mark bytes as checked; the engine takes each mark once (takeVouched).
 */
const vouched = new WeakMap<Uint8Array, string>();
let hashed = 0;

/** Files hashed by this process so far (for tests: a load hashes each file once). */
export const filesHashed = (): number => hashed;

/**
 * Throws a ModelError naming `where` unless `bytes` have the digest the manifest recorded for
 * `file`; with `vouch`, remembers that they do, for the next check of the same bytes to skip.
 */
export function checkDigest(m: Manifest, file: ArtifactFile, bytes: Uint8Array, where: string, vouch = false): void {
  if (takeVouched(bytes) === m.digests[file]) return;
  hashed++;
  const got = fileDigest(bytes);
  if (got === m.digests[file]) {
    if (vouch) vouched.set(bytes, got);
    return;
  }
  throw new ModelError(`${where}: ${bytes.byteLength} bytes of digest ${got}, but the manifest records digest ${m.digests[file]}: ` +
    'the file was changed or truncated after compiling, or comes from another artifact; recompile');
}

/** The digest checkDigest vouched for `bytes`, forgetting it: a mark serves one load. */
function takeVouched(bytes: Uint8Array): string | undefined {
  const digest = vouched.get(bytes);
  vouched.delete(bytes);
  return digest;
}

/**
 * Checks the digest of the image and of each module still in bytes (a compiled one is checked
 * where it was fetched). With `vouch` (a loader handing the files to an engine next), the engine's
 * own check of these same bytes passes without hashing them again.
 */
export function checkFileDigests(a: Artifact, vouch = false): void {
  checkDigest(a.manifest, 'image', a.image, fileLabel(a, 'image'), vouch);
  for (const file of ['wasm', 'wasmThreads'] as const) {
    const bytes = a[file];
    if (bytes instanceof Uint8Array) checkDigest(a.manifest, file, bytes, fileLabel(a, file), vouch);
  }
}

/**
 * Starts compiling one of the artifact's modules, if still bytes, for loadModule to finish: the
 * engine hashes the other files meanwhile. Compiling runs nothing, so it may start before the
 * digests are checked; a failure waits for loadModule, after them, and is never left unhandled.
 */
export function startCompile(a: Artifact, file: ModuleFile): Promise<WebAssembly.Module> | null {
  const code = a[file];
  if (!(code instanceof Uint8Array)) return null;
  const ahead = compiledAhead.get(code);
  compiledAhead.delete(code);
  if (ahead) return ahead;
  const compiling = WebAssembly.compile(code as Uint8Array<ArrayBuffer>);
  compiling.catch(() => {});
  return compiling;
}

/**
 * Compiles begun by a loader for the engine it hands the artifact to (compileAhead), by the bytes
 * compiled. Not exported: what the engine finds here was compiled from exactly those bytes, and it
 * still checks the module against the manifest.
 */
const compiledAhead = new WeakMap<Uint8Array, Promise<WebAssembly.Module>>();

/**
 * Starts compiling the artifact's modules off this thread, for an engine made from it next: the
 * loader checks the files' digests meanwhile. `files`: the modules the engine is expected to run
 * (an engine that picks another compiles it itself).
 */
export function compileAhead(a: Artifact, files: readonly ModuleFile[]): void {
  for (const file of files) {
    const code = a[file];
    if (!(code instanceof Uint8Array)) continue;
    const compiling = WebAssembly.compile(code as Uint8Array<ArrayBuffer>);
    compiling.catch(() => {});
    compiledAhead.set(code, compiling);
  }
}

/**
 * Compiles one of the artifact's modules (if still bytes; `compiling` when startCompile began it)
 * and checks that it is the manifest's.
 */
export async function loadModule(a: Artifact, file: ModuleFile, compiling: Promise<WebAssembly.Module> | null = null): Promise<WebAssembly.Module> {
  const code = a[file]!;
  let module: WebAssembly.Module;
  try {
    module = code instanceof WebAssembly.Module ? code : await (compiling ?? WebAssembly.compile(code as Uint8Array<ArrayBuffer>));
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
