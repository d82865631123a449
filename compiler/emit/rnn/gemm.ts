/**
 * The input projection for a whole sequence: XW = X * W^T + bias, one register-blocked GEMM with
 * M = T*batch rows, done before the time loop (ops/matmul.ts, over a column range). Its columns come
 * out in the packed, gate-interleaved order the recurrent step reads; a worker computes only the
 * columns of its own unit blocks.
 */
import type { Builder } from '../ir.js';
import type { Plan } from '../../plan/cell.js';
import { emitMatmul } from '../matmul.js';

export function gemmName(plan: Plan, dir: number): string {
  return `${plan.symbol}_xw_d${dir}`;
}

/**
 * Emits `xw_d(x, xw, M, pBegin, pEnd)` (the column range in bytes of an XW row):
 *
 *   for p in pBegin..pEnd step NR:           the panel's [I][NR] weights stay in L1
 *     for m in 0..M step MR (then the rest):
 *       acc = bias[p]; for k in 0..I: acc[r] += splat(X[m+r][k]) * Wpanel[p][k]
 *       XW[m+r][p] = acc
 */
export function emitGemm(b: Builder, plan: Plan, dir: number): void {
  const L = plan.layout;
  const off = L.offsets[dir];
  emitMatmul(b, gemmName(plan, dir), {
    K: L.inputSize, N: L.xwStride, panelsOffset: off.wPanels, biasOffset: off.xwBias,
    MR: plan.gemmRows, NR: L.panelWidth as 4 | 8 | 12, kUnroll: plan.gemmKUnroll, kBlock: plan.gemmKBlock, panelRange: true, fused: plan.relaxedSimd,
  });
}
