/**
 * Placing a cell plan in a module's memory: per direction its packed W panels, the folded bias, the R
 * panels of each phase, the separate recurrent bias and the peepholes, the worker partition table;
 * the scratch rows and the call state apart or after. Offsets only: the decisions are made (plan/cell.ts).
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
 * the separate recurrent bias and the peepholes; then the worker partition table (filled at compile
 * time, like the weights); then the scratch rows, at `scratchBase` when given (static memory that
 * starts zeroed and is not in the artifact's image: plan/memory.ts), else right after.
 */
export function placeCell(p: CellPlan, base: number, symbol = p.kernelName, scratchBase?: number): Plan {
  const d = p.descriptor;
  const cell = cellSpec(d.cell);
  const D = numDirections(d.direction);
  const H = d.hiddenSize, I = d.inputSize, Hp = p.hiddenPadded;
  const phases: Phase[] = p.phases.map((ph) => ph.gates);
  const separateBias = cell.separateRecurrentBias(d);
  const weightsBegin = align16(base);
  const take = taker(weightsBegin);
  const offsets: DirectionOffsets[] = [];
  for (let dir = 0; dir < D; dir++) {
    const wPanels = take(p.xwStride * I);
    const xwBias = take(p.xwStride);
    const rPanels = phases.map((ph) => take(ph.length * Hp * H));
    const rbh = separateBias !== null ? take(Hp) : 0;
    const peep = d.hasPeepholes ? take(3 * Hp) : 0;
    offsets.push({ wPanels, xwBias, rPanels, rbh, peep });
  }
  const weightsEnd = take(0);
  const partition = take(PARTITION_INTS);
  const filledEnd = take(0);
  const rows = placeScratch(p, scratchBase ?? filledEnd);
  const layout: KernelLayout = {
    cell: d.cell, inputSize: I, hiddenSize: H, maxBatch: d.maxBatch, directions: D, layout: d.layout,
    gates: cell.gates.length, unitsPerBlock: p.unitsPerBlock, hiddenPadded: Hp, phases, panelWidth: p.gemmWidth, xwStride: p.xwStride,
    separateBias, hasPeepholes: d.hasPeepholes,
    offsets, weightsBegin, weightsEnd, staticEnd: scratchBase === undefined ? rows.end : filledEnd,
  };
  return deepFreeze({ ...p, symbol, layout, scratch: { ...rows.offsets, partition } });
}

/** Bytes of a cell's scratch rows (placed apart with placeCell's `scratchBase`). */
export function scratchBytes(p: CellPlan): number {
  return placeScratch(p, 0).end;
}

/** The scratch rows at `at`: the state, the cell's rows, the pre-activations, the call state, the XW rows. */
function placeScratch(p: CellPlan, at: number) {
  const d = p.descriptor;
  const rows = d.maxBatch * p.hiddenPadded;
  const widest = Math.max(...p.phases.map((ph) => ph.gates.length));
  const take = taker(align16(at));
  const offsets = {
    hA: take(rows),
    hB: take(rows),
    rows: Object.fromEntries(cellSpec(d.cell).scratch(d).map((name) => [name, take(rows)])),
    pre: take(rows * widest),
    stateCell: take(4),
    xwRows: take(d.maxBatch * p.xwStride),
  };
  return { offsets, end: take(0) };
}

/** Hands out 16-byte aligned runs of floats from `at` on; take(0) is where the next would start. */
function taker(at: number): (floats: number) => number {
  return (floats) => {
    const q = at;
    at = align16(at + floats * 4);
    return q;
  };
}
