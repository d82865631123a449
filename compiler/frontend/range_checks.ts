/**
 * The range checks of a program, derived from its data flow. A step asks for the values of a buffer
 * it reads to be in range (Gather indices within the table, sequence lengths within seq); the
 * runtime can only check values it is fed, before the call. So each check is followed back from the
 * step's buffer through the steps that only move values (Transpose, Slice, Concat, copies; views
 * share their buffer) to the graph inputs the values come from, and lands on them. Constant values
 * met on the way are checked here, at compile time. A value computed any other way has no check to
 * land on: compiling it is refused rather than leaving the kernel to clamp it silently.
 *
 * A check lands on the whole graph input even where a Slice keeps only part of it: an input element
 * no Gather reads is then checked too (stricter than ONNX, never silently wrong).
 */
import { ModelError, UnsupportedError } from '../../contract/errors.js';
import type { RangeCheck } from '../../contract/manifest.js';
import { stepKernel } from '../ops/index.js';
import { type Operand, type Program, type Step, isConst } from './program.js';

/** Every check of the program's steps, on the graph inputs it reads (each check once). */
export function rangeChecks(program: Program): RangeCheck[] {
  const movedBy = new Map<number, { step: Step; from: readonly Operand[] }>();
  for (const step of program.steps) {
    const moves = stepKernel(step.op).moves?.(step);
    if (moves) movedBy.set(moves.out.buffer, { step, from: moves.from });
  }
  const out = new Map<string, RangeCheck>();
  for (const step of program.steps) {
    for (const check of stepKernel(step.op).checks?.(step) ?? []) {
      for (const c of landed(program, movedBy, check)) out.set(`${c.buffer}:${c.bound}:${c.what}`, c);
    }
  }
  return [...out.values()];
}

/** The check moved back to the graph inputs its buffer's values come from. */
function landed(program: Program, movedBy: ReadonlyMap<number, { step: Step; from: readonly Operand[] }>, check: RangeCheck): RangeCheck[] {
  const fed = new Map(program.inputs.map((i) => [i.buffer, i.name]));
  const out: RangeCheck[] = [];
  // A worklist of buffers with the moves that led to them, for the message.
  const pending: { buffer: number; via: readonly string[] }[] = [{ buffer: check.buffer, via: [] }];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const { buffer, via } = pending.pop()!;
    if (seen.has(buffer)) continue;
    seen.add(buffer);
    const input = fed.get(buffer);
    if (input !== undefined) {
      const through = via.length ? `, through ${[...via].reverse().join(', ')}` : '';
      out.push({ buffer, bound: check.bound, what: `input '${input}' (${check.what}${through})` });
      continue;
    }
    const move = movedBy.get(buffer);
    if (!move) {
      throw new UnsupportedError(
        `${check.what}: the values come from '${program.buffers[buffer].name}', computed inside the model; rnnc checks them only when they are read from graph inputs or constants (through Transpose, Slice, Concat and views)`,
      );
    }
    for (const o of move.from) {
      if (isConst(o)) checkConstant(program, o.constant, check);
      else pending.push({ buffer: o.buffer, via: [...via, `${move.step.op} '${move.step.node}'`] });
    }
  }
  return out;
}

/** The values of a constant reaching a check: each in range, or a ModelError naming both. */
function checkConstant(program: Program, id: number, check: RangeCheck): void {
  const c = program.constants[id];
  if (check.bound === 'seq') {
    throw new UnsupportedError(`${check.what}: holds values of the constant '${c.name}'; feed sequence lengths as a graph input`);
  }
  const n = check.bound;
  c.data.forEach((v, k) => {
    if (!(v >= -n && v < n)) throw new ModelError(`${check.what}: constant '${c.name}'[${k}] = ${v}; expected ${-n}..${n - 1}`);
  });
}
