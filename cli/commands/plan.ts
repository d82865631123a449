/** `rnnc plan MODEL | --cell ... --input ... --hidden ... [--workers N|auto]`: plan, partition, loop nest. */
import { lowerModel } from '../../compiler/frontend/index.js';
import { cellModel } from '../../compiler/frontend/cell_model.js';
import { planModel } from '../../compiler/plan/model.js';
import { describePartition, describePlan } from '../../compiler/plan/describe.js';
import { MAX_WORKERS } from '../../contract/control.js';
import { recommendedWorkers } from '../../contract/manifest.js';
import { availableParallelism } from 'node:os';
import { InputError } from '../../contract/errors.js';
import { modelOptions, planOptions, readModelFile, type PlanFlags } from './common.js';
import { descriptorFromFlags, type ShapeFlags } from './kernel.js';

export interface PlanCommandFlags extends Partial<ShapeFlags>, PlanFlags {
  workers?: string;
}

export async function planCommand(model: string | undefined, f: PlanCommandFlags): Promise<void> {
  if (!model && (!f.cell || !f.input || !f.hidden)) throw new InputError('rnnc plan needs a model file, or --cell, --input and --hidden');
  // Flags first: a bad --workers fails before the plan is printed.
  const asked = f.workers === undefined || f.workers === 'auto' ? undefined : Number(f.workers);
  if (asked !== undefined && !(Number.isInteger(asked) && asked >= 1 && asked <= MAX_WORKERS)) {
    throw new InputError(`--workers expects auto or an integer in 1..${MAX_WORKERS}, got '${f.workers}'`);
  }
  // A shape is planned as the one-node model of it: the same path as a model file.
  const bytes = model ? await readModelFile(model) : cellModel(descriptorFromFlags(f as ShapeFlags));
  const { program, summary } = lowerModel(bytes, { source: model ?? `--cell ${f.cell}`, batch: f.batch, ...modelOptions(f) });
  if (model) console.log(summary.join('\n'));
  const plan = planModel(program, planOptions(f));
  const plans = plan.cells, choice = plan.workers;
  for (const p of plans) console.log(`\n${describePlan(p)}`);
  const workers = asked ?? recommendedWorkers({ workers: choice }, availableParallelism());
  console.log(`\nworkers: ${f.workers === undefined || f.workers === 'auto' ? `auto (${workers} on this machine's ${availableParallelism()} cores)` : `${workers} (asked)`}`);
  for (const r of choice.reasons) console.log(`  - ${r}`);
  console.log(describePartition(plans, workers));
}
