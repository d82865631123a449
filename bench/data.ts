/** Deterministic pseudo-random data for benchmarks: every run and every peer sees the same numbers. */

/** A linear congruential generator: `rand(n, scale)` returns n floats uniform in [-scale, scale). */
export function lcg(seed: number): (n: number, scale: number) => Float32Array {
  let s = seed >>> 0;
  return (n: number, scale: number) => Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return ((s / 4294967296) * 2 - 1) * scale;
  });
}
