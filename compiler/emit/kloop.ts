/**
 * The body of a register-blocked k-loop, acc[r][a] += splat(src[r][k]) * w[k][a], shared by the
 * recurrent step (h times R, rnn/step.ts), the per-step input projection (x times W, rnn/xpass.ts)
 * and the GEMM's tiles (matmul.ts): the ways an iteration of kUnroll k steps may be ordered
 * (plan/cell.ts: kUnroll, kTree, kFence).
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';
import { InternalError } from '../../contract/errors.js';

/**
 * Above every address a module's memory can have (MAX_PAGES pages: 2 GiB): a fence compares a panel
 * pointer with NEVER_ADDRESS - 16 * i, which is never true.
 */
export const NEVER_ADDRESS = -256;

export interface KSteps {
  /** acc[r][a]: one accumulator per batch row r and weight vector a. */
  readonly acc: readonly (readonly Local[])[];
  /** src[r][k + u], splatted. */
  splat(u: number, r: number): Expr;
  /** Weight vector a at k + u. */
  weight(u: number, a: number): Expr;
  /** The pointer the fences compare (never equal to NEVER_ADDRESS - 16 * i) and their exit label. */
  readonly fencePointer: () => Expr;
  readonly fenceLabel: string;
  /** Multiply-adds fused (relaxed SIMD's f32x4.relaxed_madd: the plan's SIMD flavour), else mul then add. */
  readonly fused: boolean;
  /**
   * Load every weight vector of a k step first, then splat one row at a time (the GEMM's tiles of up
   * to 6 rows: few live splats); otherwise splat every row first, then load one weight vector at a
   * time (the recurrent step: many weight vectors, few rows). Not with fences.
   */
  readonly weightsFirst?: boolean;
}

/**
 * `ku` k steps. Without `tree` the products are added one by one; with it the ku products of each
 * accumulator are summed among themselves first, then added once (one add per iteration on each
 * loop-carried chain). `fence` > 0 (needs no tree): after every `fence` accumulators updated, but the
 * last, leave the loop if the panel pointer is an address no panel has: never taken, but its path
 * reads the accumulators, so TurboFan finishes a group's sums before the next group's loads. Each
 * fence compares with its own constant, so none is folded into another.
 */
export function emitKSteps(b: Builder, s: FunctionScope, k: KSteps, ku: number, tree: boolean, fence = 0): Expr[] {
  const rows = k.acc.length, A = k.acc[0].length;
  const out: Expr[] = [];
  const splats = (u: number): Local[] => Array.from({ length: rows }, (_, r) => {
    const l = s.local('v128');
    out.push(s.set(l, k.splat(u, r)));
    return l;
  });
  if (!tree && k.weightsFirst) {
    for (let u = 0; u < ku; u++) {
      const ws = Array.from({ length: A }, (_, a) => {
        const l = s.local('v128');
        out.push(s.set(l, k.weight(u, a)));
        return l;
      });
      for (let r = 0; r < rows; r++) {
        const x = s.local('v128');
        out.push(s.set(x, k.splat(u, r)));
        for (let a = 0; a < A; a++) out.push(s.set(k.acc[r][a], b.vmadd(s.get(x), s.get(ws[a]), s.get(k.acc[r][a]), k.fused)));
      }
    }
    return out;
  }
  if (!tree) {
    let updated = 0, fences = 0;
    const last = ku * A * rows;
    for (let u = 0; u < ku; u++) {
      const hs = splats(u);
      for (let a = 0; a < A; a++) {
        const w = s.local('v128');
        out.push(s.set(w, k.weight(u, a)));
        for (let r = 0; r < rows; r++) out.push(s.set(k.acc[r][a], b.vmadd(s.get(hs[r]), s.get(w), s.get(k.acc[r][a]), k.fused)));
        const before = updated;
        updated += rows;
        if (fence > 0 && Math.floor(updated / fence) > Math.floor(before / fence) && updated < last) {
          out.push(b.br(k.fenceLabel, b.eq(k.fencePointer(), b.i32(NEVER_ADDRESS - 16 * fences++))));
        }
      }
    }
    return out;
  }
  const hs = k.weightsFirst ? splatsByRow(s, k, ku, out) : Array.from({ length: ku }, (_, u) => splats(u));
  for (let a = 0; a < A; a++) {
    const w = Array.from({ length: ku }, (_, u) => {
      if (rows === 1 && !k.weightsFirst) return () => k.weight(u, a);
      const l = s.local('v128');
      out.push(s.set(l, k.weight(u, a)));
      return () => s.get(l);
    });
    for (let r = 0; r < rows; r++) {
      let sum = b.vmul(s.get(hs[0][r]), w[0]());
      for (let u = 1; u < ku; u++) sum = b.vmadd(s.get(hs[u][r]), w[u](), sum, k.fused);
      out.push(s.set(k.acc[r][a], b.vadd(s.get(k.acc[r][a]), sum)));
    }
  }
  return out;
}

/** src[r][k + u] splatted for every row, row by row (weightsFirst); returned as [u][r]. */
function splatsByRow(s: FunctionScope, k: KSteps, ku: number, out: Expr[]): Local[][] {
  const byRow = k.acc.map((_, r) => Array.from({ length: ku }, (_, u) => {
    const l = s.local('v128');
    out.push(s.set(l, k.splat(u, r)));
    return l;
  }));
  return Array.from({ length: ku }, (_, u) => byRow.map((row) => row[u]));
}

/** How a whole k-loop runs (emitKLoop). */
export interface KLoop {
  readonly K: number;
  readonly ku: number;
  readonly tree: boolean;
  readonly fence: number;
  /**
   * k steps summed into fresh accumulators before they reach the caller's (0: one chain over all of
   * K). A multiple of ku; the caller's accumulators then see K / kBlock adds, each block's chain
   * kBlock / ku: shorter chains round less (plan/cell.ts: kBlock).
   */
  readonly kBlock: number;
  /**
   * S > 1: each iteration takes ku / S of its steps from each of S parts of K (k, k + K/S, ...), so
   * the panel is read as S streams (plan/cell.ts: kStreams); 1 or absent: one stream, front to back.
   */
  readonly streams?: number;
  readonly label: string;
  /** The source pointer: 4 bytes on per k step; the loops compare it with their ends. */
  readonly pointer: Local;
  /** Moves the source and panel pointers on by n k steps. */
  readonly advance: (n: number) => Expr[];
}

/**
 * The whole loop over k in [0, K). Without blocks (kBlock 0 or >= K), one chain into the caller's
 * accumulators; with them:
 *
 *   for each of the K / kBlock blocks (then the K % kBlock steps left, as one more block):
 *     part[r][a] = 0
 *     for k in the block: part[r][a] += splat(src[r][k]) * w[k][a]     (chain, below)
 *     acc[r][a] += part[r][a]
 */
export function emitKLoop(b: Builder, s: FunctionScope, k: KSteps, o: KLoop): Expr[] {
  const S = o.streams ?? 1;
  // K, KB and the iterations' stride count pointer steps: with S streams each covers S k steps.
  const K = o.K / S, KB = o.kBlock / S, stride = o.ku / S;
  if (!Number.isInteger(stride) || !Number.isInteger(K) || !Number.isInteger(KB) || (S > 1 && (K % stride !== 0 || (KB > 0 && KB % stride !== 0)))) {
    throw new InternalError(`k-loop ${o.label}: ${S} streams need K (${o.K}), kBlock (${o.kBlock}) and kUnroll (${o.ku}) split evenly between them`);
  }
  const steps0 = S > 1 ? streams(k, o.ku / S, K) : k;
  if (!(KB > 0 && KB < K)) return chain(b, s, steps0, o, K, stride, '');
  const part = k.acc.map((row) => row.map(() => s.local('v128')));
  const steps: KSteps = { ...steps0, acc: part };
  const fresh = () => part.flat().map((l) => s.set(l, b.vconst(0)));
  const fold = () => k.acc.flatMap((row, r) => row.map((acc, a) => s.set(acc, b.vadd(s.get(acc), s.get(part[r][a])))));
  const blocks = Math.floor(K / KB), rest = K % KB;
  const out: Expr[] = [];
  const end = s.local('i32');
  out.push(s.set(end, b.add(s.get(o.pointer), b.i32(blocks * KB * 4))));
  out.push(b.loop(`${o.label}_blocks`, b.seq([
    ...fresh(), ...chain(b, s, steps, o, KB, stride, ''), ...fold(),
    b.br(`${o.label}_blocks`, b.ne(s.get(o.pointer), s.get(end))),
  ])));
  if (rest > 0) out.push(...fresh(), ...chain(b, s, steps, o, rest, stride, '_rest'), ...fold());
  return out;
}

/** Step u of an iteration reads stream floor(u / per), `part` k steps apart, at k + u % per. */
function streams(k: KSteps, per: number, part: number): KSteps {
  const at = (u: number) => Math.floor(u / per) * part + (u % per);
  return { ...k, splat: (u, r) => k.splat(at(u), r), weight: (u, a) => k.weight(at(u), a) };
}

/**
 * K pointer steps into k.acc: floor(K / stride) iterations of ku k steps (stride = ku with one
 * stream), then K % stride single steps (one stream only: two divide evenly, emitKLoop).
 */
function chain(b: Builder, s: FunctionScope, k: KSteps, o: KLoop, K: number, stride: number, tag: string): Expr[] {
  const out: Expr[] = [];
  const full = Math.floor(K / stride);
  const label = o.label + tag;
  const steps: KSteps = tag ? { ...k, fenceLabel: k.fenceLabel + tag } : k;
  if (full > 0) {
    const end = s.local('i32');
    out.push(s.set(end, b.add(s.get(o.pointer), b.i32(full * stride * 4))));
    const body = [...emitKSteps(b, s, steps, o.ku, o.tree, o.fence), ...o.advance(stride), b.br(label, b.ne(s.get(o.pointer), s.get(end)))];
    const loop = b.loop(label, b.seq(body));
    out.push(o.fence > 0 ? b.block(steps.fenceLabel, [loop]) : loop);
  }
  for (let u = 0; u < K % stride; u++) out.push(...emitKSteps(b, s, steps, 1, false), ...o.advance(1));
  return out;
}
