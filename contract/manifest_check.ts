/**
 * The artifact manifest as untrusted input: its format and version, then every field's type and
 * range (the schema below), then what the fields must agree on (manifest_consistency.ts). A file
 * named in it is a plain name inside the artifact directory, so no manifest makes the runtime read
 * or fetch anything outside it.
 */
import { MAX_PAGES, PAGE_BYTES } from './abi.js';
import { ModelError } from './errors.js';
import { MAX_WORKERS } from './control.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Manifest } from './manifest.js';
import { checkConsistency } from './manifest_consistency.js';
import { array, bool, int, is, nullable, oneOf, record, text, type Check } from './schema.js';

/** A byte offset in the largest memory a module may have. */
const offset = int(0, MAX_PAGES * PAGE_BYTES);
const count = int(0, 2 ** 31 - 1);
const positive = int(1, 2 ** 31 - 1);
/** A buffer id; that it names a buffer is checked with the others (manifest_consistency.ts). */
const bufferId = int(0, 2 ** 20);
const optionalBufferId = int(-1, 2 ** 20);
const name = text(4096);
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 31;
const dim = is((v) => v === 'seq' || v === 'batch' || isCount(v), 'a whole number, "seq" or "batch"');
const dims = array(dim, 0, 32);
const digest = text(16, /^[0-9a-f]{16}$/, '16 hexadecimal digits (a digest written by rnnc compile)');
/** A plain file name: no separator, no '..', no drive or scheme, nothing a path or URL would resolve elsewhere. */
export const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const fileName = text(128, FILE_NAME, 'a plain file name inside the artifact directory (up to 128 letters, digits, "_", "." and "-", not starting with "."; no path)');

const io = record({
  name, dtype: oneOf('float32', 'int32'), accepts: array(oneOf('float32', 'int32', 'int64'), 1, 3),
  dims, buffer: bufferId, groups: array(int(1, 32), 1, 32),
}, ['groups']);

const directionOffsets = record({ wPanels: offset, xwBias: offset, rPanels: array(offset, 1, 4), rbh: offset, peep: offset });

const kernelLayout = record({
  cell: oneOf('lstm', 'gru', 'rnn'), inputSize: positive, hiddenSize: positive, maxBatch: positive,
  directions: oneOf(1, 2), layout: oneOf(0, 1), gates: int(1, 4), unitsPerBlock: int(4, 4096),
  hiddenPadded: positive, phases: array(array(int(0, 3), 1, 4), 1, 4), panelWidth: int(1, 4096),
  xwStride: positive, separateBias: nullable(int(0, 3)), hasPeepholes: bool,
  offsets: array(directionOffsets, 1, 2), weightsBegin: offset, weightsEnd: offset, staticEnd: offset,
});

/** Every field of a manifest this runtime reads (MANIFEST_VERSION), its type and range. */
const manifestSchema: Check = record({
  format: oneOf(MANIFEST_FORMAT),
  version: oneOf(MANIFEST_VERSION),
  model: name,
  key: digest,
  kernels: array(name),
  features: record({ simd: oneOf(true), relaxedSimd: bool, threads: bool }),
  maxBatch: positive,
  inputs: array(io),
  outputs: array(io, 1),
  buffers: array(record({ dims, slack: count })),
  imageBegin: offset,
  imageEnd: offset,
  tableOffset: offset,
  controlOffset: offset,
  workers: record({ byCores: array(int(1, MAX_WORKERS), 1, 4096), reasons: array(text(4096)) }),
  staticEnd: offset,
  fedWeights: array(record({ node: name, layout: kernelLayout, W: bufferId, R: bufferId, B: optionalBufferId, P: optionalBufferId })),
  stateInputs: array(bufferId),
  streamable: bool,
  bound: array(record({
    name, accepts: array(oneOf('float32', 'int32', 'int64'), 1, 3), dims: array(int(1, 2 ** 20), 0, 8),
    value: array(is((v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'), 1, 4096),
  })),
  checks: array(record({ buffer: bufferId, bound: is((v) => v === 'seq' || (isCount(v) && v !== 0), 'a positive integer or "seq"'), what: name })),
  files: record({ wasm: fileName, wasmThreads: nullable(fileName), image: fileName }),
  digests: record({ wasm: digest, wasmThreads: nullable(digest), image: digest }),
  summary: array(text(1 << 16)),
  fused: fileName,
  fusedKey: digest,
}, ['fused', 'fusedKey']);

/** Returns `json` as a Manifest, or throws a ModelError naming `where` (a path or URL) and the field at fault. */
export function checkManifest(json: unknown, where: string): Manifest {
  const m = json as Partial<Manifest> | null;
  if (!m || typeof m !== 'object' || m.format !== MANIFEST_FORMAT) {
    throw new ModelError(`${where}: not an rnnc artifact manifest (format '${String(m?.format)}')`);
  }
  if (m.version !== MANIFEST_VERSION) {
    throw new ModelError(`${where}: artifact version ${String(m.version)}; this runtime reads version ${MANIFEST_VERSION} (recompile with this rnnc)`);
  }
  manifestSchema(json, '', where);
  checkConsistency(json as Manifest, where);
  return json as Manifest;
}
