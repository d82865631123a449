/** `rnnc plan [model.onnx] [--cell ... --input ... --hidden ...]`: prints the plan and its loop nest. */
import { importRnnModel } from '../onnx/import.js';
import { makePlan } from '../plan.js';
import { describePlan } from '../describe.js';
import { InputError } from '../../runtime/errors.js';
import { planOptions, readModelFile, type PlanFlags } from './common.js';
import { descriptorFromFlags, type ShapeFlags } from './kernel.js';

export async function planCommand(model: string | undefined, f: Partial<ShapeFlags> & PlanFlags): Promise<void> {
  let descriptor;
  if (model) {
    descriptor = importRnnModel(await readModelFile(model), { source: model, batch: f.batch }).descriptor;
  } else {
    if (!f.cell || !f.input || !f.hidden) throw new InputError('rnnc plan needs a model file, or --cell, --input and --hidden');
    descriptor = descriptorFromFlags(f as ShapeFlags);
  }
  console.log(describePlan(makePlan(descriptor, planOptions(f))));
}
