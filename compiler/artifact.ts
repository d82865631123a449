/**
 * Model -> artifact: the kernel module, the manifest the runtime reads, the packed weights image and
 * the raw constants. Also writes an artifact directory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RnnModel, InputRole } from './model.js';
import { makePlan, type Plan, type PlanOptions } from './plan.js';
import { buildKernel } from './module.js';
import { packWeights } from '../runtime/layout.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Artifact, type Manifest, type ManifestConstant } from '../runtime/manifest.js';

export interface CompileOptions extends PlanOptions {
  /** Also produce the text form of the kernel (binaryen's printer). */
  readonly text?: boolean;
}

export interface CompileResult {
  readonly artifact: Artifact;
  readonly plan: Plan;
  readonly text?: string;
}

const WEIGHT_ROLES: readonly InputRole[] = ['W', 'R', 'B', 'P'];

/** Plans, emits and packages one RNN node. */
export function compileRnnModel(model: RnnModel, opts: CompileOptions = {}): CompileResult {
  const plan = makePlan(model.descriptor, opts);
  const kernel = buildKernel(plan, { text: opts.text });
  const k = plan.layout;
  const fedRoles = new Set(model.feeds.map((f) => f.role));
  const weightsConstant = !WEIGHT_ROLES.some((r) => fedRoles.has(r));

  let weights: Uint8Array | null = null;
  if (weightsConstant) {
    const c = model.constants;
    const image = new Float32Array(k.weightsEnd / 4);
    packWeights(k, {
      W: c.W!.data as Float32Array, R: c.R!.data as Float32Array,
      B: (c.B?.data as Float32Array | undefined) ?? null, P: (c.P?.data as Float32Array | undefined) ?? null,
    }, image);
    weights = new Uint8Array(image.buffer, k.weightsBegin, k.weightsEnd - k.weightsBegin).slice();
  }
  // Constants the runtime needs raw: everything but weights already packed into the image.
  const raw: ManifestConstant[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [role, t] of Object.entries(model.constants) as [InputRole, NonNullable<RnnModel['constants'][InputRole]>][]) {
    if (weightsConstant && WEIGHT_ROLES.includes(role)) continue;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
    raw.push({ role, dtype: t.data instanceof Int32Array ? 'int32' : 'float32', dims: [...t.dims], offset });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const constants = chunks.length ? concat(chunks) : null;
  const d = model.descriptor;
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    node: model.nodeName,
    key: plan.key,
    kernel: plan.kernelName,
    features: kernel.features,
    cell: { direction: d.direction, hasSequenceLens: d.hasSequenceLens, hasInitialH: d.hasInitialH, hasInitialC: d.hasInitialC },
    layout: k,
    inputs: model.feeds.map((f) => ({ name: f.name, role: f.role, dtype: f.dtype, dims: [...f.dims] })),
    outputs: model.outputs.map((o) => ({ name: o.name, role: o.role })),
    constants: raw,
    files: { wasm: 'kernel.wasm', weights: weights ? 'weights.bin' : null, constants: constants ? 'constants.bin' : null },
    plan: { descriptor: d, rowsPerBlock: plan.rowsPerBlock, kUnroll: plan.kUnroll, gemmRows: plan.gemmRows, gemmKUnroll: plan.gemmKUnroll, relaxedSimd: plan.relaxedSimd, reasons: plan.reasons },
  };
  return { artifact: { manifest, wasm: kernel.wasm, weights, constants }, plan, text: kernel.text };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Writes `manifest.json` and the files it names into `dir` (created if needed). Returns the paths. */
export async function writeArtifact(dir: string, a: Artifact): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const m = a.manifest;
  const files: [string, Uint8Array | string][] = [['manifest.json', JSON.stringify(m, null, 2) + '\n']];
  files.push([m.files.wasm, a.wasm as Uint8Array]);
  if (m.files.weights && a.weights) files.push([m.files.weights, a.weights]);
  if (m.files.constants && a.constants) files.push([m.files.constants, a.constants]);
  const written: string[] = [];
  for (const [name, data] of files) {
    const p = path.join(dir, name);
    await writeFile(p, data);
    written.push(p);
  }
  return written;
}
