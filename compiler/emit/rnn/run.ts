/**
 * The kernel entry: `run(T, B, x, seqLens, h0, c0, y, yh, yc, xw)`, one call for a whole sequence.
 * Per direction: the input projection GEMM, the initial state, the time loop over the step
 * functions with h ping-ponged between two buffers, then the final state out.
 */
import { numDirections } from '../../cells/descriptor.js';
import { cellSpec } from '../../cells/index.js';
import type { Builder, Expr } from '../ir.js';
import type { Plan } from '../../plan/cell.js';
import { emitGemm, gemmName } from './gemm.js';
import { emitStep, stepName } from './step.js';
import { emitInputPass, inputPassName } from './xpass.js';

/** Names of the entry's parameters, in order; the runtime passes them in this order. */
export const RUN_PARAMS = ['seq', 'batch', 'x', 'seqLens', 'h0', 'c0', 'y', 'yh', 'yc', 'xw', 'resume'] as const;

/**
 * Emits the exported `run`:
 *
 *   for d in directions:
 *     XW = xw_d(X)                                   (whole sequence, before the time loop; calls of
 *                                                     T*B < plan.fuseInputBelow instead project each
 *                                                     row per step, xv_d, into an XW scratch row)
 *     hprev = h0[d] or 0; c = c0[d] or 0             (resume: the previous call's state instead)
 *     for i in 0..T:
 *       for rows b0.. in groups of R (then single rows):
 *         t = forward ? i : (len[b] or T) - 1 - i;  active = i < len[b]
 *         step_phase(hprev, hnext, rows, XW row of (t, b), Y row of (active ? t : i, b), active)
 *       swap(hprev, hnext)
 *     Y_h[d] = hprev; Y_c[d] = c
 */
/** Multi-worker emission: the barrier function to call; `run` then takes (worker, workers) too. */
export interface Threads {
  readonly barrier: string;
}

export function emitRun(b: Builder, plan: Plan, name: string, exportAs?: string, threads?: Threads): void {
  const d = plan.descriptor;
  const L = plan.layout;
  const D = numDirections(d.direction);
  const { hiddenSize: H, hiddenPadded: Hp, xwStride: Np } = L;
  const s = b.scope([...RUN_PARAMS, ...(threads ? ['worker', 'workers'] : [])].map(() => 'i32' as const));
  const P = (name: (typeof RUN_PARAMS)[number]) => s.get(s.param(RUN_PARAMS.indexOf(name)));
  const worker = () => s.get(s.param(RUN_PARAMS.length)), workers = () => s.get(s.param(RUN_PARAMS.length + 1));
  const barrier = () => (threads ? b.call(threads.barrier, [worker(), workers()]) : b.nop());
  /** Work only worker 0 does (state in and out), or everything on one worker. */
  const onFirst = (e: Expr) => (threads ? b.if(b.eqz(worker()), e) : e);
  const T = () => P('seq'), B = () => P('batch');
  const i = s.local('i32'), row = s.local('i32');
  /** This call projects its input per step (plan.fuseInputBelow), not in one GEMM before the loop. */
  const fused = s.local('i32');
  const mayFuse = plan.fuseInputBelow > 0;
  const hprev = s.local('i32'), hnext = s.local('i32'), tmp = s.local('i32');
  const R = plan.rowsPerBlock;
  const rowLocals = Array.from({ length: R }, () => ({ xw: s.local('i32'), y: s.local('i32'), mask: s.local('i32'), t: s.local('i32'), x: s.local('i32') }));
  const body: Expr[] = [];
  // This worker's unit blocks [jBegin, jEnd) in bytes of a state row (the plan's partition table:
  // the row for this call's worker count), and its input-projection columns [pBegin, pEnd): the same
  // blocks' gates (the padding columns past the last block go to the last worker).
  const jBegin = s.local('i32'), jEnd = s.local('i32'), pBegin = s.local('i32'), pEnd = s.local('i32');
  if (threads) {
    // Row P of the table starts (P-1)(P+2)/2 entries in (plan/partition.ts).
    const bound = () => b.add(b.add(b.i32(plan.scratch.partition), b.muli(b.mul(b.sub(workers(), b.i32(1)), b.add(workers(), b.i32(2))), 2)), b.muli(worker(), 4));
    body.push(
      s.set(jBegin, b.loadI32(bound())),
      s.set(jEnd, b.loadI32(bound(), 4)),
      s.set(pBegin, b.muli(s.get(jBegin), L.gates)),
      s.set(pEnd, b.select(b.eq(worker(), b.sub(workers(), b.i32(1))), b.i32(Np * 4), b.muli(s.get(jEnd), L.gates))),
    );
  } else {
    body.push(s.set(jBegin, b.i32(0)), s.set(jEnd, b.i32(Hp * 4)), s.set(pBegin, b.i32(0)), s.set(pEnd, b.i32(Np * 4)));
  }

  /** Index of state row `b` of direction `dir` in h0/Y_h-shaped tensors. */
  const stateIndex = (dir: number, bRow: Expr): Expr =>
    d.layout === 0 ? b.add(b.muli(B(), dir), bRow) : b.add(b.muli(bRow, D), b.i32(dir));
  /** for (row = 0; row < B; row++) body */
  const forRows = (label: string, inner: Expr): Expr => b.seq([
    s.set(row, b.i32(0)),
    b.block(`${label}_out`, [b.loop(label, b.seq([
      b.br(`${label}_out`, b.geS(s.get(row), B())),
      inner,
      s.bump(row, 1),
      b.br(label),
    ]))]),
  ]);

  /** Computes XW row, Y row and mask of batch row `bRow` at iteration i of direction dir. */
  const rowArgs = (dir: number, bRow: () => Expr, out: (typeof rowLocals)[number]): Expr[] => {
    const reverse = d.direction === 'reverse' || dir === 1;
    const stmts: Expr[] = [];
    const len = () => (d.hasSequenceLens ? b.loadI32(b.add(P('seqLens'), b.muli(bRow(), 4))) : T());
    // t = forward ? i : len - 1 - i; an inactive row (i >= len) uses t = i: it reads an unused XW row
    // and writes zeros to Y at i, so every Y row past the length is zeroed exactly once.
    stmts.push(s.set(out.t, reverse ? b.sub(b.sub(len(), b.i32(1)), s.get(i)) : s.get(i)));
    if (d.hasSequenceLens) {
      stmts.push(s.set(out.mask, b.select(b.ltS(s.get(i), len()), b.i32(-1), b.i32(0))));
      stmts.push(s.set(out.t, b.select(s.get(out.mask), s.get(out.t), s.get(i))));
    }
    const xRow = () => (plan.inputBatchMajor ? b.add(b.mul(bRow(), T()), s.get(out.t)) : b.add(b.mul(s.get(out.t), B()), bRow()));
    const hoistedRow = b.add(P('xw'), b.muli(xRow(), Np * 4));
    if (mayFuse) {
      // Fused: X row (t, b) projected now into batch row b's XW scratch row (phase 0, callStep).
      stmts.push(s.set(out.x, b.add(P('x'), b.muli(xRow(), L.inputSize * 4))));
      stmts.push(s.set(out.xw, b.select(s.get(fused), b.add(b.i32(plan.scratch.xwRows), b.muli(bRow(), Np * 4)), hoistedRow)));
    } else {
      stmts.push(s.set(out.xw, hoistedRow));
    }
    const yIndex = d.layout === 0
      ? b.add(b.mul(b.add(b.muli(s.get(out.t), D), b.i32(dir)), B()), bRow())
      : b.add(b.muli(b.add(b.mul(bRow(), T()), s.get(out.t)), D), b.i32(dir));
    stmts.push(s.set(out.y, b.add(P('y'), b.muli(yIndex, H * 4))));
    return stmts;
  };

  const callStep = (dir: number, phase: number, rows: number): Expr => {
    const stmts: Expr[] = [];
    for (let r = 0; r < rows; r++) stmts.push(...rowArgs(dir, () => b.add(s.get(row), b.i32(r)), rowLocals[r]));
    if (mayFuse && phase === 0) {
      const project = Array.from({ length: rows }, (_, r) =>
        b.call(inputPassName(plan, dir), [s.get(rowLocals[r].x), s.get(rowLocals[r].xw), s.get(pBegin), s.get(pEnd)]));
      stmts.push(b.if(s.get(fused), b.seq(project)));
    }
    // Odd iterations walk the unit blocks backward. A streaming call (T = 1) is always iteration 0, so
    // its steps all run forward: keyed to the h buffer instead, so that they alternate too, LSTM
    // 256/256 steps took 0.0273 ms against 0.0266 (W and R, 2 MiB, pass through L2 every call).
    const backward = plan.alternateBlocks ? b.andi(s.get(i), 1) : b.i32(0);
    const args: Expr[] = [s.get(hprev), s.get(hnext), b.muli(s.get(row), Hp * 4), s.get(jBegin), s.get(jEnd), backward];
    for (let r = 0; r < rows; r++) {
      args.push(s.get(rowLocals[r].xw), s.get(rowLocals[r].y));
      if (d.hasSequenceLens) args.push(s.get(rowLocals[r].mask));
    }
    stmts.push(b.call(stepName(plan, dir, phase, rows), args));
    return b.seq(stmts);
  };

  /** Each phase over row groups of R, then single rows; workers meet after each phase. */
  const stepAllRows = (dir: number): Expr => b.seq(L.phases.map((_, phase) => {
    const groups = (rows: number, label: string) => b.block(`${label}_out`, [b.loop(label, b.seq([
      b.br(`${label}_out`, b.gtS(b.add(s.get(row), b.i32(rows)), B())),
      callStep(dir, phase, rows),
      s.bump(row, rows),
      b.br(label),
    ]))]);
    return b.seq([s.set(row, b.i32(0)), groups(R, `g${dir}_${phase}`), R > 1 ? groups(1, `s${dir}_${phase}`) : b.nop(), barrier()]);
  }));

  const stateBytes = d.maxBatch * Hp * 4;
  for (let dir = 0; dir < D; dir++) {
    const hA = plan.scratch.hA, hB = plan.scratch.hB;
    // The cell's carried state beside h (LSTM's c): zeroed or read from c0 when a call starts fresh, out to yc.
    const carried = cellSpec(d.cell).carriedState;
    const c = carried === null ? 0 : plan.scratch.rows[carried];
    const gemm = b.call(gemmName(plan, dir), [P('x'), P('xw'), b.mul(T(), B()), s.get(pBegin), s.get(pEnd)]);
    if (mayFuse) {
      body.push(s.set(fused, b.ltS(b.mul(T(), B()), b.i32(plan.fuseInputBelow))));
      body.push(b.if(b.eqz(s.get(fused)), gemm));
    } else {
      body.push(gemm);
    }
    const rowAddr = (base: Expr) => b.add(base, b.muli(s.get(row), Hp * 4));
    const tensorAddr = (name: 'h0' | 'c0' | 'yh' | 'yc') => b.add(P(name), b.muli(stateIndex(dir, s.get(row)), H * 4));
    const prologue: Expr[] = [b.fill(b.i32(hA), b.i32(0), b.i32(stateBytes))];
    if (c) prologue.push(b.fill(b.i32(c), b.i32(0), b.i32(stateBytes)));
    if (d.hasInitialH) prologue.push(forRows(`h0_${dir}`, b.copy(rowAddr(b.i32(hA)), tensorAddr('h0'), b.i32(H * 4))));
    if (d.hasInitialC) prologue.push(forRows(`c0_${dir}`, b.copy(rowAddr(b.i32(c)), tensorAddr('c0'), b.i32(H * 4))));
    // Streaming: with `resume`, the state of the previous call carries over (no reset, no copies);
    // the first call ever starts fresh.
    const cell = b.i32(plan.scratch.stateCell + 4 * dir);
    const fresh = s.local('i32');
    body.push(s.set(fresh, b.select(P('resume'), b.eqz(b.loadI32(cell)), b.i32(1))));
    body.push(onFirst(b.if(s.get(fresh), b.seq(prologue))), barrier());
    body.push(
      s.set(hprev, b.select(s.get(fresh), b.i32(hA), b.loadI32(b.i32(plan.scratch.stateCell + 4 * dir)))),
      s.set(hnext, b.select(b.eq(s.get(hprev), b.i32(hA)), b.i32(hB), b.i32(hA))),
      s.set(i, b.i32(0)),
    );
    body.push(b.block(`time${dir}_out`, [b.loop(`time${dir}`, b.seq([
      b.br(`time${dir}_out`, b.geS(s.get(i), T())),
      stepAllRows(dir),
      s.set(tmp, s.get(hprev)), s.set(hprev, s.get(hnext)), s.set(hnext, s.get(tmp)),
      s.bump(i, 1),
      b.br(`time${dir}`),
    ]))]));
    const epilogue = [
      b.storeI32(b.i32(plan.scratch.stateCell), 4 * dir, s.get(hprev)),
      forRows(`yh_${dir}`, b.copy(tensorAddr('yh'), rowAddr(s.get(hprev)), b.i32(H * 4))),
    ];
    if (c) epilogue.push(forRows(`yc_${dir}`, b.copy(tensorAddr('yc'), rowAddr(b.i32(c)), b.i32(H * 4))));
    body.push(onFirst(b.seq(epilogue)));
  }
  s.finish(name, b.seq(body), exportAs);
}


/** Emits every function of one RNN node: per direction the GEMM and the step variants, then `name`. */
export function emitRnnNode(b: Builder, plan: Plan, name: string, exportAs?: string, threads?: Threads): void {
  const rowCounts = plan.rowsPerBlock > 1 ? [plan.rowsPerBlock, 1] : [1];
  for (let dir = 0; dir < numDirections(plan.descriptor.direction); dir++) {
    emitGemm(b, plan, dir);
    if (plan.fuseInputBelow > 0) emitInputPass(b, plan, dir);
    for (let phase = 0; phase < plan.layout.phases.length; phase++) {
      for (const rows of rowCounts) emitStep(b, plan, dir, phase, rows);
    }
  }
  emitRun(b, plan, name, exportAs, threads);
}
