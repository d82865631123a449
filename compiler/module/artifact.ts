/**
 * program -> artifact: the module, the manifest the runtime reads, and the static memory
 * image (packed weights and constants). Also writes an artifact directory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BufRef, Operand, Program, ProgramIO } from '../frontend/program.js';
import type { Plan } from '../plan/cell.js';
import { planModel, type ModelPlanOptions } from '../plan/model.js';
import { fnv1a64 } from '../../contract/hash.js';
import { stepKernel } from '../ops/index.js';
import { rangeChecks } from '../frontend/range_checks.js';
import { buildModule } from './module.js';
import { describePlan } from '../plan/describe.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, type Artifact, type Manifest, type ManifestIO } from '../../contract/manifest.js';

export interface CompileOptions extends ModelPlanOptions {
  /** Also produce the text form of the single-worker module (binaryen's printer). */
  readonly text?: boolean;
  /** Run binaryen's optimizer on the modules (default true; off, the text shows the emitters' own output). */
  readonly optimize?: boolean;
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
  const mod = buildModule(plan, { text: opts.text, optimize: opts.optimize });
  const plans = plan.cells;
  const modThreads = plan.threads ? buildModule(plan, { threads: true, optimize: opts.optimize }) : null;
  const io = (x: ProgramIO): ManifestIO => ({
    name: x.name, dtype: x.dtype, accepts: x.dtype === 'int32' ? ['int32', 'int64'] : ['float32'], dims: [...x.dims], buffer: x.buffer,
    ...(x.groups ? { groups: [...x.groups] } : {}),
  });
  const checks = rangeChecks(program);
  const fedWeights = program.steps.flatMap((step, i) => stepKernel(step.op).fedWeights?.(step, plan.steps[i]) ?? []);
  const lines = [...summary, ...plans.flatMap((p) => describePlan(p).split('\n')), 'workers:', ...plan.workers.reasons.map((r) => `  - ${r}`)];
  const mem = plan.memory;
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    model: opts.name ?? 'model',
    // The artifact key is the plan's, unless the modules were left unoptimized (other bytes, same plan).
    key: opts.optimize === false ? fnv1a64(`${plan.key}:unoptimized`) : plan.key,
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
  return { artifact: { manifest, wasm: mod.wasm, wasmThreads: modThreads?.wasm ?? null, image: mem.image }, plans, plan: plans[0], text: mod.text };
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


/** Writes `manifest.json` and the files it names into `dir` (created if needed). Returns the paths. */
export async function writeArtifact(dir: string, a: Artifact): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const m = a.manifest;
  const files: [string, Uint8Array | string][] = [
    ['manifest.json', JSON.stringify(m, null, 2) + '\n'],
    [m.files.wasm, a.wasm as Uint8Array],
    [m.files.image, a.image],
  ];
  if (m.files.wasmThreads && a.wasmThreads) files.push([m.files.wasmThreads, a.wasmThreads as Uint8Array]);
  const written: string[] = [];
  for (const [name, data] of files) {
    const p = path.join(dir, name);
    await writeFile(p, data);
    written.push(p);
  }
  return written;
}
