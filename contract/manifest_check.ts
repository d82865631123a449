/** Checks that parsed JSON is an artifact manifest this runtime reads (format and version). */
import { ModelError } from './errors.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest } from './manifest.js';

/** Returns `json` as a Manifest, or throws a ModelError naming `where` (a path or URL). */
export function checkManifest(json: unknown, where: string): Manifest {
  const m = json as Partial<Manifest> | null;
  if (!m || typeof m !== 'object' || m.format !== MANIFEST_FORMAT) {
    throw new ModelError(`${where}: not an rnnc artifact manifest (format '${String(m?.format)}')`);
  }
  if (m.version !== MANIFEST_VERSION) {
    throw new ModelError(`${where}: artifact version ${String(m.version)}; this runtime reads version ${MANIFEST_VERSION} (recompile with this rnnc)`);
  }
  return m as Manifest;
}
