/**
 * The barrier of the multi-worker module, where every worker must arrive (around the read of a
 * run-time If's condition, module.ts; the steps themselves are shared jobs, share.ts). Each worker counts the
 * barriers it has reached in a cell on a cache line of its own (contract/control.ts): arriving, it
 * bumps its count, then reads the others' counts until each has caught up, spinning a bounded number
 * of times on an atomic load, then sleeping in memory.atomic.wait32 on the late worker's cell (whose
 * arrival notifies, when it sees sleepers). With a central counter, the last arrival paid three line
 * transfers in a row (read the generation, add to the count, the waiter's read of the new
 * generation); here each worker's wait is one transfer, the two directions in parallel.
 * A non-zero abort cell (set by the runtime when a worker failed or a call timed out) makes every
 * waiter trap instead of waiting forever.
 *
 * The module imports `env.expired() -> i32` (compiler/module/module.ts): non-zero once the call has
 * overrun its time limit. The calling thread, when it computes worker 0's share, cannot be
 * interrupted by the runtime (it is the runtime), so it asks at every 64th barrier and whenever a
 * sleep ends; pool workers are given a constant 0 and learn of a timeout through the abort cell.
 * Where no barrier runs (the single-worker module, a call on the caller alone) the time loop asks
 * (`clockCheck`).
 */
import type { Builder, Expr } from './ir.js';
import { EXPIRED_IMPORT } from '../../contract/abi.js';
import { ARRIVALS, ARRIVAL_STRIDE, ARRIVED, BARRIER_ABORT, CALLER_SPINS, SLEEPERS } from '../../contract/control.js';

/**
 * Spins before sleeping (a few hundred microseconds). Short spins made one worker fall asleep in
 * wait32, and its slow wake-up made it late for the next barrier too, chaining 10-15 us per step.
 */
export const BARRIER_SPIN = 150000;
/** Longest sleep between checks of the abort cell and the clock. */
const WAIT_NS = 50_000_000;
/** The clock is asked at barriers whose count is a multiple of this (a power of two). */
const CLOCK_EVERY = 64;

/**
 * `if count % 64 == 63 and expired(): trap`, for a loop of the calling thread that meets no barrier
 * (the runtime sets the abort cell for the other workers, if any, once the caller trapped).
 */
export function clockCheck(b: Builder, count: Expr): Expr {
  return b.if(b.eq(b.andi(count, CLOCK_EVERY - 1), b.i32(CLOCK_EVERY - 1)), b.if(b.callI32(EXPIRED_IMPORT, []), b.unreachable()));
}

/**
 * Emits `name(worker, workers)` for the control block at byte `control`:
 *
 *   if workers == 1: return                      (the caller alone; the others' counts stay put)
 *   n = ++arrived[worker]; if sleepers[worker]: notify(arrived[worker])
 *   if n % 64 == 0 and expired(): give up
 *   for v != worker: until arrived[v] - n >= 0:
 *     spin on load(arrived[v]) (bounded; worker 0 with CALLER_SPINS set: spin on, trap if ABORT, give
 *     up if expired(), between rounds), then sleepers[v]++, wait32(arrived[v], seen) until it
 *     catches up, sleepers[v]--; trap if ABORT; give up if expired()
 *   give up = store(ABORT, 1), notify every worker's cell, trap
 * (notify takes a lock in the engine even with nobody waiting, so an arrival skips it when nobody
 * sleeps on it.) Counts wrap around; "caught up" is a signed difference.
 */
export function emitBarrier(b: Builder, name: string, control: number): void {
  const s = b.scope(['i32', 'i32']);
  const worker = () => s.get(s.param(0)), workers = () => s.get(s.param(1));
  const n = s.local('i32'), v = s.local('i32'), cell = s.local('i32'), seen = s.local('i32'), spin = s.local('i32');
  const mine = s.local('i32');
  /** Address of worker w's count; its sleepers' count is SLEEPING_AT bytes further. */
  const arrivedOf = (w: Expr) => b.add(b.i32(control + 4 * (ARRIVALS + ARRIVED)), b.muli(w, 4 * ARRIVAL_STRIDE));
  const SLEEPING_AT = 4 * (SLEEPERS - ARRIVED);
  const ABORT = () => b.i32(control + 4 * BARRIER_ABORT);
  const behind = () => b.ltS(b.sub(s.get(seen), s.get(n)), b.i32(0));
  let giveUps = 0;
  const giveUp = () => {
    const label = `wake_all${giveUps++}`;
    return b.seq([
      b.atomicStore(ABORT(), 0, b.i32(1)),
      s.set(v, b.i32(0)),
      b.loop(label, b.seq([
        b.drop(b.atomicNotify(arrivedOf(s.get(v)), b.i32(-1))),
        s.bump(v, 1),
        b.br(label, b.ltS(s.get(v), workers())),
      ])),
      b.unreachable(),
    ]);
  };
  const expired = () => b.callI32(EXPIRED_IMPORT, []);
  const body = b.seq([
    b.if(b.leS(workers(), b.i32(1)), b.ret()),
    s.set(mine, arrivedOf(worker())),
    s.set(n, b.add(b.atomicLoad(s.get(mine)), b.i32(1))),
    b.atomicStore(s.get(mine), 0, s.get(n)),
    b.if(b.atomicLoad(s.get(mine), SLEEPING_AT), b.drop(b.atomicNotify(s.get(mine), b.i32(-1)))),
    b.if(b.eqz(b.andi(s.get(n), CLOCK_EVERY - 1)), b.if(expired(), giveUp())),
    s.set(v, b.i32(0)),
    b.loop('others', b.seq([
      b.if(b.ne(s.get(v), worker()), b.seq([
        s.set(cell, arrivedOf(s.get(v))),
        s.set(seen, b.atomicLoad(s.get(cell))),
        b.if(behind(), b.block('caught_up', [
          b.loop('respin', b.seq([
            s.set(spin, b.i32(BARRIER_SPIN)),
            b.loop('spin', b.seq([
              s.set(seen, b.atomicLoad(s.get(cell))),
              b.br('caught_up', b.eqz(behind())),
              s.set(spin, b.sub(s.get(spin), b.i32(1))),
              b.br('spin', b.gtS(s.get(spin), b.i32(0))),
            ])),
            // The calling thread where it may not sleep (CALLER_SPINS): spin on, asking as a sleep would.
            b.if(b.and(b.eqz(worker()), b.ne(b.atomicLoad(b.i32(control + 4 * CALLER_SPINS)), b.i32(0))), b.seq([
              b.if(b.ne(b.atomicLoad(ABORT()), b.i32(0)), b.unreachable()),
              b.if(expired(), giveUp()),
              b.br('respin'),
            ])),
          ])),
          b.drop(b.atomicAdd(s.get(cell), SLEEPING_AT, b.i32(1))),
          b.loop('sleep', b.seq([
            b.if(b.ne(b.atomicLoad(ABORT()), b.i32(0)), b.unreachable()),
            s.set(seen, b.atomicLoad(s.get(cell))),
            b.if(behind(), b.seq([
              b.drop(b.atomicWait(s.get(cell), s.get(seen), WAIT_NS)),
              b.if(expired(), giveUp()),
              b.br('sleep'),
            ])),
          ])),
          b.drop(b.atomicAdd(s.get(cell), SLEEPING_AT, b.i32(-1))),
        ])),
      ])),
      s.bump(v, 1),
      b.br('others', b.ltS(s.get(v), workers())),
    ])),
  ]);
  s.finish(name, body);
}
