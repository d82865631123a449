/**
 * The streaming loop shared by the elementwise kernels: a run-time count of f32 elements walked by
 * a few pointers in step, `unroll` vectors at a time, then single vectors, then single lanes.
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { Straight } from './vec.js';

/**
 * Emits one element group at byte offset `off` from the current pointers: a whole f32x4 when
 * `lane` is false, else one element (loaded with `load` as a splat, stored with `store` as lane 0).
 */
export type GroupBody = (v: Straight, off: number, lane: boolean) => void;

/** A load of 4 elements, or of one element splat to all lanes. */
export function load(b: Builder, ptr: Expr, off: number, lane: boolean): Expr {
  return lane ? b.vsplatLoad(ptr, off) : b.vload(ptr, off);
}

/** A store of 4 elements, or of lane 0 only. */
export function store(b: Builder, ptr: Expr, off: number, lane: boolean, v: Expr): Expr {
  return lane ? b.vstoreLane(ptr, off, 0, v) : b.vstore(ptr, off, v);
}

/**
 * Emits, with rem = count:
 *
 *   while rem >= 4*unroll: body(0), body(16), ... body(16*(unroll-1)); ptrs += 16*unroll; rem -= 4*unroll
 *   while rem >= 4:        body(0);  ptrs += 16; rem -= 4          (only when unroll > 1)
 *   while rem > 0:         body(lane); ptrs += 4; rem -= 1
 *
 * Every group reads and writes only its own elements, so out may alias an input.
 */
export function elementLoop(b: Builder, s: FunctionScope, label: string, ptrs: readonly Local[], count: Expr,
  unroll: number, body: GroupBody): Expr {
  const rem = s.local('i32');
  const stage = (tag: string, elems: number, groups: number, lane: boolean): Expr => {
    const v = new Straight(b, s);
    for (let g = 0; g < groups; g++) body(v, g * 16, lane);
    const bytes = lane ? 4 : elems * 4;
    return b.block(`${label}_${tag}_out`, [b.loop(`${label}_${tag}`, b.seq([
      b.br(`${label}_${tag}_out`, b.ltS(s.get(rem), b.i32(elems))),
      v.done(),
      ...ptrs.map((p) => s.bump(p, bytes)),
      s.bump(rem, -elems),
      b.br(`${label}_${tag}`),
    ]))]);
  };
  return b.seq([
    s.set(rem, count),
    stage('u', 4 * unroll, unroll, false),
    unroll > 1 ? stage('v', 4, 1, false) : b.nop(),
    stage('l', 1, 1, true),
  ]);
}

/**
 * `for (q = from; q < to; q++) body` over a function's item range (the shared-job entry points of
 * compiler/emit/share.ts take [from, to) as parameters); `label` names the loop, `label_out` its exit.
 */
export function rangeLoop(b: Builder, s: FunctionScope, label: string, q: Local, from: Local, to: Local, body: readonly Expr[]): Expr {
  return b.seq([
    s.set(q, s.get(from)),
    b.block(`${label}_out`, [b.loop(label, b.seq([
      b.br(`${label}_out`, b.geS(s.get(q), s.get(to))),
      ...body,
      s.bump(q, 1),
      b.br(label),
    ]))]),
  ]);
}
