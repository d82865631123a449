/**
 * The only file that imports binaryen. It wraps the handful of binaryen calls rnnc's emitters need
 * in a typed, kernel-shaped vocabulary (scalar i32 address arithmetic, f32x4 math, structured
 * control flow), so emitters stay pure functions from plan to expressions.
 */
import binaryen from 'binaryen';
import { IMPORT_MODULE, MEMORY_IMPORT } from '../../contract/abi.js';
import { InternalError } from '../../contract/errors.js';

/** A binaryen expression reference. */
export type Expr = number;
/** Value types used by the kernels. */
export type ValType = 'i32' | 'i64' | 'f32' | 'v128';

/** A local variable of the function being built. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** Features a module may require; recorded in the artifact manifest. */
export interface ModuleFeatures {
  readonly simd: true;
  readonly relaxedSimd: boolean;
  readonly threads: boolean;
}

const TYPES = { i32: binaryen.i32, i64: binaryen.i64, f32: binaryen.f32, v128: binaryen.v128 } as const;

const bitsView = new DataView(new ArrayBuffer(4));
/** The bit pattern of x rounded to f32, as an i32. */
function f32Bits(x: number): number {
  bitsView.setFloat32(0, x);
  return bitsView.getInt32(0);
}

/** Allocates the locals of one function; params come first, in order. */
export class FunctionScope {
  private readonly vars: ValType[] = [];
  constructor(private readonly b: Builder, readonly params: readonly ValType[]) {}

  param(i: number): Local {
    return { index: i, type: this.params[i] };
  }
  local(type: ValType): Local {
    this.vars.push(type);
    return { index: this.params.length + this.vars.length - 1, type };
  }
  get(l: Local): Expr {
    return this.b.m.local.get(l.index, TYPES[l.type]);
  }
  set(l: Local, v: Expr): Expr {
    return this.b.m.local.set(l.index, v);
  }
  tee(l: Local, v: Expr): Expr {
    return this.b.m.local.tee(l.index, v, TYPES[l.type]);
  }
  /** `l += n` for an i32 local and a constant n (binaryen's Expr is a number too: add those with `set`). */
  bump(l: Local, n: number): Expr {
    return this.set(l, this.b.add(this.get(l), this.b.i32(n)));
  }
  /** Adds the function to the module and exports it under `exportName` when given. */
  finish(name: string, body: Expr, exportName?: string): void {
    const m = this.b.m;
    m.addFunction(name, binaryen.createType(this.params.map((t) => TYPES[t])), binaryen.none,
      this.vars.map((t) => TYPES[t]), body);
    if (exportName) m.addFunctionExport(name, exportName);
  }
}

/** A typed facade over one binaryen module. */
export class Builder {
  /** @internal the wrapped module; only this file touches it directly. */
  readonly m: binaryen.Module;
  constructor(readonly features: ModuleFeatures) {
    this.m = new binaryen.Module();
    let f = binaryen.Features.MVP | binaryen.Features.SIMD128 | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt |
      binaryen.Features.NontrappingFPToInt | binaryen.Features.SignExt | binaryen.Features.MutableGlobals;
    if (features.relaxedSimd) f |= binaryen.Features.RelaxedSIMD;
    if (features.threads) f |= binaryen.Features.Atomics;
    this.m.setFeatures(f);
  }

  scope(params: readonly ValType[]): FunctionScope {
    return new FunctionScope(this, params);
  }

  /** Imports `env.memory` with at least `initialPages` pages (shared when threads are on). */
  importMemory(initialPages: number, maximumPages: number): void {
    const shared = this.features.threads;
    this.m.setMemory(initialPages, maximumPages, null, [], shared, false, 'mem');
    this.m.addMemoryImport('mem', IMPORT_MODULE, MEMORY_IMPORT, shared);
  }

  /** Imports a function `() -> i32` as `env.<name>`, callable as `name`. */
  importPredicate(name: string): void {
    this.m.addFunctionImport(name, IMPORT_MODULE, name, binaryen.none, binaryen.i32);
  }
  /** Calls a function returning i32. */
  callI32(name: string, args: readonly Expr[]): Expr { return this.m.call(name, args as Expr[], binaryen.i32); }

  // ---- scalar i32 address arithmetic ----
  i32(n: number): Expr { return this.m.i32.const(n | 0); }
  f32(x: number): Expr { return this.m.f32.const(x); }
  add(a: Expr, b: Expr): Expr { return this.m.i32.add(a, b); }
  sub(a: Expr, b: Expr): Expr { return this.m.i32.sub(a, b); }
  mul(a: Expr, b: Expr): Expr { return this.m.i32.mul(a, b); }
  /** a * n for a constant n (folded to a shift when n is a power of two). */
  muli(a: Expr, n: number): Expr {
    if (n === 1) return a;
    if (n > 0 && (n & (n - 1)) === 0) return this.m.i32.shl(a, this.i32(Math.log2(n)));
    return this.m.i32.mul(a, this.i32(n));
  }
  andi(a: Expr, n: number): Expr { return this.m.i32.and(a, this.i32(n)); }
  ltS(a: Expr, b: Expr): Expr { return this.m.i32.lt_s(a, b); }
  leS(a: Expr, b: Expr): Expr { return this.m.i32.le_s(a, b); }
  geS(a: Expr, b: Expr): Expr { return this.m.i32.ge_s(a, b); }
  gtS(a: Expr, b: Expr): Expr { return this.m.i32.gt_s(a, b); }
  eq(a: Expr, b: Expr): Expr { return this.m.i32.eq(a, b); }
  ne(a: Expr, b: Expr): Expr { return this.m.i32.ne(a, b); }
  eqz(a: Expr): Expr { return this.m.i32.eqz(a); }
  ltU(a: Expr, b: Expr): Expr { return this.m.i32.lt_u(a, b); }
  gtU(a: Expr, b: Expr): Expr { return this.m.i32.gt_u(a, b); }
  select(cond: Expr, ifTrue: Expr, ifFalse: Expr): Expr { return this.m.select(cond, ifTrue, ifFalse); }
  /** Scalar f32 comparisons (an i32 0 or 1). */
  feq(a: Expr, b: Expr): Expr { return this.m.f32.eq(a, b); }
  flt(a: Expr, b: Expr): Expr { return this.m.f32.lt(a, b); }
  fgt(a: Expr, b: Expr): Expr { return this.m.f32.gt(a, b); }
  fle(a: Expr, b: Expr): Expr { return this.m.f32.le(a, b); }
  fge(a: Expr, b: Expr): Expr { return this.m.f32.ge(a, b); }
  fne(a: Expr, b: Expr): Expr { return this.m.f32.ne(a, b); }
  xor(a: Expr, b: Expr): Expr { return this.m.i32.xor(a, b); }
  and(a: Expr, b: Expr): Expr { return this.m.i32.and(a, b); }
  loadI32(ptr: Expr, offset = 0): Expr { return this.m.i32.load(offset, 4, ptr); }
  loadF32(ptr: Expr, offset = 0): Expr { return this.m.f32.load(offset, 4, ptr); }
  storeF32(ptr: Expr, offset: number, v: Expr): Expr { return this.m.f32.store(offset, 4, ptr, v); }
  storeI32(ptr: Expr, offset: number, v: Expr): Expr { return this.m.i32.store(offset, 4, ptr, v); }

  // ---- f32x4 ----
  vload(ptr: Expr, offset = 0): Expr { return this.m.v128.load(offset, 4, ptr); }
  vstore(ptr: Expr, offset: number, v: Expr): Expr { return this.m.v128.store(offset, 4, ptr, v); }
  /** Stores lane `lane` of v as one f32. */
  vstoreLane(ptr: Expr, offset: number, lane: number, v: Expr): Expr {
    return this.m.v128.store32_lane(offset, 4, lane, ptr, v);
  }
  /** Stores the low two lanes of v. */
  vstoreLow2(ptr: Expr, offset: number, v: Expr): Expr {
    return this.m.v128.store64_lane(offset, 4, 0, ptr, v);
  }
  vsplatLoad(ptr: Expr, offset = 0): Expr { return this.m.v128.load32_splat(offset, 4, ptr); }
  vsplat(x: Expr): Expr { return this.m.f32x4.splat(x); }
  /** i32x4 with every lane the i32 x. */
  visplat(x: Expr): Expr { return this.m.i32x4.splat(x); }
  /** f32x4 with every lane x (from the constant pool, when the module has one). */
  vconst(x: number): Expr {
    const bits = f32Bits(x);
    return this.pooled(bits) ?? this.m.f32x4.splat(this.m.f32.const(x));
  }
  /** i32x4 with every lane n (from the constant pool, when the module has one). */
  vconstI(n: number): Expr {
    return this.pooled(n | 0) ?? this.m.i32x4.splat(this.m.i32.const(n | 0));
  }

  // ---- constant pool ----
  private pool: { readonly begin: number; readonly end: number; readonly slots: Map<number, number> } | null = null;
  /**
   * Loads splat constants from linear memory at [begin, end) instead of building them in registers.
   * V8 (x64) builds each v128 constant with three instructions and, in long straight-line code such
   * as the cell update, keeps them live and spills them to the stack; a load is one instruction with
   * nothing to keep. Zero stays inline (one xor). Once the pool is full, constants stay inline too.
   * `finishConstantPool` adds the start function that writes the pool.
   */
  useConstantPool(begin: number, end: number): void {
    this.pool = { begin, end, slots: new Map() };
  }
  private pooled(bits: number): Expr | null {
    const p = this.pool;
    if (!p || bits === 0) return null;
    let at = p.slots.get(bits);
    if (at === undefined) {
      if (p.begin + (p.slots.size + 1) * 16 > p.end) return null;
      at = p.begin + p.slots.size * 16;
      p.slots.set(bits, at);
    }
    return this.m.v128.load(at, 16, this.i32(0));
  }
  /**
   * Adds the start function that writes every pooled constant: it runs when the module is
   * instantiated (on every worker: the same bytes, before that worker reads them). A memory holds
   * one module's pool: the engine instantiates one module per memory (the multi-worker module on
   * every worker, or the single-worker one).
   */
  finishConstantPool(): void {
    const p = this.pool;
    if (!p || p.slots.size === 0) return;
    const stores = [...p.slots].map(([bits, at]) => this.m.v128.store(at, 16, this.i32(0), this.m.i32x4.splat(this.i32(bits))));
    const fn = this.m.addFunction('rnnc_constant_pool', binaryen.none, binaryen.none, [], this.m.block(null, stores, binaryen.none));
    this.m.setStart(fn);
  }
  /** Picks four f32 lanes from a (0..3) and b (4..7): i8x16.shuffle at lane granularity. */
  vshuffle(a: Expr, b: Expr, lanes: readonly [number, number, number, number]): Expr {
    return this.m.i8x16.shuffle(a, b, lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  }
  vadd(a: Expr, b: Expr): Expr { return this.m.f32x4.add(a, b); }
  vsub(a: Expr, b: Expr): Expr { return this.m.f32x4.sub(a, b); }
  vmul(a: Expr, b: Expr): Expr { return this.m.f32x4.mul(a, b); }
  vdiv(a: Expr, b: Expr): Expr { return this.m.f32x4.div(a, b); }
  vmin(a: Expr, b: Expr): Expr { return this.m.f32x4.min(a, b); }
  vmax(a: Expr, b: Expr): Expr { return this.m.f32x4.max(a, b); }
  /** Pseudo-min/max: b < a ? b : a (one instruction on x64, NaN-propagation of the first operand). */
  vpmin(a: Expr, b: Expr): Expr { return this.m.f32x4.pmin(a, b); }
  vpmax(a: Expr, b: Expr): Expr { return this.m.f32x4.pmax(a, b); }
  vabs(a: Expr): Expr { return this.m.f32x4.abs(a); }
  vneg(a: Expr): Expr { return this.m.f32x4.neg(a); }
  vsqrt(a: Expr): Expr { return this.m.f32x4.sqrt(a); }
  vnearest(a: Expr): Expr { return this.m.f32x4.nearest(a); }
  vlt(a: Expr, b: Expr): Expr { return this.m.f32x4.lt(a, b); }
  vgt(a: Expr, b: Expr): Expr { return this.m.f32x4.gt(a, b); }
  vle(a: Expr, b: Expr): Expr { return this.m.f32x4.le(a, b); }
  vne(a: Expr, b: Expr): Expr { return this.m.f32x4.ne(a, b); }
  veq(a: Expr, b: Expr): Expr { return this.m.f32x4.eq(a, b); }
  vge(a: Expr, b: Expr): Expr { return this.m.f32x4.ge(a, b); }
  /** Lane-wise `mask ? a : b`. */
  vselect(mask: Expr, a: Expr, b: Expr): Expr { return this.m.v128.bitselect(a, b, mask); }
  vand(a: Expr, b: Expr): Expr { return this.m.v128.and(a, b); }
  vor(a: Expr, b: Expr): Expr { return this.m.v128.or(a, b); }
  vxor(a: Expr, b: Expr): Expr { return this.m.v128.xor(a, b); }
  /** a & ~b */
  vandnot(a: Expr, b: Expr): Expr { return this.m.v128.andnot(a, b); }
  vtruncSat(a: Expr): Expr { return this.m.i32x4.trunc_sat_f32x4_s(a); }
  vconvertI(a: Expr): Expr { return this.m.f32x4.convert_i32x4_s(a); }
  viadd(a: Expr, b: Expr): Expr { return this.m.i32x4.add(a, b); }
  visub(a: Expr, b: Expr): Expr { return this.m.i32x4.sub(a, b); }
  vishl(a: Expr, n: number): Expr { return this.m.i32x4.shl(a, this.i32(n)); }
  vishrS(a: Expr, n: number): Expr { return this.m.i32x4.shr_s(a, this.i32(n)); }
  vishrU(a: Expr, n: number): Expr { return this.m.i32x4.shr_u(a, this.i32(n)); }
  /**
   * a * b + c: relaxed SIMD's fused multiply-add when `fused` (the emitting plan's SIMD flavour; the
   * module must have been built with relaxed SIMD), else mul then add.
   */
  vmadd(a: Expr, b: Expr, c: Expr, fused: boolean): Expr {
    if (fused) {
      if (!this.features.relaxedSimd) throw new InternalError('a plan with relaxed SIMD was emitted into a module built without it');
      // binaryen.js has the op but no `f32x4.relaxed_madd` wrapper: build the SIMDTernary directly.
      const raw = binaryen as unknown as { _BinaryenSIMDTernary(m: number, op: number, a: Expr, b: Expr, c: Expr): Expr; RelaxedMaddVecF32x4: number };
      return raw._BinaryenSIMDTernary(this.m.ptr, raw.RelaxedMaddVecF32x4, a, b, c);
    }
    return this.m.f32x4.add(this.m.f32x4.mul(a, b), c);
  }

  // ---- control flow ----
  seq(exprs: readonly Expr[]): Expr { return this.m.block(null, exprs.filter((e) => e !== 0), binaryen.none); }
  block(label: string, exprs: readonly Expr[]): Expr { return this.m.block(label, exprs, binaryen.none); }
  loop(label: string, body: Expr): Expr { return this.m.loop(label, body); }
  br(label: string, cond?: Expr): Expr { return this.m.br(label, cond); }
  if(cond: Expr, then: Expr, otherwise?: Expr): Expr { return this.m.if(cond, then, otherwise); }
  nop(): Expr { return this.m.nop(); }
  /** Exports the function `name` (already added) as `exportName`. */
  exportFunction(name: string, exportName = name): void { this.m.addFunctionExport(name, exportName); }
  call(name: string, args: readonly Expr[]): Expr { return this.m.call(name, args as Expr[], binaryen.none); }
  fill(dest: Expr, byte: Expr, size: Expr): Expr { return this.m.memory.fill(dest, byte, size, 'mem'); }
  divU(a: Expr, b: Expr): Expr { return this.m.i32.div_u(a, b); }
  unreachable(): Expr { return this.m.unreachable(); }
  /** Returns from a function without results. */
  ret(): Expr { return this.m.return(); }

  // ---- atomics (shared memory; the module must be built with threads) ----
  atomicLoad(ptr: Expr, offset = 0): Expr { return this.m.i32.atomic.load(offset, ptr, 'mem'); }
  atomicStore(ptr: Expr, offset: number, v: Expr): Expr { return this.m.i32.atomic.store(offset, ptr, v, 'mem'); }
  /** Atomically adds v; returns the old value. */
  atomicAdd(ptr: Expr, offset: number, v: Expr): Expr { return this.m.i32.atomic.rmw.add(offset, ptr, v, 'mem'); }
  /** memory.atomic.wait32: 0 woken, 1 value differed, 2 timed out. Timeout in ns (i64 const). */
  atomicWait(ptr: Expr, expected: Expr, timeoutNs: number): Expr {
    return this.m.memory.atomic.wait32(ptr, expected, (this.m.i64 as unknown as { const(v: bigint): Expr }).const(BigInt(timeoutNs)), 'mem');
  }
  /** An i64 cell as one value (the shared-job claim cells, compiler/emit/share.ts). */
  atomicLoad64(ptr: Expr): Expr { return this.m.i64.atomic.load(0, ptr, 'mem'); }
  /** Atomically replaces the i64 at ptr with `replacement` if it equals `expected`; returns the old value. */
  atomicCmpxchg64(ptr: Expr, expected: Expr, replacement: Expr): Expr { return this.m.i64.atomic.rmw.cmpxchg(0, ptr, expected, replacement, 'mem'); }
  /** The i64 (hi << 32) | lo of two i32s. */
  i64Of(hi: Expr, lo: Expr): Expr { return this.m.i64.or(this.m.i64.shl(this.m.i64.extend_u(hi), this.m.i64.extend_u(this.i32(32))), this.m.i64.extend_u(lo)); }
  /** The high and low i32 halves of an i64. */
  high32(v: Expr): Expr { return this.m.i32.wrap(this.m.i64.shr_u(v, this.m.i64.extend_u(this.i32(32)))); }
  low32(v: Expr): Expr { return this.m.i32.wrap(v); }
  eq64(a: Expr, b: Expr): Expr { return this.m.i64.eq(a, b); }
  shrU(a: Expr, n: number): Expr { return this.m.i32.shr_u(a, this.i32(n)); }
  shl(a: Expr, n: number): Expr { return this.m.i32.shl(a, this.i32(n)); }
  or(a: Expr, b: Expr): Expr { return this.m.i32.or(a, b); }
  atomicNotify(ptr: Expr, count: Expr): Expr { return this.m.memory.atomic.notify(ptr, count, 'mem'); }
  drop(e: Expr): Expr { return this.m.drop(e); }
  copy(dest: Expr, src: Expr, size: Expr): Expr { return this.m.memory.copy(dest, src, size, 'mem', 'mem'); }

  // ---- whole module ----
  validate(): boolean { return !!this.m.validate(); }
  /** Runs binaryen's optimizer at -O3 (speed); deterministic for the same input. */
  optimize(): void {
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(0);
    this.m.optimize();
  }
  emitBinary(): Uint8Array { return this.m.emitBinary(); }
  emitText(): string { return this.m.emitText(); }
  dispose(): void { this.m.dispose(); }
}
