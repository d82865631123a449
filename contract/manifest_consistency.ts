/**
 * What the fields of a manifest must agree on, once each has its type and range
 * (manifest_check.ts): static memory in order, every buffer id naming a buffer, each input and
 * output the size of its buffer, fed weights packed inside the image, a digest for each file. The
 * digests catch any edit; these checks name the field at fault and keep every read and write the
 * runtime makes from the manifest's numbers inside the memory they describe.
 */
import { RESERVED } from './abi.js';
import { CONTROL_BYTES } from './control.js';
import type { Dim } from './dims.js';
import { ModelError } from './errors.js';
import type { FedWeights, Manifest, ManifestIO } from './manifest.js';

type Bad = (what: string) => never;

/** Throws a ModelError naming `where` and the fields that disagree. */
export function checkConsistency(m: Manifest, where: string): void {
  const bad: Bad = (what) => {
    throw new ModelError(`${where}: ${what} (the manifest was edited or damaged after compiling; recompile)`);
  };
  checkMemory(m, bad);
  checkBufferIds(m, bad);
  for (const [side, list] of [['inputs', m.inputs], ['outputs', m.outputs]] as const) {
    list.forEach((io, i) => checkIO(m, io, `${side}[${i}]`, bad));
    const names = list.map((io) => io.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) bad(`two ${side} are named '${twice}'`);
  }
  m.fedWeights.forEach((f, i) => checkFedWeights(m, f, `fedWeights[${i}]`, bad));
  checkFiles(m, bad);
}

/** Control block, buffer table, image, in this order after the reserved low memory, 16-byte aligned. */
function checkMemory(m: Manifest, bad: Bad): void {
  const order: [keyof Manifest & string, number, string][] = [
    ['controlOffset', RESERVED, 'the reserved low memory'],
    ['tableOffset', m.controlOffset + CONTROL_BYTES, `the control block (${CONTROL_BYTES} bytes at controlOffset)`],
    ['imageBegin', m.tableOffset + 4 * m.buffers.length, `the buffer table (4 bytes per buffer at tableOffset)`],
    ['imageEnd', m.imageBegin, 'imageBegin'],
    ['staticEnd', m.imageEnd, 'imageEnd'],
  ];
  for (const [field, least, after] of order) {
    const v = m[field] as number;
    if (v % 16 !== 0) bad(`field '${field}' is ${v}; expected a multiple of 16`);
    if (v < least) bad(`field '${field}' is ${v}; expected at least ${least}, past ${after}`);
  }
}

/** Every buffer id names one of `buffers`; state inputs are inputs. */
function checkBufferIds(m: Manifest, bad: Bad): void {
  const n = m.buffers.length;
  const ids: [string, number][] = [
    ...m.inputs.map((io, i): [string, number] => [`inputs[${i}].buffer`, io.buffer]),
    ...m.outputs.map((io, i): [string, number] => [`outputs[${i}].buffer`, io.buffer]),
    ...m.checks.map((c, i): [string, number] => [`checks[${i}].buffer`, c.buffer]),
    ...m.stateInputs.map((b, i): [string, number] => [`stateInputs[${i}]`, b]),
    ...m.fedWeights.flatMap((f, i) => (['W', 'R', 'B', 'P'] as const).map((w): [string, number] => [`fedWeights[${i}].${w}`, f[w]])),
  ];
  for (const [field, id] of ids) {
    // -1 is "absent", allowed by the schema only where a weight may be (B, P).
    if (id >= n) bad(`field '${field}' is ${id}; expected a buffer id below ${n} (buffers has ${n} entries)`);
  }
  m.stateInputs.forEach((b, i) => {
    if (!m.inputs.some((io) => io.buffer === b)) bad(`field 'stateInputs[${i}]' is ${b}; expected the buffer of an input`);
  });
}

/** An input or output: a type it accepts, groups that cover its dims, the size of its buffer. */
function checkIO(m: Manifest, io: ManifestIO, at: string, bad: Bad): void {
  if (!io.accepts.includes(io.dtype)) bad(`field '${at}.accepts' is [${io.accepts.join(', ')}]; expected it to include its dtype ${io.dtype}`);
  const grouped = io.groups?.reduce((s, g) => s + g, 0);
  if (grouped !== undefined && grouped !== io.dims.length) bad(`field '${at}.groups' covers ${grouped} dims; expected all ${io.dims.length} of its dims`);
  const buffer = m.buffers[io.buffer].dims;
  if (sizeOf(io.dims) !== sizeOf(buffer)) bad(`field '${at}.dims' is [${io.dims.join(', ')}]; expected the size of buffer ${io.buffer}, [${buffer.join(', ')}]`);
}

/** A size with seq and batch left symbolic: the same for two dims lists iff they hold as many elements in every call. */
function sizeOf(dims: readonly Dim[]): string {
  let seq = 0, batch = 0, fixed = 1;
  for (const d of dims) {
    if (d === 'seq') seq++;
    else if (d === 'batch') batch++;
    else fixed *= d;
  }
  return `${fixed} * seq^${seq} * batch^${batch}`;
}

/** Fed weights: a layout whose packed regions lie inside the image, and fed buffers of its sizes. */
function checkFedWeights(m: Manifest, f: FedWeights, at: string, bad: Bad): void {
  const k = f.layout, I = k.inputSize, H = k.hiddenSize, Hp = k.hiddenPadded, G = k.gates, D = k.directions;
  if (Hp < H || Hp % k.unitsPerBlock !== 0) bad(`field '${at}.layout.hiddenPadded' is ${Hp}; expected a multiple of unitsPerBlock ${k.unitsPerBlock}, at least hiddenSize ${H}`);
  if (k.xwStride % k.panelWidth !== 0) bad(`field '${at}.layout.xwStride' is ${k.xwStride}; expected a multiple of panelWidth ${k.panelWidth}`);
  if (k.offsets.length !== D) bad(`field '${at}.layout.offsets' has ${k.offsets.length} entries; expected one per direction (${D})`);
  if (k.weightsBegin < m.imageBegin || k.weightsEnd > m.imageEnd || k.weightsBegin > k.weightsEnd) {
    bad(`field '${at}.layout' packs weights in [${k.weightsBegin}, ${k.weightsEnd}); expected a range inside the image [${m.imageBegin}, ${m.imageEnd})`);
  }
  k.offsets.forEach((o, d) => {
    if (o.rPanels.length !== k.phases.length) bad(`field '${at}.layout.offsets[${d}].rPanels' has ${o.rPanels.length} entries; expected one per phase (${k.phases.length})`);
    const regions: [string, number, number][] = [
      ['wPanels', o.wPanels, k.xwStride * I], ['xwBias', o.xwBias, k.xwStride],
      ...k.phases.map((gates, p): [string, number, number] => [`rPanels[${p}]`, o.rPanels[p], Hp * H * gates.length]),
      ...(k.separateBias !== null ? [['rbh', o.rbh, Hp] as [string, number, number]] : []),
      ...(k.hasPeepholes ? [['peep', o.peep, 3 * Hp] as [string, number, number]] : []),
    ];
    for (const [name, begin, floats] of regions) {
      if (begin % 4 !== 0 || begin < k.weightsBegin || begin + 4 * floats > k.weightsEnd) {
        bad(`field '${at}.layout.offsets[${d}].${name}' is ${begin}; expected ${4 * floats} bytes, 4-byte aligned, inside [weightsBegin ${k.weightsBegin}, weightsEnd ${k.weightsEnd})`);
      }
    }
  });
  const sizes: [keyof FedWeights & string, number][] = [['W', D * G * H * I], ['R', D * G * H * H], ['B', D * 2 * G * H], ['P', D * 3 * H]];
  for (const [w, n] of sizes) {
    if (f[w] as number < 0) continue;
    const dims = m.buffers[f[w] as number].dims;
    if (dims.every((d) => typeof d === 'number') && sizeOf(dims) !== sizeOf([n])) {
      bad(`field '${at}.${w}' is buffer ${f[w]} of dims [${dims.join(', ')}]; expected ${n} elements for the layout`);
    }
  }
}

/** Distinct file names, and a digest exactly for each file named. */
function checkFiles(m: Manifest, bad: Bad): void {
  const names = [m.files.wasm, m.files.wasmThreads, m.files.image].filter((n): n is string => n !== null);
  if (new Set([...names, 'manifest.json']).size !== names.length + 1) bad(`field 'files' names [${names.join(', ')}]; expected distinct files other than manifest.json`);
  if ((m.files.wasmThreads === null) !== (m.digests.wasmThreads === null)) {
    bad(`field 'digests.wasmThreads' is ${String(m.digests.wasmThreads)}; expected a digest exactly when files.wasmThreads names a module (it is ${String(m.files.wasmThreads)})`);
  }
}
