/**
 * The fused-gate recurrent step: the schedule. One call updates `rows` batch rows for one timestep
 * (and one recurrent phase): every unit block's gates are accumulated in registers from packed R
 * panels and set aside (pass 1), then the cell's update (CellSpec.emitUpdate) runs on each block
 * (pass 2). Kept apart, the update's long dependency chains (exp, divisions) of one block overlap
 * with the next block's, instead of stalling between two k-loops; and the k-loop's registers are
 * not live across the activations' constants.
 */
import { directionActivations } from '../../cells/descriptor.js';
import { cellSpec, type CellPhase, type UpdateContext } from '../../cells/index.js';
import type { Builder, Expr, FunctionScope, Local } from '../ir.js';
import type { Plan } from '../../plan/cell.js';
import { emitKLoop } from '../kloop.js';
import { Straight } from '../vec.js';
import { InternalError } from '../../../contract/errors.js';

export function stepName(plan: Plan, dir: number, phase: number, rows: number): string {
  return `${plan.symbol}_step_d${dir}_p${phase}_r${rows}`;
}

/**
 * Parameters: hprev, hnext, rowBytes (first row * Hp * 4), jBegin, jEnd (the worker's unit blocks, in
 * bytes of a state row), backward (nonzero: accumulate the unit blocks last to first), then per row: xw
 * row, Y row, [mask].
 */
export function stepParams(plan: Plan, rows: number): number {
  return 6 + rows * (plan.descriptor.hasSequenceLens ? 3 : 2);
}

/** One step function under construction: its plan, parameters and the locals both passes use. */
interface StepFn {
  readonly b: Builder;
  readonly s: FunctionScope;
  readonly plan: Plan;
  readonly dir: number;
  readonly phase: CellPhase;
  readonly phaseIndex: number;
  readonly rows: number;
  /** Parameter i. */
  readonly P: (i: number) => Expr;
  /** Byte offset of the unit block within a state row. */
  readonly j: Local;
  /** Byte offset of the unit block within an XW row (j * G). */
  readonly xo: Local;
  /** This block's R panel. */
  readonly wp: Local;
  readonly hk: Local;
  readonly wk: Local;
  /** The row R multiplies: h_prev, or a scratch row an earlier phase wrote. */
  readonly src: Local;
  /** Per row, the sequence_lens mask (all ones while the row is active). */
  readonly masks: readonly Local[];
}

const paramsPerRow = (plan: Plan) => (plan.descriptor.hasSequenceLens ? 3 : 2);
const xwRow = (f: StepFn, r: number) => f.P(6 + r * paramsPerRow(f.plan));
const yRow = (f: StepFn, r: number) => f.P(7 + r * paramsPerRow(f.plan));
const rowBytes = (f: StepFn) => f.P(2);

/** Gate pre-activations of one timestep, [batch][unit block][gate][unit]: the two passes meet here. */
function preRow(f: StepFn, r: number): Expr {
  const Gp = f.phase.gates.length, rowStride = f.plan.layout.hiddenPadded * 4;
  return f.b.add(f.b.i32(f.plan.scratch.pre + r * Gp * rowStride), f.b.muli(rowBytes(f), Gp));
}
const preOffset = (f: StepFn, gi: number, q: number) => (gi * f.plan.layout.unitsPerBlock + q * 4) * 4;

/**
 * Pass 1 on one unit block with `valid` real units (U, or fewer in the last block):
 *
 *   acc[r][g][v] = XW[r][j][g][v]                 (or the gate's separate recurrent bias, GRU lbr h)
 *   for k in 0..H (plan: unroll, tree, fences; kBlock steps summed apart, emit/kloop.ts):
 *     acc[r][g][v] += splat(src[r][k]) * Rpanel[j][k][g][v]
 *   pre[r][j] = acc
 */
function accumulate(f: StepFn, valid: number, tag = ''): Expr {
  const { b, s, plan } = f;
  const L = plan.layout;
  const { hiddenSize: H, hiddenPadded: Hp, unitsPerBlock: U } = L;
  const gates = f.phase.gates, Gp = gates.length;
  const apart = cellSpec(plan.descriptor.cell).separateRecurrentBias(plan.descriptor);
  const off = L.offsets[f.dir];
  const kLabel = `k${valid}${tag}`, fenceLabel = `k${valid}${tag}_fence`;
  const v = new Straight(b, s);
  const J = () => s.get(f.j);
  const acc: Local[][][] = [];
  for (let r = 0; r < f.rows; r++) {
    acc.push(gates.map((g) => Array.from({ length: U / 4 }, (_, q) => v.let(g === apart
      ? b.vload(b.add(J(), b.i32(off.rbh)), q * 16)
      : b.vload(b.add(xwRow(f, r), s.get(f.xo)), g * U * 4 + q * 16)))));
  }
  const KU = plan.kUnroll;
  v.push(s.set(f.hk, s.get(f.src)));
  v.push(s.set(f.wk, s.get(f.wp)));
  const loop = emitKLoop(b, s, {
    acc: acc.map((row) => row.flat()),
    splat: (u, r) => b.vsplatLoad(s.get(f.hk), r * Hp * 4 + u * 4),
    weight: (u, a) => b.vload(s.get(f.wk), (u * Gp * U + a * 4) * 4),
    fencePointer: () => s.get(f.wk), fenceLabel, fused: plan.relaxedSimd,
  }, {
    K: H, ku: KU, tree: plan.kTree, fence: plan.kFence, kBlock: plan.kBlock, streams: plan.kStreams, label: kLabel, pointer: f.hk,
    advance: (n) => [s.bump(f.hk, n * 4), s.bump(f.wk, n * Gp * U * 4)],
  });
  for (const e of loop) v.push(e);
  for (let r = 0; r < f.rows; r++) {
    gates.forEach((_, gi) => {
      for (let q = 0; q < U / 4; q++) v.push(b.vstore(b.add(preRow(f, r), b.muli(J(), Gp)), preOffset(f, gi, q), s.get(acc[r][gi][q])));
    });
  }
  return v.done();
}

/**
 * Pass 2 on one unit block: per row and group of four units, the cell's update on pre[r][j]; where
 * it yields h', h_next[r][j] = h' (h_prev past the row's length) and Y[r][j] = h' (0 past it).
 */
function update(f: StepFn, valid: number): Expr {
  const { b, s, plan } = f;
  const d = plan.descriptor, L = plan.layout;
  const { hiddenPadded: Hp, unitsPerBlock: U } = L;
  const cell = cellSpec(d.cell);
  const gates = f.phase.gates, Gp = gates.length;
  const off = L.offsets[f.dir];
  const acts = directionActivations(d, f.dir);
  const withMask = d.hasSequenceLens;
  const v = new Straight(b, s);
  const J = () => s.get(f.j);
  const at = (base: Expr) => b.add(base, J());
  for (let r = 0; r < f.rows; r++) {
    for (let q = 0; q < U / 4; q++) {
      const o = r * Hp * 4 + q * 16;
      const row = (name: string) => at(b.add(b.i32(plan.scratch.rows[name]), rowBytes(f)));
      const hPrev = v.let(b.vload(at(b.add(f.P(0), rowBytes(f))), o));
      // A fence stores its value over the first gate's pre-activation, read by then: the store
      // needs the value computed, and the loads after it (the next activation's pooled constants)
      // stay after it, instead of some 30 of them (LSTM) hoisted to the top and spilled.
      const firstPre = () => b.add(preRow(f, r), b.muli(J(), Gp));
      let firstRead = false;
      const u: UpdateContext = {
        v, d, acts, hPrev,
        pre: (g) => {
          firstRead ||= gates.indexOf(g) === 0;
          return v.let(b.vload(b.add(preRow(f, r), b.muli(J(), Gp)), preOffset(f, gates.indexOf(g), q)));
        },
        input: (g) => v.let(b.vload(b.add(xwRow(f, r), s.get(f.xo)), g * U * 4 + q * 16)),
        load: (name) => v.let(b.vload(row(name), o)),
        store: (name, value) => v.push(b.vstore(row(name), o, value)),
        peepholes: () => (L.hasPeepholes
          ? ([0, 1, 2].map((g) => v.let(b.vload(b.add(J(), b.i32(off.peep + g * Hp * 4)), q * 16))) as [Local, Local, Local])
          : null),
        keep: (fresh, old) => (withMask ? b.vselect(s.get(f.masks[r]), v.get(fresh), v.get(old)) : v.get(fresh)),
        fence: (value) => {
          if (!firstRead) throw new InternalError(`${stepName(plan, f.dir, f.phaseIndex, f.rows)}: the ${d.cell} update fenced before it read its first gate's pre-activation, whose slot the fence overwrites`);
          v.push(b.vstore(firstPre(), preOffset(f, 0, q), v.get(value)));
        },
      };
      const hNew = cell.emitUpdate(u, f.phaseIndex);
      if (hNew === null) continue;
      v.push(b.vstore(at(b.add(f.P(1), rowBytes(f))), o, u.keep(hNew, hPrev)));
      const y = withMask ? b.vand(v.get(hNew), s.get(f.masks[r])) : v.get(hNew);
      storeY(f, v, () => at(yRow(f, r)), q, Math.min(4, valid - q * 4), y);
    }
  }
  return v.done();
}

/** Stores the first `lanes` (0..4) lanes of y at yAddr() + 16q (the last block may be partial). */
function storeY(f: StepFn, v: Straight, yAddr: () => Expr, q: number, lanes: number, y: Expr): void {
  const b = f.b;
  if (lanes >= 4) return v.push(b.vstore(yAddr(), q * 16, y));
  if (lanes <= 0) return;
  const yl = v.let(y);
  if (lanes >= 2) v.push(b.vstoreLow2(yAddr(), q * 16, v.get(yl)));
  if (lanes === 3) v.push(b.vstoreLane(yAddr(), q * 16 + 8, 2, v.get(yl)));
  if (lanes === 1) v.push(b.vstoreLane(yAddr(), q * 16, 0, v.get(yl)));
}

/**
 * Emits the step function for direction `dir`, recurrent phase `phase`, `rows` batch rows:
 *
 *   for j in jBegin..jEnd (this worker's unit blocks, U units each; last to first on odd timesteps
 *                          when plan.alternateBlocks):   pass 1 (accumulate)
 *   for j in jBegin..jEnd:                               pass 2 (update)
 */
export function emitStep(b: Builder, plan: Plan, dir: number, phase: number, rows: number): void {
  const s = b.scope(Array.from({ length: stepParams(plan, rows) }, () => 'i32' as const));
  const P = (i: number) => s.get(s.param(i));
  const cellPhase = plan.phases[phase];
  const f: StepFn = {
    b, s, plan, dir, phase: cellPhase, phaseIndex: phase, rows, P,
    j: s.local('i32'), xo: s.local('i32'), wp: s.local('i32'), hk: s.local('i32'), wk: s.local('i32'), src: s.local('i32'),
    masks: [],
  };
  const source = cellPhase.source === 'h' ? P(0) : b.i32(plan.scratch.rows[cellPhase.source]);
  const body: Expr[] = [s.set(f.src, b.add(source, rowBytes(f)))];
  if (plan.descriptor.hasSequenceLens) {
    for (let r = 0; r < rows; r++) {
      const m = s.local('v128');
      body.push(s.set(m, b.visplat(P(8 + r * paramsPerRow(plan)))));
      (f.masks as Local[]).push(m);
    }
  }
  body.push(...walkBlocks(f));
  s.finish(stepName(plan, dir, phase, rows), b.seq(body));
}

/** Both passes over this worker's unit blocks: the full blocks, then the partial last one. */
function walkBlocks(f: StepFn): Expr[] {
  const { b, s, plan } = f;
  const { hiddenSize: H, unitsPerBlock: U, gates: G } = plan.layout;
  const Gp = f.phase.gates.length;
  const jBegin = () => f.P(3), jEnd = () => f.P(4);
  const fullBlocks = Math.floor(H / U), tail = H % U;
  const fullBytes = fullBlocks * U * 4;
  // j is a byte offset in a state row; the XW row and the R panels advance in proportion to it.
  const fullEnd = s.local('i32');
  const out: Expr[] = [s.set(fullEnd, b.select(b.ltS(jEnd(), b.i32(fullBytes)), jEnd(), b.i32(fullBytes)))];
  const start = (at: Expr): Expr[] => [s.set(f.j, at), s.set(f.xo, b.muli(s.get(f.j), G)), s.set(f.wp, b.add(b.i32(plan.layout.offsets[f.dir].rPanels[f.phaseIndex]), b.muli(s.get(f.j), H * Gp)))];
  /** First to last: the full blocks, then the partial one. */
  const forward = (name: string, one: (valid: number) => Expr, advance: Expr[]): Expr[] => {
    const blocks = start(jBegin());
    if (fullBlocks > 0) {
      blocks.push(b.block(`${name}_out`, [b.loop(name, b.seq([
        b.br(`${name}_out`, b.geS(s.get(f.j), s.get(fullEnd))),
        one(U), ...advance, b.br(name),
      ]))]));
    }
    // The last, partial block belongs to whichever worker's range reaches past the full blocks.
    if (tail > 0) blocks.push(b.if(b.gtS(jEnd(), b.i32(fullBytes)), one(tail)));
    return blocks;
  };
  const advance = (sign: number) => [s.bump(f.j, sign * U * 4), s.bump(f.xo, sign * G * U * 4), s.bump(f.wp, sign * H * Gp * U * 4)];
  /** Last to first (odd steps, plan.alternateBlocks): a step starts on the panels the step before read last. */
  const backwardPass = (): Expr[] => {
    const blocks: Expr[] = [];
    if (tail > 0) blocks.push(b.if(b.gtS(jEnd(), b.i32(fullBytes)), b.seq([...start(b.i32(fullBytes)), accumulate(f, tail, '_back')])));
    if (fullBlocks > 0) {
      blocks.push(...start(b.sub(s.get(fullEnd), b.i32(U * 4))));
      blocks.push(b.block('accumulate_back_out', [b.loop('accumulate_back', b.seq([
        b.br('accumulate_back_out', b.ltS(s.get(f.j), jBegin())),
        accumulate(f, U, '_back'), ...advance(-1), b.br('accumulate_back'),
      ]))]));
    }
    return blocks;
  };
  const accumulateForward = b.seq(forward('accumulate', (valid) => accumulate(f, valid), advance(1)));
  out.push(plan.alternateBlocks ? b.if(f.P(5), b.seq(backwardPass()), accumulateForward) : accumulateForward);
  out.push(...forward('update', (valid) => update(f, valid), [s.bump(f.j, U * 4), s.bump(f.xo, G * U * 4)]));
  return out;
}
