/**
 * Placing a cell plan in a module's memory: per direction its packed W panels, the folded bias, the R
 * panels of each phase, the separate recurrent bias and the peepholes; then the scratch rows, the
 * call state and the worker partition table. Offsets only: the decisions are made (plan/cell.ts).
 */
import type { DirectionOffsets, KernelLayout, Phase } from '../../contract/layout.js';
import { numDirections } from '../cells/descriptor.js';
import { cellSpec } from '../cells/index.js';
import { PARTITION_INTS } from './partition.js';
import { deepFreeze } from './freeze.js';
import type { CellPlan, Plan } from './types.js';

// In doubles, not i32 bit operations: a layout past 2 GiB must stay a large number for the memory plan to refuse.
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Places a cell at `base`: per direction its packed W panels, the folded bias, R panels per phase,
 * the separate recurrent bias and the peepholes; then the scratch rows.
 */
export function placeCell(p: CellPlan, base: number, symbol = p.kernelName): Plan {
  const d = p.descriptor;
  const cell = cellSpec(d.cell);
  const G = cell.gates.length, D = numDirections(d.direction);
  const H = d.hiddenSize, I = d.inputSize, Hp = p.hiddenPadded;
  const phases: Phase[] = p.phases.map((ph) => ph.gates);
  const widest = Math.max(...phases.map((ph) => ph.length));
  const separateBias = cell.separateRecurrentBias(d);
  let at = align16(base);
  const weightsBegin = at;
  const take = (floats: number) => {
    const q = at;
    at = align16(at + floats * 4);
    return q;
  };
  const offsets: DirectionOffsets[] = [];
  for (let dir = 0; dir < D; dir++) {
    const wPanels = take(p.xwStride * I);
    const xwBias = take(p.xwStride);
    const rPanels = phases.map((ph) => take(ph.length * Hp * H));
    const rbh = separateBias !== null ? take(Hp) : 0;
    const peep = d.hasPeepholes ? take(3 * Hp) : 0;
    offsets.push({ wPanels, xwBias, rPanels, rbh, peep });
  }
  const weightsEnd = at;
  const rows = d.maxBatch * Hp;
  const scratch = {
    hA: take(rows),
    hB: take(rows),
    rows: Object.fromEntries(cell.scratch(d).map((name) => [name, take(rows)])),
    pre: take(rows * widest),
    stateCell: take(4),
    xwRows: take(d.maxBatch * p.xwStride),
    partition: take(PARTITION_INTS),
  };
  const layout: KernelLayout = {
    cell: d.cell, inputSize: I, hiddenSize: H, maxBatch: d.maxBatch, directions: D, layout: d.layout,
    gates: G, unitsPerBlock: p.unitsPerBlock, hiddenPadded: Hp, phases, panelWidth: p.gemmWidth, xwStride: p.xwStride,
    separateBias, hasPeepholes: d.hasPeepholes,
    offsets, weightsBegin, weightsEnd, staticEnd: at,
  };
  return deepFreeze({ ...p, symbol, layout, scratch });
}
