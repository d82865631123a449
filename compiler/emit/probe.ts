/**
 * A probe module for one activation: applies `emitActivation` in place to an f32 array in memory,
 * so tests can measure the SIMD activations against float64 over any set of inputs. Not part of a
 * kernel; it reuses the kernels' emitter unchanged, through the same Builder and optimizer.
 */
import type { Activation } from './activations.js';
import { Builder } from './ir.js';
import { MAX_PAGES } from '../../contract/abi.js';
import { InternalError } from '../../contract/errors.js';
import { emitActivation } from './activations.js';
import { Straight } from './vec.js';

/** Options of `buildActivationProbe`. */
export interface ProbeOptions {
  /** Run binaryen's -O3 (default true; binaryen must be loaded: loadBinaryen). */
  readonly optimize?: boolean;
}

/**
 * Emits a module importing `env.memory` (1..MAX_PAGES pages) and exporting `apply(ptr, n)`, which
 * replaces the n floats at byte offset ptr (16-byte aligned, n a multiple of 4) by a(x):
 *
 *   for p in ptr..ptr + 4n step 16:
 *     v128.store(p, a(v128.load(p)))
 */
export function buildActivationProbe(a: Activation, opts: ProbeOptions = {}): Uint8Array {
  const b = new Builder({ simd: true, relaxedSimd: false, threads: false });
  try {
    b.importMemory(1, MAX_PAGES);
    const s = b.scope(['i32', 'i32']);
    const ptr = s.param(0), n = s.param(1);
    const end = s.local('i32');
    const v = new Straight(b, s);
    const x = v.let(b.vload(s.get(ptr)));
    v.push(b.vstore(s.get(ptr), 0, v.get(emitActivation(v, a, x))));
    const body = b.seq([
      s.set(end, b.add(s.get(ptr), b.muli(s.get(n), 4))),
      b.block('done', [b.loop('lanes', b.seq([
        b.br('done', b.geS(s.get(ptr), s.get(end))),
        v.done(),
        s.bump(ptr, 16),
        b.br('lanes'),
      ]))]),
    ]);
    s.finish('apply', body, 'apply');
    if (!b.validate()) throw new InternalError(`the ${a.name} probe module does not validate`);
    if (opts.optimize !== false) b.optimize();
    return b.emitBinary();
  } finally {
    b.dispose();
  }
}
