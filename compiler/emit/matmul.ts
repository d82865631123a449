/**
 * The register-blocked GEMM: out[M, N] = a[M, K] * W[K, N] (+ bias), W packed at compile time into
 * [ceil(N/NR)][K][NR] panels, with the k-loop of kloop.ts. The dense head of a model (MatMul, Gemm,
 * MatMul+Add; the output's row stride exactly N: the last, partial panel computes only the vectors
 * it needs and stores only its valid columns), and over a column range the RNN's input projection
 * (emit/rnn/gemm.ts).
 */
import { InternalError } from '../../contract/errors.js';
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { emitKLoop, type KSteps } from './kloop.js';
import { Straight } from './vec.js';

/** What `emitMatmul` computes and how it is blocked. */
export interface MatmulSpec {
  /** Inner dimension (columns of a, rows of W). */
  readonly K: number;
  /** Output columns. */
  readonly N: number;
  /** Byte offset of the packed weights (`packMatmulWeights`), 16-byte aligned preferred. */
  readonly panelsOffset: number;
  /** Byte offset of the padded bias (`packMatmulBias`), or null for none. */
  readonly biasOffset: number | null;
  /** Rows of a register tile, 1..6. */
  readonly MR: number;
  /** Columns of a panel: 4, 8 or 12. */
  readonly NR: 4 | 8 | 12;
  /** k-loop unroll factor, >= 1. */
  readonly kUnroll: number;
  /** k steps summed apart before they reach a tile's accumulators (kloop.ts: KLoop.kBlock); 0 or absent: one chain. */
  readonly kBlock?: number;
  /**
   * Computes only the panels in a column range given at run time, `name(a, out, M, colBegin, colEnd)`
   * in bytes of an output row (a worker's share); N must be a whole number of panels.
   */
  readonly panelRange?: boolean;
  /** Fused multiply-adds (relaxed SIMD), when the plan's SIMD flavour says so. */
  readonly fused?: boolean;
}

/**
 * A tile that measured within a few percent of the best on Node 20 / AMD EPYC for M=100 with
 * K=128, N=64 and K=256, N=1024 (about 0.9 of the f32x4 mul+add peak; bench/ops_matmul.ts); k
 * summed in blocks of 32 (plan/cell.ts: kBlocks).
 */
export const MATMUL_DEFAULT_TILE = Object.freeze({ MR: 4, NR: 8, kUnroll: 1, kBlock: 32 } as const);

/** Floats taken by W packed into NR-wide panels: ceil(N/NR) * K * NR. */
export function packedMatmulFloats(K: number, N: number, NR: number): number {
  return Math.ceil(N / NR) * K * NR;
}

/** Floats taken by the bias padded to the panel width: ceil(N/NR) * NR. */
export function packedBiasFloats(N: number, NR: number): number {
  return Math.ceil(N / NR) * NR;
}

/** Packs w [K, N] (row-major) into [ceil(N/NR)][K][NR] panels, columns past N zero. */
export function packMatmulWeights(w: Float32Array, K: number, N: number, NR: number): Float32Array {
  const out = new Float32Array(packedMatmulFloats(K, N, NR));
  for (let p = 0, o = 0; p * NR < N; p++) {
    const cols = Math.min(NR, N - p * NR);
    for (let k = 0; k < K; k++, o += NR) out.set(w.subarray(k * N + p * NR, k * N + p * NR + cols), o);
  }
  return out;
}

/** The bias [N] padded with zeros to `packedBiasFloats(N, NR)`. */
export function packMatmulBias(bias: Float32Array, N: number, NR: number): Float32Array {
  const out = new Float32Array(packedBiasFloats(N, NR));
  out.set(bias.subarray(0, N));
  return out;
}

/** Stores the first `cols` (1..4) lanes of v at ptr + off. */
function storeCols(b: Builder, ptr: () => Expr, off: number, cols: number, v: () => Expr): Expr[] {
  if (cols >= 4) return [b.vstore(ptr(), off, v())];
  if (cols === 3) return [b.vstoreLow2(ptr(), off, v()), b.vstoreLane(ptr(), off + 8, 2, v())];
  if (cols === 2) return [b.vstoreLow2(ptr(), off, v())];
  return [b.vstoreLane(ptr(), off, 0, v())];
}

/** The GEMM function under construction: its spec, scope and the pointers the tiles walk. */
interface Gemm {
  readonly b: Builder;
  readonly s: FunctionScope;
  readonly spec: MatmulSpec;
  /** Byte offset of the panel's first column within an output row. */
  readonly col: Local;
  /** The panel's packed weights. */
  readonly wp: Local;
  /** First a row of the tile. */
  readonly ar: Local;
  /** First out element of the tile. */
  readonly outr: Local;
  /** Rows not yet done. */
  readonly left: Local;
  readonly ak: Local;
  readonly wk: Local;
}

/**
 * One tile: `rows` rows of `cols` columns (1..NR) at (ar, outr) with weights at wk.
 *
 *   acc[r][q] = bias[p][q] (or 0)
 *   for k in 0..K (kUnroll steps per iteration, then the rest; kBlock steps summed apart; kloop.ts, weights first):
 *     acc[r][q] += splat(a[m+r][k]) * Wpanel[p][k][q]
 *     (tiles of <= 4 accumulators: 2 or 4 k steps, their products summed, then one add)
 *   out[m+r][p*NR + 4q ..] = acc[r][q]               (lane stores past column N)
 */
function tile(g: Gemm, rows: number, cols: number, label: string): Expr {
  const { b, s, spec } = g;
  const { K, N, NR, kUnroll: KU } = spec;
  const Q = Math.ceil(cols / 4);
  const v = new Straight(b, s);
  const init = (q: number) => spec.biasOffset === null
    ? b.vconst(0) : b.vload(b.add(s.get(g.col), b.i32(spec.biasOffset)), q * 16);
  const acc: Local[][] = [];
  for (let r = 0; r < rows; r++) acc.push(Array.from({ length: Q }, (_, q) => v.let(init(q))));
  const steps: KSteps = {
    acc, fused: !!spec.fused, weightsFirst: true, fencePointer: () => s.get(g.wk), fenceLabel: `${label}_fence`,
    splat: (u, r) => b.vsplatLoad(s.get(g.ak), (r * K + u) * 4),
    weight: (u, q) => b.vload(s.get(g.wk), (u * NR + q * 4) * 4),
  };
  // A tile with few accumulators (the rows left over, or M = 1 in a streaming step: 1 x 8 is two)
  // is bound by the latency of its add chains, not by its loads: unroll k and sum each unrolled
  // step's products first, so every chain takes one add per iteration (4/acc steps, at most 4).
  const accs = rows * Q;
  const tree = accs <= 2 ? 4 : accs <= 4 ? 2 : 1;
  v.push(s.set(g.ak, s.get(g.ar)));
  v.push(s.set(g.wk, s.get(g.wp)));
  const loop = emitKLoop(b, s, steps, {
    K, ku: Math.max(tree, KU), tree: tree > KU, fence: 0, kBlock: spec.kBlock ?? 0, label, pointer: g.ak,
    advance: (n) => [s.bump(g.ak, n * 4), s.bump(g.wk, n * NR * 4)],
  });
  for (const e of loop) v.push(e);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < Q; q++) {
      for (const e of storeCols(b, () => s.get(g.outr), (r * N + q * 4) * 4, cols - q * 4, () => s.get(acc[r][q]))) v.push(e);
    }
  }
  return v.done();
}

/** Every row of one panel of `cols` valid columns: MR-row tiles, then one tile of the rest. */
function panel(g: Gemm, cols: number, tag: string): Expr {
  const { b, s, spec } = g;
  const { K, N, MR } = spec;
  const A = s.param(0), OUT = s.param(1), M = s.param(2);
  let rest: Expr = b.nop();
  for (let r = MR - 1; r >= 1; r--) rest = b.if(b.eq(s.get(g.left), b.i32(r)), tile(g, r, cols, `${tag}_k${r}`), rest);
  return b.seq([
    s.set(g.ar, s.get(A)),
    s.set(g.outr, b.add(s.get(OUT), s.get(g.col))),
    s.set(g.left, s.get(M)),
    b.block(`${tag}_tiles_out`, [b.loop(`${tag}_tiles`, b.seq([
      b.br(`${tag}_tiles_out`, b.ltS(s.get(g.left), b.i32(MR))),
      tile(g, MR, cols, `${tag}_k`),
      s.bump(g.ar, MR * K * 4),
      s.bump(g.outr, MR * N * 4),
      s.bump(g.left, -MR),
      b.br(`${tag}_tiles`),
    ]))]),
    rest,
  ]);
}

/**
 * Emits `name(a, out, M)` (or `name(a, out, M, colBegin, colEnd)` with `panelRange`):
 *
 *   for p in 0..ceil(N/NR) (full panels loop; the partial last panel is emitted apart):
 *     for m in 0..M step MR (then one tile of the M % MR rows left):
 *       tile(m, p)
 */
export function emitMatmul(b: Builder, name: string, spec: MatmulSpec): void {
  const { K, N, NR } = spec;
  if (spec.panelRange && N % NR !== 0) throw new InternalError(`matmul ${name}: a panel range needs N (${N}) to be a multiple of NR (${NR})`);
  const s = b.scope(spec.panelRange ? ['i32', 'i32', 'i32', 'i32', 'i32'] : ['i32', 'i32', 'i32']);
  const g: Gemm = {
    b, s, spec, col: s.local('i32'), wp: s.local('i32'), ar: s.local('i32'), outr: s.local('i32'), left: s.local('i32'),
    ak: s.local('i32'), wk: s.local('i32'),
  };
  if (spec.panelRange) {
    // col runs over [colBegin, colEnd); a panel's weights lie K*NR floats apart, NR columns apart.
    const begin = () => s.get(s.param(3)), end = () => s.get(s.param(4));
    s.finish(name, b.seq([
      s.set(g.col, begin()),
      s.set(g.wp, b.add(b.i32(spec.panelsOffset), b.muli(begin(), K))),
      b.block('panels_out', [b.loop('panels', b.seq([
        b.br('panels_out', b.geS(s.get(g.col), end())),
        panel(g, NR, 'full'),
        s.bump(g.col, NR * 4),
        s.bump(g.wp, K * NR * 4),
        b.br('panels'),
      ]))]),
    ]));
    return;
  }
  const fullPanels = Math.floor(N / NR);
  const lastCols = N % NR;
  const body: Expr[] = [s.set(g.col, b.i32(0)), s.set(g.wp, b.i32(spec.panelsOffset))];
  if (fullPanels > 0) {
    body.push(b.loop('panels', b.seq([
      panel(g, NR, 'full'),
      s.bump(g.col, NR * 4),
      s.bump(g.wp, K * NR * 4),
      b.br('panels', b.ne(s.get(g.col), b.i32(fullPanels * NR * 4))),
    ])));
  }
  if (lastCols > 0) body.push(panel(g, lastCols, 'last'));
  s.finish(name, b.seq(body));
}
