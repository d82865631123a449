// Shape-agnostic f32 linear algebra for the baseline cells. Pointers are byte offsets into the
// module's memory; sizes are element counts. Rows need not be 16-byte aligned (v128.load is unaligned).

/** sum_k a[k] * b[k] over n floats: two v128 accumulators, then a 4-wide and a scalar tail. */
// @ts-ignore: decorator
@inline
export function dot(a: usize, b: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const o = (<usize>k) << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  if (k + 4 <= n) {
    const o = (<usize>k) << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    k += 4;
  }
  acc0 = f32x4.add(acc0, acc1);
  let s =
    f32x4.extract_lane(acc0, 0) + f32x4.extract_lane(acc0, 1) +
    (f32x4.extract_lane(acc0, 2) + f32x4.extract_lane(acc0, 3));
  for (; k < n; k++) {
    const o = (<usize>k) << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/** True when batch row `b` takes part in step `t` (no `sequence_lens`, or t < lens[b]). */
// @ts-ignore: decorator
@inline
export function active(lens: usize, b: i32, t: i32): bool {
  return lens == 0 || t < load<i32>(lens + ((<usize>b) << 2));
}

/**
 * Row-by-row mat-vec over a batch, skipping rows of the batch that are past their length:
 *
 *   for j in 0..rows:                       // weight row j stays in L1 across the batch
 *     for b in 0..B where active(b, t):
 *       out[b*ldo + j] = (acc ? out[b*ldo + j] : 0) + bias[j] + dot(w[j, 0..K], x[b*ldx + 0..K])
 *
 * `w` is row-major [rows, K]; `bias` is [rows].
 */
export function project(
  out: usize, ldo: i32, rows: i32, bias: usize, w: usize, K: i32,
  x: usize, ldx: i32, B: i32, lens: usize, t: i32, acc: bool,
): void {
  const rowBytes = (<usize>K) << 2;
  for (let j = 0; j < rows; j++) {
    const wj = w + (<usize>j) * rowBytes;
    const bj = load<f32>(bias + ((<usize>j) << 2));
    for (let b = 0; b < B; b++) {
      if (!active(lens, b, t)) continue;
      const o = out + ((<usize>(b * ldo + j)) << 2);
      const v = bj + dot(wj, x + ((<usize>(b * ldx)) << 2), K);
      store<f32>(o, acc ? load<f32>(o) + v : v);
    }
  }
}

/** Writes n zeros at p. */
// @ts-ignore: decorator
@inline
export function zero(p: usize, n: i32): void {
  memory.fill(p, 0, (<usize>n) << 2);
}
