/**
 * A recurrent node's entry: `run(T, B, x, seqLens, h0, c0, y, yh, yc, xw, resume)`, one call for a
 * whole sequence. Per direction: the input projection GEMM, the initial state, the time loop over
 * the step functions with h ping-ponged between two buffers, then the final state out.
 */
import { numDirections } from '../../cells/descriptor.js';
import { cellSpec } from '../../cells/index.js';
import { EXPIRED_IMPORT } from '../../../contract/abi.js';
import { clockCheck } from '../barrier.js';
import type { Builder, Expr, FunctionScope, Local } from '../ir.js';
import { shareJob, type Job } from '../share.js';
import type { Plan } from '../../plan/cell.js';
import { emitGemm, gemmName } from './gemm.js';
import { emitStep, stepName } from './step.js';
import { emitInputPass, inputPassName } from './xpass.js';

/** Names of the entry's parameters, in order; the module's `run` passes them in this order. */
export const RUN_PARAMS = ['seq', 'batch', 'x', 'seqLens', 'h0', 'c0', 'y', 'yh', 'yc', 'xw', 'resume'] as const;

/** Multi-worker emission: the control block's byte offset (shared jobs); `run` then takes (worker, workers) too. */
export interface Threads {
  readonly control: number;
}

/** Locals of one batch row of a step call: its XW row, Y row, sequence mask, timestep and X row. */
interface RowLocals {
  readonly xw: Local;
  readonly y: Local;
  readonly mask: Local;
  readonly t: Local;
  readonly x: Local;
}

/** The entry under construction: its plan, parameters and locals. */
interface RunFn {
  readonly b: Builder;
  readonly s: FunctionScope;
  readonly plan: Plan;
  readonly threads: Threads | undefined;
  readonly P: (name: (typeof RUN_PARAMS)[number]) => Expr;
  readonly worker: () => Expr;
  readonly workers: () => Expr;
  /** The iteration of the time loop, and the first batch row of a step call. */
  readonly i: Local;
  readonly row: Local;
  /** This call projects its input per step (plan.fuseInputBelow), not in one GEMM before the loop. */
  readonly fused: Local;
  readonly hprev: Local;
  readonly hnext: Local;
  readonly tmp: Local;
  readonly rows: readonly RowLocals[];
  /** The unit blocks [jBegin, jEnd) being computed, in bytes of a state row, and their XW columns [pBegin, pEnd). */
  readonly jBegin: Local;
  readonly jEnd: Local;
  readonly pBegin: Local;
  readonly pEnd: Local;
}

/**
 * A job of `items` items shared by the workers (compiler/emit/share.ts); in the single-worker
 * module, body(0, items).
 */
function share(f: RunFn, items: number, chunk: number, body: Job['body'], more: Pick<Job, 'bounds' | 'ownerBackward'> = {}): Expr {
  const { b, s } = f;
  if (f.threads) return shareJob(b, s, f.threads.control, { worker: f.worker, workers: f.workers, items, chunk, body, ...more });
  const from = s.local('i32'), to = s.local('i32');
  return b.seq([s.set(from, b.i32(0)), s.set(to, b.i32(items)), body(from, to)]);
}

/** Work done once (the state in and out): a job of one item, worker 0's unless it is late. */
const once = (f: RunFn, e: Expr) => share(f, 1, 1, () => e);

/**
 * Emits the entry:
 *
 *   for d in directions:
 *     XW = xw_d(X)                                   (whole sequence, before the time loop, in chunks
 *                                                     of rows, the clock asked between them; calls of
 *                                                     T*B < plan.fuseInputBelow instead project each
 *                                                     row per step, xv_d, into an XW scratch row)
 *     hprev = h0[d] or 0; c = c0[d] or 0             (resume: the previous call's state instead)
 *     for i in 0..T:
 *       every 64th i: trap if the call has overrun its time limit (the runtime's clock)
 *       for rows b0.. in groups of R (then single rows):
 *         t = forward ? i : (len[b] or T) - 1 - i;  active = i < len[b]
 *         step_phase(hprev, hnext, rows, XW row of (t, b), Y row of (active ? t : i, b), active)
 *       swap(hprev, hnext)
 *     Y_h[d] = hprev; Y_c[d] = c
 */
export function emitRun(b: Builder, plan: Plan, name: string, threads?: Threads): void {
  const s = b.scope([...RUN_PARAMS, ...(threads ? ['worker', 'workers'] : [])].map(() => 'i32' as const));
  const f: RunFn = {
    b, s, plan, threads,
    P: (n) => s.get(s.param(RUN_PARAMS.indexOf(n))),
    worker: () => s.get(s.param(RUN_PARAMS.length)), workers: () => s.get(s.param(RUN_PARAMS.length + 1)),
    i: s.local('i32'), row: s.local('i32'), fused: s.local('i32'),
    hprev: s.local('i32'), hnext: s.local('i32'), tmp: s.local('i32'),
    rows: Array.from({ length: plan.rowsPerBlock }, () => ({ xw: s.local('i32'), y: s.local('i32'), mask: s.local('i32'), t: s.local('i32'), x: s.local('i32') })),
    jBegin: s.local('i32'), jEnd: s.local('i32'), pBegin: s.local('i32'), pEnd: s.local('i32'),
  };
  const body: Expr[] = [];
  for (let dir = 0; dir < numDirections(plan.descriptor.direction); dir++) body.push(...direction(f, dir));
  s.finish(name, b.seq(body));
}

/**
 * Worker v's unit blocks [lo, hi): the plan's partition table, the row for this call's worker count
 * (row P starts (P-1)(P+2)/2 entries in, plan/partition.ts), bytes of a state row per entry.
 */
function partitionBounds(f: RunFn, v: () => Expr): readonly [Expr, Expr] {
  const { b, plan } = f;
  const entry = (at: Expr) => b.add(b.add(b.i32(plan.scratch.partition), b.muli(b.mul(b.sub(f.workers(), b.i32(1)), b.add(f.workers(), b.i32(2))), 2)), b.muli(at, 4));
  const blockShift = Math.log2(plan.layout.unitsPerBlock * 4);
  return [b.shrU(b.loadI32(entry(v())), blockShift), b.shrU(b.loadI32(entry(b.add(v(), b.i32(1)))), blockShift)];
}

/** Unit blocks [from, to) as the byte ranges the step and the per-step projection take. */
function setBlocks(f: RunFn, from: Local, to: Local): Expr[] {
  const { b, s, plan } = f;
  const U = plan.layout.unitsPerBlock, G = plan.layout.gates;
  return [
    s.set(f.jBegin, b.muli(s.get(from), U * 4)), s.set(f.jEnd, b.muli(s.get(to), U * 4)),
    s.set(f.pBegin, b.muli(s.get(from), U * 4 * G)), s.set(f.pEnd, b.muli(s.get(to), U * 4 * G)),
  ];
}

/** for (row = 0; row < B; row++) inner */
function forRows(f: RunFn, label: string, inner: Expr): Expr {
  const { b, s } = f;
  return b.seq([
    s.set(f.row, b.i32(0)),
    b.block(`${label}_out`, [b.loop(label, b.seq([
      b.br(`${label}_out`, b.geS(s.get(f.row), f.P('batch'))),
      inner,
      s.bump(f.row, 1),
      b.br(label),
    ]))]),
  ]);
}

/** Direction `dir`: the input projection, the state in, the time loop, the state out. */
function direction(f: RunFn, dir: number): Expr[] {
  const { b, s, plan } = f;
  const d = plan.descriptor, L = plan.layout;
  const D = numDirections(d.direction);
  const { hiddenSize: H, hiddenPadded: Hp } = L;
  const T = () => f.P('seq'), B = () => f.P('batch');
  const out: Expr[] = [];
  const gemm = inputProjection(f, dir);
  if (plan.fuseInputBelow > 0) {
    out.push(s.set(f.fused, b.ltS(b.mul(T(), B()), b.i32(plan.fuseInputBelow))));
    out.push(b.if(b.eqz(s.get(f.fused)), gemm));
  } else {
    out.push(gemm);
  }
  const hA = plan.scratch.hA, hB = plan.scratch.hB;
  // The cell's carried state beside h (LSTM's c): zeroed or read from c0 when a call starts fresh, out to yc.
  const carried = cellSpec(d.cell).carriedState;
  const c = carried === null ? 0 : plan.scratch.rows[carried];
  /** Index of state row `row` of direction dir in h0/Y_h-shaped tensors. */
  const stateIndex = (bRow: Expr): Expr => (d.layout === 0 ? b.add(b.muli(B(), dir), bRow) : b.add(b.muli(bRow, D), b.i32(dir)));
  const rowAddr = (base: Expr) => b.add(base, b.muli(s.get(f.row), Hp * 4));
  const tensorAddr = (name: 'h0' | 'c0' | 'yh' | 'yc') => b.add(f.P(name), b.muli(stateIndex(s.get(f.row)), H * 4));
  const stateBytes = d.maxBatch * Hp * 4;
  const prologue: Expr[] = [b.fill(b.i32(hA), b.i32(0), b.i32(stateBytes))];
  if (c) prologue.push(b.fill(b.i32(c), b.i32(0), b.i32(stateBytes)));
  if (d.hasInitialH) prologue.push(forRows(f, `h0_${dir}`, b.copy(rowAddr(b.i32(hA)), tensorAddr('h0'), b.i32(H * 4))));
  if (d.hasInitialC) prologue.push(forRows(f, `c0_${dir}`, b.copy(rowAddr(b.i32(c)), tensorAddr('c0'), b.i32(H * 4))));
  // Streaming: with `resume`, the state of the previous call carries over (no reset, no copies);
  // the first call ever starts fresh.
  const cell = b.i32(plan.scratch.stateCell + 4 * dir);
  const fresh = s.local('i32');
  out.push(s.set(fresh, b.select(f.P('resume'), b.eqz(b.loadI32(cell)), b.i32(1))));
  out.push(once(f, b.if(s.get(fresh), b.seq(prologue))));
  out.push(
    s.set(f.hprev, b.select(s.get(fresh), b.i32(hA), b.loadI32(b.i32(plan.scratch.stateCell + 4 * dir)))),
    s.set(f.hnext, b.select(b.eq(s.get(f.hprev), b.i32(hA)), b.i32(hB), b.i32(hA))),
    s.set(f.i, b.i32(0)),
  );
  out.push(b.block(`time${dir}_out`, [b.loop(`time${dir}`, b.seq([
    b.br(`time${dir}_out`, b.geS(s.get(f.i), T())),
    // Waits for a job ask the clock only when they last; a call on one worker has only this loop.
    clockCheck(b, s.get(f.i)),
    stepAllRows(f, dir),
    s.set(f.tmp, s.get(f.hprev)), s.set(f.hprev, s.get(f.hnext)), s.set(f.hnext, s.get(f.tmp)),
    s.bump(f.i, 1),
    b.br(`time${dir}`),
  ]))]));
  const epilogue = [
    b.storeI32(b.i32(plan.scratch.stateCell), 4 * dir, s.get(f.hprev)),
    forRows(f, `yh_${dir}`, b.copy(tensorAddr('yh'), rowAddr(s.get(f.hprev)), b.i32(H * 4))),
  ];
  if (c) epilogue.push(forRows(f, `yc_${dir}`, b.copy(tensorAddr('yc'), rowAddr(b.i32(c)), b.i32(H * 4))));
  out.push(once(f, b.seq(epilogue)));
  return out;
}

/** Multiply-adds of one input-projection call between two looks at the clock (a few ms). */
const GEMM_CHUNK_MACS = 1 << 24;

/**
 * XW = X W^T for the whole sequence, a job whose items are the GEMM's column panels; a claimed
 * range of panels in chunks of rows (a multiple of the GEMM's row tile, so each row is computed as
 * in one call): a long sequence's projection takes seconds, and the clock is asked between chunks.
 * Within a chunk the panels stay in L1 as in one call.
 *
 *   job over panels, claimed [p0, p1):
 *     for m in 0..T*B step CH:  if m > 0: trap if expired()
 *                               xw_d(X row m, XW row m, min(CH, T*B - m), p0, p1)
 */
function inputProjection(f: RunFn, dir: number): Expr {
  const { b, s, plan } = f;
  const L = plan.layout;
  const chunk = Math.max(1, Math.floor(GEMM_CHUNK_MACS / (L.inputSize * L.xwStride * plan.gemmRows))) * plan.gemmRows;
  const m = s.local('i32'), rows = s.local('i32');
  const label = `xw${dir}`;
  const NR = L.panelWidth;
  return share(f, L.xwStride / NR, 1, (from, to) => b.seq([
    s.set(f.pBegin, b.muli(s.get(from), NR * 4)), s.set(f.pEnd, b.muli(s.get(to), NR * 4)),
    s.set(m, b.i32(0)),
    s.set(rows, b.mul(f.P('seq'), f.P('batch'))),
    b.block(`${label}_out`, [b.loop(label, b.seq([
      b.br(`${label}_out`, b.geS(s.get(m), s.get(rows))),
      b.if(s.get(m), b.if(b.callI32(EXPIRED_IMPORT, []), b.unreachable())),
      b.call(gemmName(plan, dir), [
        b.add(f.P('x'), b.muli(s.get(m), L.inputSize * 4)), b.add(f.P('xw'), b.muli(s.get(m), L.xwStride * 4)),
        b.select(b.ltS(b.sub(s.get(rows), s.get(m)), b.i32(chunk)), b.sub(s.get(rows), s.get(m)), b.i32(chunk)),
        s.get(f.pBegin), s.get(f.pEnd),
      ]),
      s.bump(m, chunk),
      b.br(label),
    ]))]),
  ]));
}

/**
 * Each phase a job over the unit blocks, a claimed range [j0, j1) over row groups of R, then single
 * rows. With plan.alternateBlocks, owners claim their blocks last to first on odd steps (the blocks
 * the step before ended on are still in cache), and other workers take from the front.
 */
function stepAllRows(f: RunFn, dir: number): Expr {
  const { b, s, plan } = f;
  const R = plan.rowsPerBlock;
  const L = plan.layout;
  return b.seq(plan.phases.map((_, phase) => {
    const ownerBackward = plan.alternateBlocks ? b.andi(s.get(f.i), 1) : b.i32(0);
    const groups = (rows: number, label: string) => b.block(`${label}_out`, [b.loop(label, b.seq([
      b.br(`${label}_out`, b.gtS(b.add(s.get(f.row), b.i32(rows)), f.P('batch'))),
      callStep(f, dir, phase, rows),
      s.bump(f.row, rows),
      b.br(label),
    ]))]);
    return share(f, L.hiddenPadded / L.unitsPerBlock, plan.claimBlocks, (from, to) => b.seq([
      ...setBlocks(f, from, to),
      s.set(f.row, b.i32(0)), groups(R, `g${dir}_${phase}`), R > 1 ? groups(1, `s${dir}_${phase}`) : b.nop(),
    ]), { ownerBackward, bounds: (v) => partitionBounds(f, v) });
  }));
}

/** One call of the step function for `rows` rows from `row` (and, fused, their input projection first). */
function callStep(f: RunFn, dir: number, phase: number, rows: number): Expr {
  const { b, s, plan } = f;
  const Hp = plan.layout.hiddenPadded;
  const stmts: Expr[] = [];
  for (let r = 0; r < rows; r++) stmts.push(...rowArgs(f, dir, () => b.add(s.get(f.row), b.i32(r)), f.rows[r]));
  if (plan.fuseInputBelow > 0 && phase === 0) {
    const project = Array.from({ length: rows }, (_, r) =>
      b.call(inputPassName(plan, dir), [s.get(f.rows[r].x), s.get(f.rows[r].xw), s.get(f.pBegin), s.get(f.pEnd)]));
    stmts.push(b.if(s.get(f.fused), b.seq(project)));
  }
  // Odd iterations walk the unit blocks backward. A streaming call (T = 1) is always iteration 0, so
  // its steps all run forward: keyed to the h buffer instead, so that they alternate too, LSTM
  // 256/256 steps took 0.0273 ms against 0.0266 (W and R, 2 MiB, pass through L2 every call).
  const backward = plan.alternateBlocks ? b.andi(s.get(f.i), 1) : b.i32(0);
  const args: Expr[] = [s.get(f.hprev), s.get(f.hnext), b.muli(s.get(f.row), Hp * 4), s.get(f.jBegin), s.get(f.jEnd), backward];
  for (let r = 0; r < rows; r++) {
    args.push(s.get(f.rows[r].xw), s.get(f.rows[r].y));
    if (plan.descriptor.hasSequenceLens) args.push(s.get(f.rows[r].mask));
  }
  stmts.push(b.call(stepName(plan, dir, phase, rows), args));
  return b.seq(stmts);
}

/** Computes XW row, Y row and mask of batch row `bRow` at iteration i of direction dir. */
function rowArgs(f: RunFn, dir: number, bRow: () => Expr, out: RowLocals): Expr[] {
  const { b, s, plan } = f;
  const d = plan.descriptor, L = plan.layout;
  const D = numDirections(d.direction);
  const T = () => f.P('seq'), B = () => f.P('batch');
  const Np = L.xwStride;
  const reverse = d.direction === 'reverse' || dir === 1;
  const stmts: Expr[] = [];
  const len = () => (d.hasSequenceLens ? b.loadI32(b.add(f.P('seqLens'), b.muli(bRow(), 4))) : T());
  // t = forward ? i : len - 1 - i; an inactive row (i >= len) uses t = i: it reads an unused XW row
  // and writes zeros to Y at i, so every Y row past the length is zeroed exactly once.
  stmts.push(s.set(out.t, reverse ? b.sub(b.sub(len(), b.i32(1)), s.get(f.i)) : s.get(f.i)));
  if (d.hasSequenceLens) {
    stmts.push(s.set(out.mask, b.select(b.ltS(s.get(f.i), len()), b.i32(-1), b.i32(0))));
    stmts.push(s.set(out.t, b.select(s.get(out.mask), s.get(out.t), s.get(f.i))));
  }
  const xRow = () => (plan.inputBatchMajor ? b.add(b.mul(bRow(), T()), s.get(out.t)) : b.add(b.mul(s.get(out.t), B()), bRow()));
  const hoistedRow = b.add(f.P('xw'), b.muli(xRow(), Np * 4));
  if (plan.fuseInputBelow > 0) {
    // Fused: X row (t, b) projected now into batch row b's XW scratch row (phase 0, callStep).
    stmts.push(s.set(out.x, b.add(f.P('x'), b.muli(xRow(), L.inputSize * 4))));
    stmts.push(s.set(out.xw, b.select(s.get(f.fused), b.add(b.i32(plan.scratch.xwRows), b.muli(bRow(), Np * 4)), hoistedRow)));
  } else {
    stmts.push(s.set(out.xw, hoistedRow));
  }
  const yIndex = d.layout === 0
    ? b.add(b.mul(b.add(b.muli(s.get(out.t), D), b.i32(dir)), B()), bRow())
    : b.add(b.muli(b.add(b.mul(bRow(), T()), s.get(out.t)), D), b.i32(dir));
  stmts.push(s.set(out.y, b.add(f.P('y'), b.muli(yIndex, L.hiddenSize * 4))));
  return stmts;
}

/** Emits every function of one RNN node: per direction the GEMM and the step variants, then `name`. */
export function emitRnnNode(b: Builder, plan: Plan, name: string, threads?: Threads): void {
  const rowCounts = plan.rowsPerBlock > 1 ? [plan.rowsPerBlock, 1] : [1];
  for (let dir = 0; dir < numDirections(plan.descriptor.direction); dir++) {
    emitGemm(b, plan, dir);
    if (plan.fuseInputBelow > 0) emitInputPass(b, plan, dir);
    for (let phase = 0; phase < plan.layout.phases.length; phase++) {
      for (const rows of rowCounts) emitStep(b, plan, dir, phase, rows);
    }
  }
  emitRun(b, plan, name, threads);
}
