/**
 * Concat and Slice (step 1) as calls of the `copyRows` kernel: plain TS, run by the runtime (or the
 * module builder) once the call's `seq` and `batch` are known.
 */
import { UnsupportedError } from '../../contract/errors.js';
import type { ConcatStep, Dim, SliceStep } from '../frontend/program.js';

/** Values of the run-time dims for one call. */
export interface DimEnv {
  readonly seq: number;
  readonly batch: number;
}

/** Arguments of one `copyRows(src, dst, rows, rowBytes, srcStride, dstStride)` call. */
export interface CopyRowsCall {
  /** Which input the rows come from (Concat: index into `inputs`; Slice: 0). */
  readonly input: number;
  /** Bytes from the input's base to the first source row. */
  readonly srcOffset: number;
  /** Bytes from the output's base to the first destination row. */
  readonly dstOffset: number;
  readonly rows: number;
  readonly rowBytes: number;
  readonly srcStride: number;
  readonly dstStride: number;
}

/** Concrete dims: numbers kept, `seq` and `batch` replaced by their values. */
export function resolveDims(dims: readonly Dim[], env: DimEnv): number[] {
  return dims.map((d) => (d === 'seq' ? env.seq : d === 'batch' ? env.batch : d));
}

const product = (xs: readonly number[]) => xs.reduce((p, x) => p * x, 1);

/** Drops empty calls; a call whose rows are back to back on both sides becomes one long row. */
function tidy(calls: CopyRowsCall[]): CopyRowsCall[] {
  return calls.filter((c) => c.rows > 0 && c.rowBytes > 0).map((c) =>
    c.rows > 1 && c.srcStride === c.rowBytes && c.dstStride === c.rowBytes
      ? { ...c, rows: 1, rowBytes: c.rows * c.rowBytes } : c);
}

/**
 * One call per input: out = concat(inputs, axis). With outer = product of the dims before `axis`,
 * input i is `outer` rows of inner_i = product(dims_i[axis..]) floats, placed at column
 * sum_{j<i} inner_j of output rows sum_j inner_j floats long.
 */
export function concatPlan(step: Pick<ConcatStep, 'axis' | 'inputs'>, env: DimEnv): CopyRowsCall[] {
  const dims = step.inputs.map((x) => resolveDims(x.dims, env));
  const rank = dims[0].length;
  const axis = step.axis < 0 ? step.axis + rank : step.axis;
  const outer = product(dims[0].slice(0, axis));
  const inner = dims.map((d) => product(d.slice(axis)) * 4);
  const dstStride = inner.reduce((a, x) => a + x, 0);
  let col = 0;
  const calls = inner.map((rowBytes, input) => {
    const c = { input, srcOffset: 0, dstOffset: col, rows: outer, rowBytes, srcStride: rowBytes, dstStride };
    col += rowBytes;
    return c;
  });
  return tidy(calls);
}

/**
 * The calls that copy x[ranges] (every step 1) densely into out. Axes are merged from the innermost
 * while the inner one is whole; the innermost merged axis is the copied row, the next one the rows
 * of a call, and one call is made per index of the axes outside those two.
 */
export function slicePlan(step: Pick<SliceStep, 'node' | 'x' | 'ranges'>, env: DimEnv): CopyRowsCall[] {
  const dims = resolveDims(step.x.dims, env);
  const axes = dims.map((d, i) => {
    const [start, end, by] = step.ranges[i];
    if (by !== 1) throw new UnsupportedError(`${step.node}: Slice step ${by} on axis ${i} is not supported; expected 1`);
    return { d, s: start, e: resolveDims([end], env)[0] };
  });
  if (axes.some((a) => a.e <= a.s)) return [];
  const merged = [axes[axes.length - 1]];
  for (let i = axes.length - 2; i >= 0; i--) {
    const cur = merged[0];
    if (cur.s === 0 && cur.e === cur.d) merged[0] = { d: axes[i].d * cur.d, s: axes[i].s * cur.d, e: axes[i].e * cur.d };
    else merged.unshift(axes[i]);
  }
  const k = merged.length - 1;
  const last = merged[k];
  const rowBytes = (last.e - last.s) * 4;
  if (k === 0) return tidy([{ input: 0, srcOffset: last.s * 4, dstOffset: 0, rows: 1, rowBytes, srcStride: rowBytes, dstStride: rowBytes }]);
  // Byte strides of the merged axes in x.
  const stride: number[] = [];
  for (let j = k, acc = 4; j >= 0; j--) { stride[j] = acc; acc *= merged[j].d; }
  const rowAxis = merged[k - 1];
  const rows = rowAxis.e - rowAxis.s;
  const base = rowAxis.s * stride[k - 1] + last.s * 4;
  const calls: CopyRowsCall[] = [];
  const walk = (j: number, offset: number): void => {
    if (j === k - 1) {
      calls.push({ input: 0, srcOffset: offset + base, dstOffset: calls.length * rows * rowBytes, rows, rowBytes,
        srcStride: stride[k - 1], dstStride: rowBytes });
      return;
    }
    for (let i = merged[j].s; i < merged[j].e; i++) walk(j + 1, offset + i * stride[j]);
  };
  walk(0, 0);
  return tidy(calls);
}
