/**
 * The per-timestep barrier of multi-worker kernels, inside the wasm module: arrive with an atomic
 * add, spin a bounded number of times on an atomic load of the generation, then sleep in
 * memory.atomic.wait32; the last to arrive resets the count, bumps the generation and notifies.
 * A non-zero abort cell (set by the runtime when a worker failed or a call timed out) makes every
 * waiter trap instead of waiting forever.
 */
import type { Builder } from '../ir.js';

/**
 * Spins before sleeping (a few hundred microseconds). Short spins made one worker fall asleep in
 * wait32, and its slow wake-up made it late for the next barrier too, chaining 10-15 us per step.
 */
export const BARRIER_SPIN = 150000;
/** Longest sleep between checks of the abort cell. */
const WAIT_NS = 50_000_000;

/**
 * Emits `name(workers)`:
 *
 *   gen = load(GEN)
 *   if add(COUNT, 1) == workers - 1: store(COUNT, 0); add(GEN, 1); if load(SLEEPERS): notify(GEN)
 *   else: spin while load(GEN) == gen (bounded), then SLEEPERS++, wait32(GEN, gen) until it changes,
 *         SLEEPERS--; trap if ABORT
 * (notify takes a lock in the engine even with nobody waiting, so the last arrival skips it when
 * every other worker is still spinning.)
 */
export function emitBarrier(b: Builder, name: string, cells: number): void {
  const s = b.scope(['i32']);
  const workers = s.param(0);
  const gen = s.local('i32'), spin = s.local('i32');
  const COUNT = b.i32(cells), GEN = () => b.i32(cells + 4), ABORT = () => b.i32(cells + 8), SLEEPERS = () => b.i32(cells + 12);
  const changed = () => b.ne(b.atomicLoad(GEN()), s.get(gen));
  const body = b.seq([
    s.set(gen, b.atomicLoad(GEN())),
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
          b.br('sleep', b.eqz(changed())),
        ])),
        b.drop(b.atomicAdd(SLEEPERS(), 0, b.i32(-1))),
      ]),
    ),
  ]);
  s.finish(name, body);
}
