/** `rnnc kernel --cell lstm --input 256 --hidden 256 -o k.wasm`: one shape's kernel, no model needed. */
import { writeFile } from 'node:fs/promises';
import { describeCell, type CellKind, type Direction } from '../../compiler/cells/descriptor.js';
import { makePlan } from '../../compiler/plan/cell.js';
import { buildKernel } from '../../compiler/module/kernel.js';
import { describePlan } from '../../compiler/plan/describe.js';
import { toWat } from '../../compiler/module/wat.js';
import { formatBytes, planOptions, type PlanFlags } from './common.js';

export interface ShapeFlags {
  cell: string;
  input: number;
  hidden: number;
  batch?: number;
  direction: string;
  layout: number;
  linearBeforeReset?: boolean;
  sequenceLens?: boolean;
}

export interface KernelFlags extends ShapeFlags, PlanFlags {
  output: string;
  wat?: boolean;
  verbose?: boolean;
}

export function descriptorFromFlags(f: ShapeFlags) {
  return describeCell({
    cell: f.cell.toLowerCase() as CellKind, inputSize: f.input, hiddenSize: f.hidden, maxBatch: f.batch ?? 1,
    direction: f.direction as Direction, layout: f.layout as 0 | 1, linearBeforeReset: !!f.linearBeforeReset,
    hasSequenceLens: !!f.sequenceLens,
  }, `--cell ${f.cell}`);
}

export async function kernelCommand(f: KernelFlags): Promise<void> {
  const plan = makePlan(descriptorFromFlags(f), planOptions(f));
  const k = buildKernel(plan);
  await writeFile(f.output, k.wasm);
  console.log(`${plan.kernelName} (${plan.descriptorKey}, plan ${plan.key}) -> ${f.output} (${formatBytes(k.wasm.byteLength)})`);
  if (f.wat) {
    const watPath = f.output.replace(/\.wasm$/, '') + '.wat';
    await writeFile(watPath, await toWat(k.wasm, plan.kernelName));
    console.log(`  text form -> ${watPath}`);
  }
  if (f.verbose) console.log(describePlan(plan));
}
