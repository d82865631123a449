/**
 * The 1-D convolutions of the Silero VAD models (ONNX, opset 16; read from the files
 * @ricky0123/vad-web ships): one list that the conv benchmark measures (bench/ops_conv.ts) and the
 * kernel tests sweep (test/ops_conv.test.ts). The legacy model's input length is taken as 768
 * samples (a 512-sample window and its context), giving 9 STFT frames.
 */
import { type ConvGeometry, insideTaps } from '../compiler/emit/conv_parts.js';

export interface ConvCase {
  /** e.g. `v5_16k_enc1`. */
  readonly id: string;
  readonly geometry: ConvGeometry;
  /** One of the large encoder convs (the >= 50% of peak target). */
  readonly large: boolean;
}

/** A geometry from the ONNX attributes (pads begin, end). */
function conv(C: number, L: number, M: number, k: number, o: { stride?: number; pads?: [number, number]; group?: number } = {}): ConvGeometry {
  const stride = o.stride ?? 1, [begin, end] = o.pads ?? [0, 0];
  return { C, L, M, k, stride, dilation: 1, padBegin: begin, group: o.group ?? 1, outLength: Math.floor((L + begin + end - k) / stride) + 1 };
}

const p1 = [1, 1] as [number, number], p2 = [2, 2] as [number, number];

export const SILERO_CONVS: readonly ConvCase[] = [
  { id: 'v5_16k_stft', geometry: conv(1, 640, 258, 256, { stride: 128 }), large: true },
  { id: 'v5_16k_enc1', geometry: conv(129, 4, 128, 3, { pads: p1 }), large: true },
  { id: 'v5_16k_enc2', geometry: conv(128, 4, 64, 3, { pads: p1, stride: 2 }), large: true },
  { id: 'v5_16k_enc3', geometry: conv(64, 2, 64, 3, { pads: p1, stride: 2 }), large: false },
  { id: 'v5_16k_enc4', geometry: conv(64, 1, 128, 3, { pads: p1 }), large: false },
  { id: 'v5_decoder', geometry: conv(128, 1, 1, 1), large: false },
  { id: 'v5_8k_stft', geometry: conv(1, 320, 130, 128, { stride: 64 }), large: true },
  { id: 'v5_8k_enc1', geometry: conv(65, 4, 128, 3, { pads: p1 }), large: true },
  { id: 'legacy_stft', geometry: conv(1, 768, 258, 256, { stride: 64 }), large: true },
  { id: 'legacy_norm', geometry: conv(1, 15, 1, 7), large: false },
  { id: 'legacy_dw258', geometry: conv(258, 9, 258, 5, { pads: p2, group: 258 }), large: false },
  { id: 'legacy_pw258', geometry: conv(258, 9, 16, 1), large: false },
  { id: 'legacy_s2', geometry: conv(16, 9, 16, 1, { stride: 2 }), large: false },
  { id: 'legacy_dw16', geometry: conv(16, 5, 16, 5, { pads: p2, group: 16 }), large: false },
  { id: 'legacy_pw16', geometry: conv(16, 5, 32, 1), large: false },
  { id: 'legacy_dw32', geometry: conv(32, 3, 32, 5, { pads: p2, group: 32 }), large: false },
  { id: 'legacy_pw32', geometry: conv(32, 3, 64, 1), large: false },
  { id: 'legacy_decoder', geometry: conv(64, 1, 1, 1), large: false },
];

/** Flops of one batch row: twice the multiply-adds that read inside the input (the kernels skip the padding's). */
export function convFlops(g: ConvGeometry): number {
  let taps = 0;
  for (let l = 0; l < g.outLength; l++) {
    const [begin, end] = insideTaps(g, l);
    taps += end - begin;
  }
  return 2 * g.M * (g.C / g.group) * taps;
}
