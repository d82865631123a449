/**
 * The per-timestep barrier of multi-worker kernels, inside the wasm module: arrive with an atomic
 * add, spin a bounded number of times on an atomic load of the generation, then sleep in
 * memory.atomic.wait32; the last to arrive resets the count, bumps the generation and notifies.
 * A non-zero abort cell (set by the runtime when a worker failed or a call timed out) makes every
 * waiter trap instead of waiting forever.
 *
 * The module imports `env.expired() -> i32`: non-zero once the call has overrun its time limit. The
 * calling thread, when it computes worker 0's share, cannot be interrupted by the runtime (it is the
 * runtime), so it asks at every 64th barrier and whenever a sleep ends; pool workers are given a
 * constant 0 and learn of a timeout through the abort cell.
 */
import type { Builder } from '../ir.js';

/**
 * Spins before sleeping (a few hundred microseconds). Short spins made one worker fall asleep in
 * wait32, and its slow wake-up made it late for the next barrier too, chaining 10-15 us per step.
 */
export const BARRIER_SPIN = 150000;
/** Longest sleep between checks of the abort cell and the clock. */
const WAIT_NS = 50_000_000;
/** Name of the imported clock check. */
export const EXPIRED_IMPORT = 'expired';
/** The clock is asked at barriers whose generation is a multiple of this (a power of two). */
const CLOCK_EVERY = 64;

/**
 * Emits `name(workers)`:
 *
 *   gen = load(GEN); if gen % 64 == 0 and expired(): give up
 *   if add(COUNT, 1) == workers - 1: store(COUNT, 0); add(GEN, 1); if load(SLEEPERS): notify(GEN)
 *   else: spin while load(GEN) == gen (bounded), then SLEEPERS++, wait32(GEN, gen) until it changes,
 *         SLEEPERS--; trap if ABORT; give up if expired()
 *   give up = store(ABORT, 1), notify(GEN), trap
 * (notify takes a lock in the engine even with nobody waiting, so the last arrival skips it when
 * every other worker is still spinning.)
 */
export function emitBarrier(b: Builder, name: string, cells: number): void {
  b.importPredicate(EXPIRED_IMPORT);
  const s = b.scope(['i32']);
  const workers = s.param(0);
  const gen = s.local('i32'), spin = s.local('i32');
  const COUNT = b.i32(cells), GEN = () => b.i32(cells + 4), ABORT = () => b.i32(cells + 8), SLEEPERS = () => b.i32(cells + 12);
  const changed = () => b.ne(b.atomicLoad(GEN()), s.get(gen));
  const giveUp = () => b.seq([b.atomicStore(ABORT(), 0, b.i32(1)), b.drop(b.atomicNotify(GEN(), b.i32(-1))), b.unreachable()]);
  const expired = () => b.callI32(EXPIRED_IMPORT, []);
  const body = b.seq([
    s.set(gen, b.atomicLoad(GEN())),
    b.if(b.eqz(b.andi(s.get(gen), CLOCK_EVERY - 1)), b.if(expired(), giveUp())),
    b.if(
      b.eq(b.atomicAdd(COUNT, 0, b.i32(1)), b.sub(s.get(workers), b.i32(1))),
      b.seq([
        b.atomicStore(b.i32(cells), 0, b.i32(0)),
        b.drop(b.atomicAdd(GEN(), 0, b.i32(1))),
        b.if(b.atomicLoad(SLEEPERS()), b.drop(b.atomicNotify(GEN(), b.i32(-1)))),
      ]),
      b.block('wait_out', [
        s.set(spin, b.i32(BARRIER_SPIN)),
        b.loop('spin', b.seq([
          b.br('wait_out', changed()),
          s.set(spin, b.sub(s.get(spin), b.i32(1))),
          b.br('spin', b.gtS(s.get(spin), b.i32(0))),
        ])),
        b.drop(b.atomicAdd(SLEEPERS(), 0, b.i32(1))),
        b.loop('sleep', b.seq([
          b.if(b.ne(b.atomicLoad(ABORT()), b.i32(0)), b.unreachable()),
          b.drop(b.atomicWait(GEN(), s.get(gen), WAIT_NS)),
          b.if(expired(), giveUp()),
          b.br('sleep', b.eqz(changed())),
        ])),
        b.drop(b.atomicAdd(SLEEPERS(), 0, b.i32(-1))),
      ]),
    ),
  ]);
  s.finish(name, body);
}
