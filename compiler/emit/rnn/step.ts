/**
 * The fused-gate recurrent step: the schedule. One call updates `rows` batch rows for one timestep
 * (and one recurrent phase): every unit block's gates are accumulated in registers from packed R
 * panels and set aside, then the cell update (cell.ts) runs on each block.
 */
import type { Builder, Expr, Local } from '../ir.js';
import type { Plan } from '../../plan/cell.js';
import { directionActivations, gruOutput, gruUpdateReset, lstmCell, rnnCell } from './cell.js';
import { emitKLoop } from '../kloop.js';
import { Straight } from '../vec.js';


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

/**
 * Emits the step function for direction `dir`, recurrent phase `phase`, `rows` batch rows:
 *
 *   for j in jBegin..jEnd (this worker's unit blocks, U units each):
 *     acc[r][g][v] = XW[r][j][g][v]                 (GRU linear-before-reset h gate: Rbh)
 *     for k in 0..H (unrolled by kUnroll):
 *       hk[r] = splat(src[r][k])                    (src = h_prev, or r*h_prev in GRU's 2nd phase)
 *       acc[r][g][v] += hk[r] * Rpanel[j][k][g][v]
 *     pre[r][j] = acc
 *   for j in jBegin..jEnd:
 *     cell update on pre[r][j] -> h_next[r][j], c[r][j], Y[r][j]
 */
export function emitStep(b: Builder, plan: Plan, dir: number, phase: number, rows: number): void {
  const d = plan.descriptor;
  const L = plan.layout;
  const { hiddenSize: H, hiddenPadded: Hp, unitsPerBlock: U, gates: G } = L;
  const gates = L.phases[phase];
  const Gp = gates.length;
  const twoPhase = L.phases.length > 1;
  const withMask = d.hasSequenceLens;
  const s = b.scope(Array.from({ length: stepParams(plan, rows) }, () => 'i32' as const));
  const P = (i: number) => s.get(s.param(i));
  const hprev = () => P(0), hnext = () => P(1), rowBytes = () => P(2), jBegin = () => P(3), jEnd = () => P(4);
  const backward = () => P(5);
  const per = withMask ? 3 : 2;
  const xwRow = (r: number) => P(6 + r * per), yRow = (r: number) => P(7 + r * per);
  const acts = directionActivations(d, dir);
  const off = L.offsets[dir];
  const rowStride = Hp * 4;

  const j = s.local('i32'); // byte offset of the unit block within a state row
  const xo = s.local('i32'); // byte offset of the unit block within an XW row (j * G)
  const wp = s.local('i32'); // this block's R panel
  const hk = s.local('i32');
  const wk = s.local('i32');
  const kEnd = s.local('i32');
  const src = s.local('i32');
  const masks: Local[] = [];
  const setup: Expr[] = [];
  setup.push(s.set(src, b.add(twoPhase && phase === 1 ? b.i32(plan.scratch.rh) : hprev(), rowBytes())));
  if (withMask) {
    for (let r = 0; r < rows; r++) {
      const m = s.local('v128');
      setup.push(s.set(m, b.m.i32x4.splat(P(8 + r * per))));
      masks.push(m);
    }
  }

  // Pass 1, per unit block: the gate pre-activations, accumulated in registers, stored to `pre`.
  // Pass 2, per unit block: the cell update on them. Kept apart, the update's long dependency chains
  // (exp, divisions) of one block overlap with the next block's, instead of stalling between two
  // k-loops; and the k-loop's registers are not live across the activations' constants.
  const preRow = (r: number) => b.add(b.i32(plan.scratch.pre + r * Gp * rowStride), b.muli(rowBytes(), Gp));
  const preOffset = (gi: number, q: number) => (gi * U + q * 4) * 4;

  /** Pass 1 on one unit block with `valid` real units (U, or fewer in the last block). */
  const accumulate = (valid: number, tag = ''): Expr => {
    const kLabel = `k${valid}${tag}`, fenceLabel = `k${valid}${tag}_fence`;
    const v = new Straight(b, s);
    const J = () => s.get(j);
    const acc: Local[][][] = [];
    for (let r = 0; r < rows; r++) {
      acc.push(gates.map((g) => Array.from({ length: U / 4 }, (_, q) => {
        const init = L.separateRbh && g === 2
          ? b.vload(b.add(J(), b.i32(off.rbh)), q * 16)
          : b.vload(b.add(xwRow(r), s.get(xo)), g * U * 4 + q * 16);
        return v.let(init);
      })));
    }
    // k-loop: acc[r][(gi, q)] += splat(src[r][k]) * panel[k][gi][q] (kloop.ts: unroll, tree, fences).
    const KU = plan.kUnroll;
    v.push(s.set(hk, s.get(src)));
    v.push(s.set(wk, s.get(wp)));
    v.push(s.set(kEnd, b.add(s.get(src), b.i32(Math.floor(H / KU) * KU * 4))));
    const loop = emitKLoop(b, s, {
      acc: acc.map((row) => row.flat()),
      splat: (u, r) => b.vsplatLoad(s.get(hk), r * rowStride + u * 4),
      weight: (u, a) => b.vload(s.get(wk), (u * Gp * U + a * 4) * 4),
      fencePointer: () => s.get(wk), fenceLabel,
    }, {
      K: H, ku: KU, tree: plan.kTree, fence: plan.kFence, label: kLabel,
      advance: (n) => [s.bump(hk, n * 4), s.bump(wk, n * Gp * U * 4)],
      notAtEnd: () => b.ne(s.get(hk), s.get(kEnd)),
    });
    for (const e of loop) v.push(e);

    for (let r = 0; r < rows; r++) {
      gates.forEach((_, gi) => {
        for (let q = 0; q < U / 4; q++) v.push(b.vstore(b.add(preRow(r), b.muli(J(), Gp)), preOffset(gi, q), s.get(acc[r][gi][q])));
      });
    }
    return v.done();
  };

  /** Pass 2 on one unit block. */
  const update = (valid: number): Expr => {
    const v = new Straight(b, s);
    const J = () => s.get(j);
    // Epilogue: the cell update on each group of four units, in registers.
    for (let r = 0; r < rows; r++) {
      const at = (base: Expr) => b.add(base, J());
      for (let q = 0; q < U / 4; q++) {
        const o = r * rowStride + q * 16;
        const hPrev = v.let(b.vload(at(b.add(hprev(), rowBytes())), o));
        const accOf = (g: number) => v.let(b.vload(b.add(preRow(r), b.muli(J(), Gp)), preOffset(gates.indexOf(g), q)));
        let hNew: Local;
        const keep = (fresh: Local, old: Local) => (withMask ? b.vselect(s.get(masks[r]), v.get(fresh), v.get(old)) : v.get(fresh));
        if (d.cell === 'lstm') {
          const cAddr = () => at(b.add(b.i32(plan.scratch.c), rowBytes()));
          const cPrev = v.let(b.vload(cAddr(), o));
          const peep = L.hasPeepholes
            ? ([0, 1, 2].map((g) => v.let(b.vload(b.add(J(), b.i32(off.peep + g * Hp * 4)), q * 16))) as [Local, Local, Local])
            : null;
          const [h, c] = lstmCell(v, d, acts, { i: accOf(0), o: accOf(1), f: accOf(2), c: accOf(3), cPrev, peep });
          v.push(b.vstore(cAddr(), o, keep(c, cPrev)));
          hNew = h;
        } else if (d.cell === 'rnn') {
          hNew = rnnCell(v, d, acts, accOf(0));
        } else if (!twoPhase) {
          const [z, rg] = gruUpdateReset(v, d, acts, accOf(0), accOf(1));
          const xh = v.let(b.vload(b.add(xwRow(r), s.get(xo)), 2 * U * 4 + q * 16));
          hNew = gruOutput(v, d, acts, z, hPrev, xh, rg, accOf(2));
        } else if (phase === 0) {
          const [z, rg] = gruUpdateReset(v, d, acts, accOf(0), accOf(1));
          v.push(b.vstore(at(b.add(b.i32(plan.scratch.z), rowBytes())), o, v.get(z)));
          v.push(b.vstore(at(b.add(b.i32(plan.scratch.rh), rowBytes())), o, b.vmul(v.get(rg), v.get(hPrev))));
          continue;
        } else {
          const z = v.let(b.vload(at(b.add(b.i32(plan.scratch.z), rowBytes())), o));
          hNew = gruOutput(v, d, acts, z, hPrev, accOf(2), null, null);
        }
        v.push(b.vstore(at(b.add(hnext(), rowBytes())), o, keep(hNew, hPrev)));
        const y = withMask ? b.vand(v.get(hNew), s.get(masks[r])) : v.get(hNew);
        const lanes = Math.min(4, valid - q * 4);
        const yAddr = at(yRow(r));
        if (lanes >= 4) v.push(b.vstore(yAddr, q * 16, y));
        else if (lanes > 0) {
          const yl = v.let(y);
          if (lanes >= 2) v.push(b.vstoreLow2(yAddr, q * 16, v.get(yl)));
          if (lanes === 3) v.push(b.vstoreLane(at(yRow(r)), q * 16 + 8, 2, v.get(yl)));
          if (lanes === 1) v.push(b.vstoreLane(yAddr, q * 16, 0, v.get(yl)));
        }
      }
    }
    return v.done();
  };

  const body: Expr[] = [...setup];
  const fullBlocks = Math.floor(H / U);
  const tail = H % U;
  // j is a byte offset in a state row; the XW row and the R panels advance in proportion to it.
  const fullEnd = s.local('i32');
  body.push(s.set(fullEnd, b.select(b.ltS(jEnd(), b.i32(fullBlocks * U * 4)), jEnd(), b.i32(fullBlocks * U * 4))));
  const start = (at: Expr): Expr[] => [s.set(j, at), s.set(xo, b.muli(s.get(j), G)), s.set(wp, b.add(b.i32(off.rPanels[phase]), b.muli(s.get(j), H * Gp)))];
  /** First to last: the full blocks, then the partial one. */
  const forward = (name: string, one: (valid: number) => Expr, advance: Expr[]): Expr[] => {
    const out = start(jBegin());
    if (fullBlocks > 0) {
      out.push(b.block(`${name}_out`, [b.loop(name, b.seq([
        b.br(`${name}_out`, b.geS(s.get(j), s.get(fullEnd))),
        one(U), ...advance, b.br(name),
      ]))]));
    }
    // The last, partial block belongs to whichever worker's range reaches past the full blocks.
    if (tail > 0) out.push(b.if(b.gtS(jEnd(), b.i32(fullBlocks * U * 4)), one(tail)));
    return out;
  };
  const accumulateAdvance = (sign: number) => [s.bump(j, sign * U * 4), s.bump(xo, sign * G * U * 4), s.bump(wp, sign * H * Gp * U * 4)];
  /** Last to first (odd steps, plan.alternateBlocks): a step starts on the panels the step before read last. */
  const backwardPass = (): Expr[] => {
    const out: Expr[] = [];
    if (tail > 0) out.push(b.if(b.gtS(jEnd(), b.i32(fullBlocks * U * 4)), b.seq([...start(b.i32(fullBlocks * U * 4)), accumulate(tail, '_back')])));
    if (fullBlocks > 0) {
      out.push(...start(b.sub(s.get(fullEnd), b.i32(U * 4))));
      out.push(b.block('accumulate_back_out', [b.loop('accumulate_back', b.seq([
        b.br('accumulate_back_out', b.ltS(s.get(j), jBegin())),
        accumulate(U, '_back'), ...accumulateAdvance(-1), b.br('accumulate_back'),
      ]))]));
    }
    return out;
  };
  const accumulateForward = b.seq(forward('accumulate', accumulate, accumulateAdvance(1)));
  body.push(plan.alternateBlocks ? b.if(backward(), b.seq(backwardPass()), accumulateForward) : accumulateForward);
  body.push(...forward('update', update, [s.bump(j, U * 4), s.bump(xo, G * U * 4)]));
  s.finish(stepName(plan, dir, phase, rows), b.seq(body));
}
