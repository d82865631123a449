/** `rnnc plan MODEL | --cell ... --input ... --hidden ... [--workers N|auto]`: plan, partition, loop nest. */
import { lowerModel } from '../../compiler/frontend/index.js';
import { makePlan, type Plan } from '../../compiler/plan/cell.js';
import { planModel } from '../../compiler/plan/model.js';
import { describePartition, describePlan } from '../../compiler/plan/describe.js';
import { recommendWorkers, workersFor } from '../../compiler/plan/workers.js';
import { availableParallelism } from 'node:os';
import { InputError } from '../../contract/errors.js';
import { planOptions, readModelFile, type PlanFlags } from './common.js';
import { descriptorFromFlags, type ShapeFlags } from './kernel.js';

export interface PlanCommandFlags extends Partial<ShapeFlags>, PlanFlags {
  workers?: string;
}

export async function planCommand(model: string | undefined, f: PlanCommandFlags): Promise<void> {
  let plans: Plan[];
  if (model) {
    const { program, summary } = lowerModel(await readModelFile(model), { source: model, batch: f.batch });
    console.log(summary.join('\n'));
    plans = [...planModel(program, planOptions(f)).cells];
  } else {
    if (!f.cell || !f.input || !f.hidden) throw new InputError('rnnc plan needs a model file, or --cell, --input and --hidden');
    plans = [makePlan(descriptorFromFlags(f as ShapeFlags), planOptions(f))];
  }
  for (const p of plans) console.log(`\n${describePlan(p)}`);
  const choice = recommendWorkers(plans);
  let workers = workersFor(choice, availableParallelism());
  if (f.workers !== undefined && f.workers !== 'auto') {
    workers = Number(f.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new InputError(`--workers expects auto or an integer in 1..64, got '${f.workers}'`);
  }
  console.log(`\nworkers: ${f.workers === undefined || f.workers === 'auto' ? `auto (${workers} on this machine's ${availableParallelism()} cores)` : `${workers} (asked)`}`);
  for (const r of choice.reasons) console.log(`  - ${r}`);
  console.log(describePartition(plans, workers));
}
