/** `rnnc kernel --cell lstm --input 256 --hidden 256 -o k.wasm`: one shape's kernel, no model needed. */
import { writeFile } from 'node:fs/promises';
import { describeCell, gateCount, type CellKind, type Direction } from '../../compiler/cells/descriptor.js';
import { MAX_PAGES, PAGE_BYTES } from '../../contract/abi.js';
import { InputError } from '../../contract/errors.js';
import { cellModel } from '../../compiler/frontend/cell_model.js';
import { describePlan } from '../../compiler/plan/describe.js';
import { formatBytes, planOptions, writing, type PlanFlags } from './common.js';
import { importPrinter } from '../../api/compiler_import.js';

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
  // The shape's weights must fit one WebAssembly memory (2 GiB), or nothing could run it: refused
  // before a model of them is made (at --hidden 65536 that ran out of memory as an InternalError).
  const cell = f.cell.toLowerCase() as CellKind;
  const weights = gateCount(cell) * (f.direction === 'bidirectional' ? 2 : 1) * f.hidden * (f.input + f.hidden + 2) * 4;
  if (weights > MAX_PAGES * PAGE_BYTES) {
    throw new InputError(`--input ${f.input} --hidden ${f.hidden}: the ${cell.toUpperCase()}'s weights take ${formatBytes(weights)}, past the 2 GiB a WebAssembly memory holds`);
  }
  return describeCell({
    cell: f.cell.toLowerCase() as CellKind, inputSize: f.input, hiddenSize: f.hidden, maxBatch: f.batch ?? 1,
    direction: f.direction as Direction, layout: f.layout as 0 | 1, linearBeforeReset: !!f.linearBeforeReset,
    hasSequenceLens: !!f.sequenceLens,
  }, `--cell ${f.cell}`);
}

/**
 * The module of a one-node model of the shape (compiler/frontend/cell_model.ts), compiled as
 * `rnnc compile` compiles any model; its single-worker module is written.
 */
export async function kernelCommand(f: KernelFlags): Promise<void> {
  const d = descriptorFromFlags(f);
  // Loaded here, not at the top: `rnnc plan` reads descriptorFromFlags and needs neither binaryen nor wabt.
  const { compileModel } = await import('../../compiler/index.js');
  const { artifact, plan } = compileModel(cellModel(d), { ...planOptions(f), batch: d.maxBatch, threads: false, source: `--cell ${f.cell}` });
  const wasm = artifact.wasm as Uint8Array;
  await writing('-o', () => writeFile(f.output, wasm));
  console.log(`${plan.kernelName} (${plan.descriptorKey}, plan ${plan.key}) -> ${f.output} (${formatBytes(wasm.byteLength)})`);
  if (f.wat) {
    const watPath = f.output.replace(/\.wasm$/, '') + '.wat';
    const { toWat } = await importPrinter();
    const wat = await toWat(wasm, plan.kernelName);
    await writing('--wat', () => writeFile(watPath, wat));
    console.log(`  text form -> ${watPath}`);
  }
  if (f.verbose) console.log(describePlan(plan));
}
