/**
 * Shared jobs, the multi-worker module's unit of parallel work. A job is a fixed number of items
 * (the unit blocks of one recurrent phase, the panels of an input projection, a whole op); worker w
 * owns a contiguous range of them (the recurrent node's partition table, or an even split), claims
 * them from its own end of the range in chunks, so that its slice of the weights stays in its
 * core's cache, and then takes single items from the far end of the others' ranges. The job ends
 * when every item is done, not when every worker has arrived: a worker that loses its core delays
 * the others by the chunk it holds, not by the time it is away. Whoever computes an item runs the
 * same code on the same data, so the results do not depend on who did what.
 *
 * Claims are made with a compare-exchange on the owner's claim cell (contract/control.ts CLAIM): a
 * tag naming the job, and the unclaimed range. Every worker passes the same jobs in the same order,
 * and keeps a running total of their items (ITEMS_PASSED), which is also the tag of its current
 * job; the first claim of a job on a range whose cell holds an older tag starts from the whole
 * range, and a cell holding a newer tag tells a late worker the job is long over. Finished items
 * are added to ITEMS_DONE, which a worker waits to see reach its running total.
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { EXPIRED_IMPORT } from '../../contract/abi.js';
import { ARRIVALS, ARRIVAL_STRIDE, BARRIER_ABORT, CALLER_SPINS, CLAIM, ITEMS_DONE, ITEMS_PASSED, ITEMS_SLEEPERS, STOLEN } from '../../contract/control.js';
import { InternalError } from '../../contract/errors.js';
import { BARRIER_SPIN } from './barrier.js';

/** The function every worker calls at the end of a job: returns once all of its items are done. */
export const AWAIT_ITEMS = 'await_items';
/** The most items a job may have (a range's bounds are 16-bit fields of its claim cell). */
export const MAX_ITEMS = 0xffff;
/** Longest sleep between checks of the abort cell and the clock. */
const WAIT_NS = 50_000_000;

/** One job at one place in a function. */
export interface Job {
  readonly worker: () => Expr;
  readonly workers: () => Expr;
  /** Items of the job (1..MAX_ITEMS). */
  readonly items: number;
  /** Worker v's items [lo, hi); default: an even split, the first workers taking the remainder. */
  readonly bounds?: (v: () => Expr) => readonly [Expr, Expr];
  /** Items the owner claims at once (thieves take one). */
  readonly chunk: number;
  /** Non-zero: the owner claims its range last to first (and thieves take from its front). */
  readonly ownerBackward?: Expr;
  /** The work of items [from, to). */
  readonly body: (from: Local, to: Local) => Expr;
}

/** Address of worker w's cell `cell` (an index within its line of the control block). */
const workerCell = (b: Builder, control: number, w: Expr, cell: number) => b.add(b.i32(control + 4 * (ARRIVALS + cell)), b.muli(w, 4 * ARRIVAL_STRIDE));

/**
 * Emits, inline in the function of scope `s`:
 *
 *   if workers == 1: body(0, items)
 *   else:
 *     tag = passed[worker] += items
 *     for v = worker, worker+1, ... (mod workers):        the own range first, then the others'
 *       trap if ABORT
 *       while (from, to) = claim(v, tag, v == worker ? chunk : 1, own end or far end):
 *         body(from, to); done += to - from
 *     await_items(tag, worker)
 */
export function shareJob(b: Builder, s: FunctionScope, control: number, job: Job): Expr {
  const { items, chunk } = job;
  if (!(items >= 1 && items <= MAX_ITEMS && chunk >= 1)) throw new InternalError(`a shared job of ${items} items in chunks of ${chunk}: expected 1..${MAX_ITEMS} items`);
  const from = s.local('i32'), to = s.local('i32');
  const tag = s.local('i32'), k = s.local('i32'), v = s.local('i32'), back = s.local('i32'), ownerBack = s.local('i32');
  const cell = s.local('i32'), f = s.local('i32'), e = s.local('i32'), old = s.local('i64'), n = s.local('i32'), lo = s.local('i32'), hi = s.local('i32');
  const id = uid(s);
  const passed = () => workerCell(b, control, job.worker(), ITEMS_PASSED);
  const even = (w: () => Expr): readonly [Expr, Expr] => {
    // ceil(w * items / P): worker 0 owns the item of a one-item job.
    const at = (x: Expr) => b.divU(b.add(b.muli(x, items), b.sub(job.workers(), b.i32(1))), job.workers());
    return [at(w()), at(b.add(w(), b.i32(1)))];
  };
  const [loOf, hiOf] = (job.bounds ?? even)(() => s.get(v));
  const claim = b.loop(`claim${id}`, b.seq([
    s.set(old, b.atomicLoad64(s.get(cell))),
    b.if(b.eq(b.high32(s.get(old)), s.get(tag)),
      b.seq([s.set(f, b.shrU(b.low32(s.get(old)), 16)), s.set(e, b.andi(b.low32(s.get(old)), 0xffff))]),
      b.seq([
        // A newer tag: every item of this job was done long ago (this worker is late).
        b.br(`exhausted${id}`, b.gtS(b.sub(b.high32(s.get(old)), s.get(tag)), b.i32(0))),
        s.set(f, s.get(lo)), s.set(e, s.get(hi)),
      ])),
    b.br(`exhausted${id}`, b.geS(s.get(f), s.get(e))),
    b.if(s.get(back),
      b.seq([s.set(to, s.get(e)), s.set(from, b.select(b.gtS(b.sub(s.get(e), s.get(n)), s.get(f)), b.sub(s.get(e), s.get(n)), s.get(f))),
        s.set(e, s.get(from))]),
      b.seq([s.set(from, s.get(f)), s.set(to, b.select(b.ltS(b.add(s.get(f), s.get(n)), s.get(e)), b.add(s.get(f), s.get(n)), s.get(e))),
        s.set(f, s.get(to))])),
    b.br(`claim${id}`, b.eqz(b.eq64(b.atomicCmpxchg64(s.get(cell), s.get(old), b.i64Of(s.get(tag), b.or(b.shl(s.get(f), 16), s.get(e)))), s.get(old)))),
  ]));
  const stolen = () => workerCell(b, control, job.worker(), STOLEN);
  // The body is emitted once (its labels must be unique): a call on one worker takes every item
  // without claiming and leaves after it.
  const solo = s.local('i32');
  const victims = b.block(`out${id}`, [b.loop(`next${id}`, b.seq([
    b.block(`exhausted${id}`, [
      b.if(s.get(solo), b.seq([s.set(from, b.i32(0)), s.set(to, b.i32(items))]), b.seq([
        // A failed call's pool is stopped by the abort cell: its workers claim nothing more (a
        // fresh pool on the same memory starts the counts over).
        b.if(b.atomicLoad(b.i32(control + 4 * BARRIER_ABORT)), b.unreachable()),
        s.set(lo, loOf), s.set(hi, hiOf),
        s.set(cell, workerCell(b, control, s.get(v), CLAIM)),
        s.set(n, b.select(s.get(k), b.i32(1), b.i32(chunk))),
        claim,
      ])),
      job.body(from, to),
      b.br(`out${id}`, s.get(solo)),
      b.if(s.get(k), b.storeI32(stolen(), 0, b.add(b.loadI32(stolen()), b.sub(s.get(to), s.get(from))))),
      b.drop(b.atomicAdd(b.i32(control + 4 * ITEMS_DONE), 0, b.sub(s.get(to), s.get(from)))),
      b.if(b.atomicLoad(b.i32(control + 4 * ITEMS_SLEEPERS)), b.drop(b.atomicNotify(b.i32(control + 4 * ITEMS_DONE), b.i32(-1)))),
      b.br(`next${id}`),
    ]),
    // This range is exhausted: on to the next worker's, from its far end.
    s.bump(k, 1),
    b.br(`out${id}`, b.geS(s.get(k), job.workers())),
    s.set(v, b.add(job.worker(), s.get(k))),
    b.if(b.geS(s.get(v), job.workers()), s.set(v, b.sub(s.get(v), job.workers()))),
    s.set(back, b.eqz(s.get(ownerBack))),
    b.br(`next${id}`),
  ]))]);
  return b.seq([
    s.set(solo, b.leS(job.workers(), b.i32(1))),
    b.if(b.eqz(s.get(solo)), b.seq([
      s.set(tag, b.add(b.loadI32(passed()), b.i32(items))),
      b.storeI32(passed(), 0, s.get(tag)),
      s.set(ownerBack, job.ownerBackward ?? b.i32(0)),
      s.set(back, s.get(ownerBack)),
      s.set(k, b.i32(0)), s.set(v, job.worker()),
    ])),
    victims,
    b.if(b.eqz(s.get(solo)), b.call(AWAIT_ITEMS, [s.get(tag), job.worker()])),
  ]);
}

/** Labels unique within a function: the scope's next local index serves. */
function uid(s: FunctionScope): string {
  return `_${s.local('i32').index}`;
}

/**
 * Emits `await_items(tag, worker)` for the control block at byte `control`:
 *
 *   until done - tag >= 0 (counts wrap: a signed difference):
 *     spin on load(done) (bounded); then trap if ABORT; give up if expired()
 *     worker 0 with CALLER_SPINS set: spin again (it may not sleep)
 *     else sleepers++, wait32(done, seen), sleepers--
 *   give up = store(ABORT, 1), notify the sleepers, trap
 */
export function emitAwaitItems(b: Builder, control: number): void {
  const s = b.scope(['i32', 'i32']);
  const tag = () => s.get(s.param(0)), worker = () => s.get(s.param(1));
  const seen = s.local('i32'), spin = s.local('i32');
  const DONE = () => b.i32(control + 4 * ITEMS_DONE);
  const SLEEPERS = () => b.i32(control + 4 * ITEMS_SLEEPERS);
  const ABORT = () => b.i32(control + 4 * BARRIER_ABORT);
  const reached = () => b.geS(b.sub(s.get(seen), tag()), b.i32(0));
  const body = b.block('done', [
    s.set(spin, b.i32(BARRIER_SPIN)),
    b.loop('wait', b.seq([
      s.set(seen, b.atomicLoad(DONE())),
      b.br('done', reached()),
      s.set(spin, b.sub(s.get(spin), b.i32(1))),
      b.br('wait', b.gtS(s.get(spin), b.i32(0))),
      b.if(b.atomicLoad(ABORT()), b.unreachable()),
      b.if(b.callI32(EXPIRED_IMPORT, []), b.seq([
        b.atomicStore(ABORT(), 0, b.i32(1)),
        b.drop(b.atomicNotify(DONE(), b.i32(-1))),
        b.unreachable(),
      ])),
      s.set(spin, b.i32(BARRIER_SPIN)),
      b.br('wait', b.and(b.eqz(worker()), b.ne(b.atomicLoad(b.i32(control + 4 * CALLER_SPINS)), b.i32(0)))),
      b.drop(b.atomicAdd(SLEEPERS(), 0, b.i32(1))),
      b.drop(b.atomicWait(DONE(), s.get(seen), WAIT_NS)),
      b.drop(b.atomicAdd(SLEEPERS(), 0, b.i32(-1))),
      s.set(spin, b.i32(1000)),
      b.br('wait'),
    ])),
  ]);
  s.finish(AWAIT_ITEMS, body);
}

/** The most items of an op split into ranges: enough for a late worker's share to be taken in pieces. */
export const RANGE_ITEMS = 16;

/**
 * Run-time sizes (seq, batch) are taken as this many rows when an op's items are counted: a step
 * of a long sequence is split in up to RANGE_ITEMS items all the same, the runtime clamping each
 * to its minimum, but a step that is tiny per row stays one item.
 */
export const RUN_TIME_ROWS = 16;

/**
 * Items an op is split in when its work is a run of units like rows or vectors: `fixed` units
 * times the run-time sizes (`dynamic`), up to RANGE_ITEMS, none smaller than `minUnits`; one when
 * it is smaller still, as each item costs its claim and the count it adds to the job's done cell.
 */
export function rangeItems(fixed: number, dynamic: boolean, minUnits: number): number {
  const units = dynamic ? fixed * RUN_TIME_ROWS : fixed;
  return Math.max(1, Math.min(RANGE_ITEMS, Math.floor(units / minUnits)));
}

/**
 * The units [lo, hi) of items [from, to) of `items` over `n` units (n read once): each item
 * ceil(n / items) units rounded up to a multiple of `align`, and at least
 * `minUnits`, so that a small run at run time falls to the first items and the others are empty.
 *
 *   per = max(roundUp(ceil(n / items), align), minUnits)
 *   lo = min(from * per, n); hi = min(to * per, n)
 */
export function itemSpan(b: Builder, s: FunctionScope, range: { readonly from: () => Expr; readonly to: () => Expr }, n: Expr,
  items: number, opts: { readonly align: number; readonly minUnits: number }): { readonly set: Expr; readonly lo: Local; readonly hi: Local } {
  const { align, minUnits } = opts;
  if (!(Number.isInteger(align) && align >= 1 && minUnits >= 1 && minUnits % align === 0)) throw new InternalError(`item spans aligned to ${align} of at least ${minUnits} units: expected a positive alignment and a multiple of it`);
  const total = s.local('i32'), per = s.local('i32'), lo = s.local('i32'), hi = s.local('i32');
  const min = (x: Expr, y: () => Expr, t: Local) => b.seq([s.set(t, x), s.set(t, b.select(b.ltU(s.get(t), y()), s.get(t), y()))]);
  const set = b.seq([
    s.set(total, n),
    s.set(per, b.muli(b.divU(b.add(b.divU(b.add(s.get(total), b.i32(items - 1)), b.i32(items)), b.i32(align - 1)), b.i32(align)), align)),
    s.set(per, b.select(b.ltU(s.get(per), b.i32(minUnits)), b.i32(minUnits), s.get(per))),
    min(b.mul(range.from(), s.get(per)), () => s.get(total), lo),
    min(b.mul(range.to(), s.get(per)), () => s.get(total), hi),
  ]);
  return { set, lo, hi };
}
