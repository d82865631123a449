/**
 * The input projection of one timestep and batch row, done inside the time loop when the sequence is
 * too short for the hoisted GEMM (gemm.ts) to reuse its weights: a streaming step, or seq 1. At
 * T*batch = 1 the GEMM's tile is one row by one panel, two accumulators whose loads outnumber their
 * multiply-adds; here each unit block's G*U columns accumulate at once, one splat of x[k] shared by
 * all of them, as the recurrent step does with h. It reads the GEMM's own packed panels (no second
 * copy of W) and writes the same XW row the step then reads.
 */
import type { Builder } from '../ir.js';
import type { Plan } from '../../plan/cell.js';
import { emitKLoop } from '../kloop.js';
import { Straight } from '../vec.js';

export function inputPassName(plan: Plan, dir: number): string {
  return `${plan.symbol}_xv_d${dir}`;
}

/**
 * Emits `xv_d(x, xw, pBegin, pEnd)`, the column range [pBegin, pEnd) in bytes of an XW row (whole
 * unit blocks, as a worker owns them):
 *
 *   for each unit block's columns c0.. (G*U of them) in the range:
 *     acc[a] = bias[c0 + 4a ..]                        a < G*U/4
 *     for k in 0..I (plan.inputPass: unroll, tree, fences, k-blocks):
 *       acc[a] += splat(x[k]) * Wpanels[column c0 + 4a][k]
 *     xw[c0 + 4a ..] = acc[a]
 */
export function emitInputPass(b: Builder, plan: Plan, dir: number): void {
  const L = plan.layout;
  const off = L.offsets[dir];
  const { inputSize: I, gates: G, unitsPerBlock: U, panelWidth: NR } = L;
  const { kUnroll: KU, kTree, kFence, kBlock } = plan.inputPass;
  const s = b.scope(['i32', 'i32', 'i32', 'i32']);
  const x = () => s.get(s.param(0)), xw = () => s.get(s.param(1));
  const pBegin = () => s.get(s.param(2)), pEnd = () => s.get(s.param(3));
  const col = s.local('i32'); // byte offset of the block's first column in an XW row
  const xk = s.local('i32'), wk = s.local('i32');
  const blockBytes = G * U * 4;
  const A = (G * U) / 4;

  const v = new Straight(b, s);
  const acc = Array.from({ length: A }, (_, a) => v.let(b.vload(b.add(s.get(col), b.i32(off.xwBias)), a * 16)));
  // Panels are NR columns wide and tile the block (plan/cell.ts): column c of the block lies in its
  // floor(c / NR)-th panel, I*NR floats apart, at lane c % NR; the block's first panel starts at
  // wPanels + col * I (col / (4 NR) panels of I*NR floats before it).
  v.push(s.set(xk, x()));
  v.push(s.set(wk, b.add(b.i32(off.wPanels), b.muli(s.get(col), I))));
  const loop = emitKLoop(b, s, {
    acc: [acc],
    splat: (u) => b.vsplatLoad(s.get(xk), u * 4),
    weight: (u, a) => b.vload(s.get(wk), (Math.floor((a * 4) / NR) * I * NR + ((a * 4) % NR) + u * NR) * 4),
    fencePointer: () => s.get(wk), fenceLabel: 'xk_fence', fused: plan.relaxedSimd,
  }, {
    K: I, ku: KU, tree: kTree, fence: kFence, kBlock, label: 'xk', pointer: xk,
    advance: (n) => [s.bump(xk, n * 4), s.bump(wk, n * NR * 4)],
  });
  for (const e of loop) v.push(e);
  acc.forEach((l, a) => v.push(b.vstore(b.add(xw(), s.get(col)), a * 16, s.get(l))));

  s.finish(inputPassName(plan, dir), b.seq([
    s.set(col, pBegin()),
    b.block('blocks_out', [b.loop('blocks', b.seq([
      b.br('blocks_out', b.geS(s.get(col), pEnd())),
      v.done(),
      s.bump(col, blockBytes),
      b.br('blocks'),
    ]))]),
  ]));
}
