/**
 * The dense head of a model (MatMul, Gemm, MatMul+Add): out[M, N] = a[M, K] * W[K, N] (+ bias), with
 * W packed at compile time into [ceil(N/NR)][K][NR] panels. Register-blocked like the RNN's input
 * projection (compiler/emit/gemm.ts), but the output is dense (row stride exactly N): the last,
 * partial panel computes only the vectors it needs and stores only its valid columns.
 */
import type { Builder, Expr, Local } from './ir.js';
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
  /**
   * Computes only the panels in a column range given at run time, `name(a, out, M, colBegin, colEnd)`
   * in bytes of an output row (a worker's share); N must be a whole number of panels.
   */
  readonly panelRange?: boolean;
}

/**
 * A tile that measured within a few percent of the best on Node 20 / AMD EPYC for M=100 with
 * K=128, N=64 and K=256, N=1024 (about 0.9 of the f32x4 mul+add peak; bench/ops_matmul.ts).
 */
export const MATMUL_DEFAULT_TILE = Object.freeze({ MR: 4, NR: 8, kUnroll: 1 } as const);

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

/**
 * Emits `name(a, out, M)` (or `name(a, out, M, colBegin, colEnd)` with `panelRange`):
 *
 *   for p in 0..ceil(N/NR) (full panels loop; the partial last panel is emitted apart):
 *     for m in 0..M step MR (then one tile of the M % MR rows left):
 *       acc[r][q] = bias[p][q] (or 0)                    r < MR, q < vectors of the panel
 *       for k in 0..K (kUnroll steps per iteration, then the rest):
 *         acc[r][q] += splat(a[m+r][k]) * Wpanel[p][k][q]
 *         (tiles of <= 4 accumulators: 2 or 4 k steps, their products summed, then one add)
 *       out[m+r][p*NR + 4q ..] = acc[r][q]               (lane stores past column N)
 */
export function emitMatmul(b: Builder, name: string, spec: MatmulSpec): void {
  const { K, N, NR, MR, kUnroll: KU } = spec;
  if (spec.panelRange && N % NR !== 0) throw new RangeError(`matmul ${name}: a panel range needs N (${N}) to be a multiple of NR (${NR})`);
  const s = b.scope(spec.panelRange ? ['i32', 'i32', 'i32', 'i32', 'i32'] : ['i32', 'i32', 'i32']);
  const A = s.param(0), OUT = s.param(1), M = s.param(2);
  const col = s.local('i32'); // byte offset of the panel's first column within an output row
  const wp = s.local('i32'); // the panel's packed weights
  const ar = s.local('i32'); // first a row of the tile
  const outr = s.local('i32'); // first out element of the tile
  const left = s.local('i32'); // rows not yet done
  const ak = s.local('i32'), wk = s.local('i32'), kEnd = s.local('i32');

  /** One tile: `rows` rows of `cols` columns (1..NR) at (ar, outr) with weights at wk. */
  const tile = (rows: number, cols: number, label: string): Expr => {
    const Q = Math.ceil(cols / 4);
    const v = new Straight(b, s);
    const init = (q: number) => spec.biasOffset === null
      ? b.vconst(0) : b.vload(b.add(s.get(col), b.i32(spec.biasOffset)), q * 16);
    const acc: Local[][] = [];
    for (let r = 0; r < rows; r++) acc.push(Array.from({ length: Q }, (_, q) => v.let(init(q))));
    const kStep = (u: number): Expr[] => {
      const out: Expr[] = [];
      const ws = Array.from({ length: Q }, (_, q) => {
        const l = s.local('v128');
        out.push(s.set(l, b.vload(s.get(wk), (u * NR + q * 4) * 4)));
        return l;
      });
      for (let r = 0; r < rows; r++) {
        const xs = s.local('v128');
        out.push(s.set(xs, b.vsplatLoad(s.get(ak), (r * K + u) * 4)));
        for (let q = 0; q < Q; q++) out.push(s.set(acc[r][q], b.vmadd(s.get(xs), s.get(ws[q]), s.get(acc[r][q]))));
      }
      return out;
    };
    // A tile with few accumulators (the rows left over, or M = 1 in a streaming step: 1 x 8 is two)
    // is bound by the latency of its add chains, not by its loads: unroll k and sum each unrolled
    // step's products first, so every chain takes one add per iteration (4/acc steps, at most 4).
    const accs = rows * Q;
    const tree = accs <= 2 ? 4 : accs <= 4 ? 2 : 1;
    /** `ku` k steps whose products are summed, then added to the accumulators once. */
    const treeSteps = (ku: number): Expr[] => {
      const out: Expr[] = [];
      const xs = Array.from({ length: rows }, (_, r) => Array.from({ length: ku }, (_, u) => {
        const l = s.local('v128');
        out.push(s.set(l, b.vsplatLoad(s.get(ak), (r * K + u) * 4)));
        return l;
      }));
      for (let q = 0; q < Q; q++) {
        const ws = Array.from({ length: ku }, (_, u) => {
          const l = s.local('v128');
          out.push(s.set(l, b.vload(s.get(wk), (u * NR + q * 4) * 4)));
          return l;
        });
        for (let r = 0; r < rows; r++) {
          let sum = b.vmul(s.get(xs[r][0]), s.get(ws[0]));
          for (let u = 1; u < ku; u++) sum = b.vmadd(s.get(xs[r][u]), s.get(ws[u]), sum);
          out.push(s.set(acc[r][q], b.vadd(s.get(acc[r][q]), sum)));
        }
      }
      return out;
    };
    const step = tree > KU ? tree : KU;
    const full = Math.floor(K / step);
    v.push(s.set(ak, s.get(ar)));
    v.push(s.set(wk, s.get(wp)));
    if (full > 0) {
      const body: Expr[] = [];
      if (tree > KU) body.push(...treeSteps(tree));
      else for (let u = 0; u < KU; u++) body.push(...kStep(u));
      body.push(s.bump(ak, step * 4), s.bump(wk, step * NR * 4), b.br(label, b.ne(s.get(ak), s.get(kEnd))));
      v.push(s.set(kEnd, b.add(s.get(ar), b.i32(full * step * 4))));
      v.push(b.loop(label, b.seq(body)));
    }
    for (let u = 0; u < K % step; u++) for (const e of kStep(u)) v.push(e);
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < Q; q++) {
        for (const e of storeCols(b, () => s.get(outr), (r * N + q * 4) * 4, cols - q * 4, () => s.get(acc[r][q]))) v.push(e);
      }
    }
    return v.done();
  };

  /** Every row of one panel of `cols` valid columns: MR-row tiles, then one tile of the rest. */
  const panel = (cols: number, tag: string): Expr => {
    let rest: Expr = b.nop();
    for (let r = MR - 1; r >= 1; r--) rest = b.if(b.eq(s.get(left), b.i32(r)), tile(r, cols, `${tag}_k${r}`), rest);
    return b.seq([
      s.set(ar, s.get(A)),
      s.set(outr, b.add(s.get(OUT), s.get(col))),
      s.set(left, s.get(M)),
      b.block(`${tag}_tiles_out`, [b.loop(`${tag}_tiles`, b.seq([
        b.br(`${tag}_tiles_out`, b.ltS(s.get(left), b.i32(MR))),
        tile(MR, cols, `${tag}_k`),
        s.bump(ar, MR * K * 4),
        s.bump(outr, MR * N * 4),
        s.bump(left, -MR),
        b.br(`${tag}_tiles`),
      ]))]),
      rest,
    ]);
  };

  const fullPanels = Math.floor(N / NR);
  const lastCols = N % NR;
  if (spec.panelRange) {
    // col runs over [colBegin, colEnd); a panel's weights lie K*NR floats apart, NR columns apart.
    const begin = () => s.get(s.param(3)), end = () => s.get(s.param(4));
    s.finish(name, b.seq([
      s.set(col, begin()),
      s.set(wp, b.add(b.i32(spec.panelsOffset), b.muli(begin(), K))),
      b.block('panels_out', [b.loop('panels', b.seq([
        b.br('panels_out', b.geS(s.get(col), end())),
        panel(NR, 'full'),
        s.bump(col, NR * 4),
        s.bump(wp, K * NR * 4),
        b.br('panels'),
      ]))]),
    ]));
    return;
  }
  const body: Expr[] = [s.set(col, b.i32(0)), s.set(wp, b.i32(spec.panelsOffset))];
  if (fullPanels > 0) {
    body.push(b.loop('panels', b.seq([
      panel(NR, 'full'),
      s.bump(col, NR * 4),
      s.bump(wp, K * NR * 4),
      b.br('panels', b.ne(s.get(col), b.i32(fullPanels * NR * 4))),
    ])));
  }
  if (lastCols > 0) body.push(panel(lastCols, 'last'));
  s.finish(name, b.seq(body));
}
