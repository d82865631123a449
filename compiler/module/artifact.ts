/**
 * program -> artifact: the module, the manifest the runtime reads, and the static memory
 * image (packed weights and constants). ./write.ts writes an artifact directory.
 */
import type { BufRef, Operand, Program, ProgramIO } from '../frontend/program.js';
import type { Plan } from '../plan/cell.js';
import { planModel, type ModelPlanOptions } from '../plan/model.js';
import { fnv1a64 } from '../../contract/hash.js';
import { fileDigest, MANIFEST_SECTION, manifestSection, type ModuleFile } from '../../contract/artifact_digest.js';
import { stepKernel } from '../ops/index.js';
import { rangeChecks } from '../frontend/range_checks.js';
import { buildModule } from './module.js';
export { writeArtifact } from './write.js';
import { describePlan } from '../plan/describe.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Artifact, type Manifest, type ManifestIO } from '../../contract/manifest.js';
import { uleb } from '../emit/wasm/bytes.js';

export interface CompileOptions extends ModelPlanOptions {
  /** Also produce the text form of the single-worker module (binaryen's printer). */
  readonly text?: boolean;
  /**
   * 'full': run binaryen's -O3 on the modules (seconds; a few percent on small cells). Default: the
   * emitters' own output, validated (`false` says the same).
   */
  readonly optimize?: boolean | 'full';
  /** Names the model in the manifest and messages. */
  readonly name?: string;
}

export interface CompileResult {
  readonly artifact: Artifact;
  /** The RNN plans in step order. */
  readonly plans: readonly Plan[];
  /** Convenience: the first RNN plan. */
  readonly plan: Plan;
  readonly text?: string;
}

/** Plans, emits and packages a program. */
export function compileProgram(program: Program, opts: CompileOptions = {}, summary: readonly string[] = []): CompileResult {
  const plan = planModel(program, opts);
  const optimize = opts.optimize === 'full';
  const mod = buildModule(plan, { text: opts.text, optimize });
  const plans = plan.cells;
  const modThreads = plan.threads ? buildModule(plan, { threads: true, optimize }) : null;
  const io = (x: ProgramIO): ManifestIO => ({
    name: x.name, dtype: x.dtype, accepts: x.dtype === 'int32' ? ['int32', 'int64'] : ['float32'], dims: [...x.dims], buffer: x.buffer,
    ...(x.groups ? { groups: [...x.groups] } : {}),
  });
  const checks = rangeChecks(program);
  const fedWeights = program.steps.flatMap((step, i) => stepKernel(step.op).fedWeights?.(step, plan.steps[i]) ?? []);
  const lines = [...summary, ...plans.flatMap((p) => describePlan(p).split('\n')), 'workers:', ...plan.workers.reasons.map((r) => `  - ${r}`)];
  const mem = plan.memory;
  const unsealed: Unsealed = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    model: opts.name ?? 'model',
    // The artifact key is the plan's, unless binaryen's optimizer ran (other bytes, same plan).
    key: optimize ? fnv1a64(`${plan.key}:optimized`) : plan.key,
    kernels: plans.map((p) => p.kernelName),
    features: mod.features,
    maxBatch: program.maxBatch,
    inputs: program.inputs.map(io),
    bound: (program.bound ?? []).map((x) => ({ name: x.name, accepts: x.dtype === 'int32' ? ['int32', 'int64'] : ['float32'], dims: [...x.dims], value: [...x.value] })),
    outputs: program.outputs.map(io),
    buffers: mem.buffers,
    imageBegin: mem.imageBegin,
    imageEnd: mem.imageEnd,
    tableOffset: mem.tableOffset,
    controlOffset: mem.controlOffset,
    workers: { byCores: plan.workers.byCores, reasons: plan.workers.reasons },
    staticEnd: mem.imageEnd,
    fedWeights,
    stateInputs: stateInputs(program),
    streamable: plan.streamable,
    checks,
    files: { wasm: 'model.wasm', wasmThreads: modThreads ? 'model.mt.wasm' : null, image: 'weights.bin' },
    summary: lines,
  };
  return { artifact: seal(unsealed, mod.wasm, modThreads?.wasm ?? null, mem.image), plans, plan: plans[0], text: mod.text };
}

type Unsealed = Omit<Manifest, 'digests'>;

/**
 * Binds the parts of an artifact to each other (contract/artifact_digest.ts): each module gets the
 * digest of the manifest in a custom section, then the manifest gets the digest of every file.
 */
function seal(m: Unsealed, wasm: Uint8Array, wasmThreads: Uint8Array | null, image: Uint8Array): Artifact {
  const stamp = (bytes: Uint8Array, file: ModuleFile) => withCustomSection(bytes, MANIFEST_SECTION, manifestSection(m, file));
  const single = stamp(wasm, 'wasm');
  const threads = wasmThreads && stamp(wasmThreads, 'wasmThreads');
  const digests = { wasm: fileDigest(single), wasmThreads: threads && fileDigest(threads), image: fileDigest(image) };
  return { manifest: { ...m, digests }, wasm: single, wasmThreads: threads, image };
}

/** `wasm` with a custom section appended: engines skip it, WebAssembly.Module.customSections reads it. */
function withCustomSection(wasm: Uint8Array, name: string, payload: string): Uint8Array {
  const utf8 = new TextEncoder();
  const nameBytes = utf8.encode(name), data = utf8.encode(payload);
  const body = [...uleb(nameBytes.length), ...nameBytes, ...data];
  const section = [0, ...uleb(body.length), ...body];
  const out = new Uint8Array(wasm.length + section.length);
  out.set(wasm);
  out.set(section, wasm.length);
  return out;
}

/** Graph inputs read only as initial states (a streaming call that resumes may leave them out). */
function stateInputs(program: Program): number[] {
  const uses = new Map<number, { state: number; other: number }>();
  const note = (buffer: number, state: boolean) => {
    const u = uses.get(buffer) ?? { state: 0, other: 0 };
    if (state) u.state++; else u.other++;
    uses.set(buffer, u);
  };
  for (const step of program.steps) {
    const state = new Set(stepKernel(step.op).stateOperands?.(step) ?? []);
    for (const v of Object.values(step)) {
      for (const r of Array.isArray(v) ? v : [v]) if (r && typeof r === 'object' && 'buffer' in r) note((r as BufRef).buffer, state.has(r as Operand));
    }
  }
  return program.inputs.filter((i) => { const u = uses.get(i.buffer); return u && u.state > 0 && u.other === 0; }).map((i) => i.buffer);
}
