/**
 * An independent float64 reference of ONNX Conv (1-D) for the conv tests, written from the operator
 * spec: the output length and the padding from the attributes (auto_pad included), the input padded
 * explicitly with zeros, then the sum per output. It shares nothing with compiler/ops/conv_rule.ts.
 */

/** The attributes of one Conv node, as a model would write them. */
export interface ConvAttrs {
  readonly group?: number;
  readonly stride?: number;
  readonly dilation?: number;
  readonly pads?: readonly [number, number];
  readonly autoPad?: 'NOTSET' | 'VALID' | 'SAME_UPPER' | 'SAME_LOWER';
}

/** Padding before and after, and the output length, per the ONNX spec. */
export function convPadding(L: number, k: number, a: ConvAttrs): { before: number; after: number; outLength: number } {
  const s = a.stride ?? 1, d = a.dilation ?? 1;
  const span = d * (k - 1) + 1;
  let before = 0, after = 0;
  if (a.autoPad === 'SAME_UPPER' || a.autoPad === 'SAME_LOWER') {
    const want = Math.ceil(L / s);
    const total = Math.max(0, (want - 1) * s + span - L);
    const small = Math.floor(total / 2), large = total - small;
    [before, after] = a.autoPad === 'SAME_UPPER' ? [small, large] : [large, small];
  } else if (a.autoPad !== 'VALID') {
    [before, after] = a.pads ?? [0, 0];
  }
  return { before, after, outLength: Math.floor((L + before + after - span) / s) + 1 };
}

/** Y [N, M, L'] of X [N, C, L], W [M, C/group, k] and B [M] (or none), in float64. */
export function referenceConv(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null,
  dims: { N: number; C: number; L: number; M: number; k: number }, a: ConvAttrs): Float64Array {
  const { N, C, L, M, k } = dims;
  const group = a.group ?? 1, s = a.stride ?? 1, d = a.dilation ?? 1;
  const { before, after, outLength } = convPadding(L, k, a);
  const Lp = L + before + after;
  const padded = new Float64Array(N * C * Lp);
  for (let nc = 0; nc < N * C; nc++) for (let i = 0; i < L; i++) padded[nc * Lp + before + i] = x[nc * L + i];
  const perGroupIn = C / group, perGroupOut = M / group;
  const y = new Float64Array(N * M * outLength);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const firstIn = Math.floor(m / perGroupOut) * perGroupIn;
      for (let j = 0; j < outLength; j++) {
        let acc = bias ? bias[m] : 0;
        for (let c = 0; c < perGroupIn; c++) {
          for (let r = 0; r < k; r++) acc += w[(m * perGroupIn + c) * k + r] * padded[(n * C + firstIn + c) * Lp + j * s + r * d];
        }
        y[(n * M + m) * outLength + j] = acc;
      }
    }
  }
  return y;
}

/** The activations a conv may absorb, in float64, by ONNX op name (LeakyRelu's alpha, Clip's bounds given). */
export function referenceActivation(op: string, x: number, p: { alpha?: number; min?: number; max?: number } = {}): number {
  switch (op) {
    case 'Relu': return Math.max(x, 0);
    case 'Sigmoid': return 1 / (1 + Math.exp(-x));
    case 'Tanh': return Math.tanh(x);
    case 'LeakyRelu': return x < 0 ? (p.alpha ?? 0.01) * x : x;
    case 'Clip': return Math.min(Math.max(x, p.min ?? -Infinity), p.max ?? Infinity);
    default: throw new Error(`no reference for ${op}`);
  }
}
