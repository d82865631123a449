/**
 * The instructions rnnc emits, as their binary opcodes (prefix byte, then the LEB128 sub-opcode for
 * the 0xFC bulk-memory, 0xFD SIMD and 0xFE atomics groups). Immediates (memarg, lane, constants)
 * follow at the call site.
 */
import { uleb } from './bytes.js';

const simd = (n: number) => [0xfd, ...uleb(n)];
const atomic = (n: number) => [0xfe, ...uleb(n)];
const bulk = (n: number) => [0xfc, ...uleb(n)];

/** Opcode bytes by instruction name (the text format's, with `.` and `/` as `_`). */
export const OP = {
  unreachable: [0x00], nop: [0x01], block: [0x02], loop: [0x03], if: [0x04], else: [0x05], end: [0x0b],
  br: [0x0c], br_if: [0x0d], return: [0x0f], call: [0x10], drop: [0x1a], select: [0x1b],
  local_get: [0x20], local_set: [0x21], local_tee: [0x22],
  i32_load: [0x28], f32_load: [0x2a], i32_store: [0x36], f32_store: [0x38],
  i32_const: [0x41], i64_const: [0x42], f32_const: [0x43],

  i32_eqz: [0x45], i32_eq: [0x46], i32_ne: [0x47], i32_lt_s: [0x48], i32_lt_u: [0x49], i32_gt_s: [0x4a],
  i32_gt_u: [0x4b], i32_le_s: [0x4c], i32_ge_s: [0x4e], i64_eq: [0x51],
  f32_eq: [0x5b], f32_ne: [0x5c], f32_lt: [0x5d], f32_gt: [0x5e], f32_le: [0x5f], f32_ge: [0x60],
  i32_add: [0x6a], i32_sub: [0x6b], i32_mul: [0x6c], i32_div_u: [0x6e], i32_and: [0x71], i32_or: [0x72],
  i32_xor: [0x73], i32_shl: [0x74], i32_shr_u: [0x76],
  i64_or: [0x84], i64_shl: [0x86], i64_shr_u: [0x88], i32_wrap_i64: [0xa7], i64_extend_i32_u: [0xad],

  memory_copy: bulk(0x0a), memory_fill: bulk(0x0b),

  v128_load: simd(0x00), v128_load32_splat: simd(0x09), v128_store: simd(0x0b), i8x16_shuffle: simd(0x0d),
  i32x4_splat: simd(0x11), f32x4_splat: simd(0x13),
  f32x4_eq: simd(0x41), f32x4_ne: simd(0x42), f32x4_lt: simd(0x43), f32x4_gt: simd(0x44), f32x4_le: simd(0x45),
  f32x4_ge: simd(0x46),
  v128_and: simd(0x4e), v128_andnot: simd(0x4f), v128_or: simd(0x50), v128_xor: simd(0x51), v128_bitselect: simd(0x52),
  v128_store32_lane: simd(0x5a), v128_store64_lane: simd(0x5b),
  f32x4_nearest: simd(0x6a),
  i32x4_shl: simd(0xab), i32x4_shr_s: simd(0xac), i32x4_shr_u: simd(0xad), i32x4_add: simd(0xae), i32x4_sub: simd(0xb1),
  f32x4_abs: simd(0xe0), f32x4_neg: simd(0xe1), f32x4_sqrt: simd(0xe3), f32x4_add: simd(0xe4), f32x4_sub: simd(0xe5),
  f32x4_mul: simd(0xe6), f32x4_div: simd(0xe7), f32x4_min: simd(0xe8), f32x4_max: simd(0xe9), f32x4_pmin: simd(0xea),
  f32x4_pmax: simd(0xeb),
  i32x4_trunc_sat_f32x4_s: simd(0xf8), f32x4_convert_i32x4_s: simd(0xfa),
  f32x4_relaxed_madd: simd(0x105),

  memory_atomic_notify: atomic(0x00), memory_atomic_wait32: atomic(0x01),
  i32_atomic_load: atomic(0x10), i64_atomic_load: atomic(0x11), i32_atomic_store: atomic(0x17),
  i32_atomic_rmw_add: atomic(0x1e), i64_atomic_rmw_cmpxchg: atomic(0x49),
} as const satisfies Record<string, readonly number[]>;

/** A memory access's immediate: log2 of the alignment in bytes, then the constant offset. */
export function memarg(align: number, offset: number): number[] {
  return [31 - Math.clz32(align), ...uleb(offset)];
}

/** Value type bytes. */
export const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, v128: 0x7b } as const;
/** The block type of a block without results. */
export const EMPTY_BLOCK = 0x40;
