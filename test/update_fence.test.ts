/**
 * The cell update's fences (compiler/emit/rnn/step.ts, UpdateContext.fence): after each gate's
 * activation its value is stored, so the next activation's pooled constants load after that store.
 * Without them, TurboFan loads every constant of a group of four units at the group's top and
 * spills most of them (LSTM 64/64: 265 stack accesses in the step, 71 with the fences).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, type CellDescriptor } from '../compiler/cells/descriptor.js';
import { cellModel } from '../compiler/frontend/cell_model.js';
import { compileModel } from '../compiler/index.js';
import { functionText } from './wat_text.js';


/**
 * Per activation of the update (each ends in one f32x4.div: sigmoid's 1 / (1 + e), tanh's quotient),
 * whether a v128.store comes between it and the next: the update pass of phase `phase`.
 */
function storesBetweenActivations(d: CellDescriptor, phase: number): boolean[] {
  const r = compileModel(cellModel(d), { threads: false, optimize: false, text: true });
  const step = functionText(r.text!, `${r.plan.symbol}_step_d0_p${phase}_r1`);
  const pieces = step.split('f32x4.div').slice(1, -1);
  return pieces.map((p) => p.includes('v128.store'));
}

const CASES: [string, CellDescriptor, number, number][] = [
  // i, f, g(c), o, then h(C): the update of 4 units has five activations, four fenced.
  ['LSTM', describeCell({ cell: 'lstm', inputSize: 3, hiddenSize: 4 }), 0, 5],
  // z, r, then h~ (linear_before_reset).
  ['GRU', describeCell({ cell: 'gru', inputSize: 3, hiddenSize: 4, linearBeforeReset: true }), 0, 3],
  // phase 0: z and r only (their values go to scratch after both).
  ['GRU, two phases', describeCell({ cell: 'gru', inputSize: 3, hiddenSize: 4 }), 0, 2],
];

for (const [name, d, phase, activations] of CASES) {
  test(`${name}: every activation of the update but the last is followed by a store before the next`, () => {
    const fenced = storesBetweenActivations(d, phase);
    assert.is(fenced.length, activations - 1, `${name}: ${activations} activations (divisions) in the update of one group of units`);
    assert.equal(fenced, fenced.map(() => true), `${name}: a store (the fence) between each two activations`);
  });
}

test.run();
