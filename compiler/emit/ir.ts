/**
 * The only file that builds modules. It gives rnnc's emitters a typed, kernel-shaped vocabulary
 * (scalar i32 address arithmetic, f32x4 math, structured control flow) over rnnc's own WebAssembly
 * encoder (./wasm/), so emitters stay pure functions from plan to expressions and a compile never
 * loads binaryen; binaryen's optimizer and text printer run on the encoded bytes when asked for
 * (./wasm/binaryen.ts, loaded on demand).
 */
import { IMPORT_MODULE, MEMORY_IMPORT } from '../../contract/abi.js';
import { InternalError } from '../../contract/errors.js';
import { binaryText, optimizeBinary } from './wasm/binaryen.js';
import { f32Bytes, sleb, sleb64, uleb } from './wasm/bytes.js';
import { memarg, OP } from './wasm/opcodes.js';
import { engineValidates } from './wasm/validate.js';
import { Kind, WasmModule, type ExprType, type ValType } from './wasm/module.js';

export type { ValType } from './wasm/module.js';
/** An expression: an index into the builder's node table (never 0, which `seq` drops). */
export type Expr = number;

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
  get(l: Local): Expr { return this.b.w.node(Kind.Plain, l.type, [], [...OP.local_get, ...uleb(l.index)]); }
  set(l: Local, v: Expr): Expr { return this.b.w.node(Kind.Plain, 'none', [v], [...OP.local_set, ...uleb(l.index)]); }
  tee(l: Local, v: Expr): Expr { return this.b.w.node(Kind.Plain, l.type, [v], [...OP.local_tee, ...uleb(l.index)]); }
  /** `l += n` for an i32 local and a constant n (an Expr is a number too: add those with `set`). */
  bump(l: Local, n: number): Expr {
    return this.set(l, this.b.add(this.get(l), this.b.i32(n)));
  }
  /** Adds the function to the module and exports it under `exportName` when given. */
  finish(name: string, body: Expr, exportName?: string): void {
    this.b.w.addFunction({ name, params: this.params, result: null, vars: this.vars, body });
    if (exportName) this.b.w.exportFunction(name, exportName);
  }
}

/** A typed builder of one module. */
export class Builder {
  /** @internal the module being built; only this file touches it directly. */
  readonly w = new WasmModule();
  private optimized = false;
  constructor(readonly features: ModuleFeatures) {}

  scope(params: readonly ValType[]): FunctionScope {
    return new FunctionScope(this, params);
  }
  private op(type: ExprType, code: readonly number[], ...kids: Expr[]): Expr {
    return this.w.node(Kind.Plain, type, kids, code);
  }
  /** A memory access: opcode, then memarg (alignment in bytes, offset), then any lane. */
  private mem(type: ExprType, code: readonly number[], align: number, offset: number, kids: Expr[], lane: number[] = []): Expr {
    return this.w.node(Kind.Plain, type, kids, [...code, ...memarg(align, offset), ...lane]);
  }

  /** Imports `env.memory` with at least `initialPages` pages (shared when threads are on). */
  importMemory(initialPages: number, maximumPages: number): void {
    this.w.importMemory({ module: IMPORT_MODULE, field: MEMORY_IMPORT, initial: initialPages, maximum: maximumPages, shared: this.features.threads });
  }

  /** Imports a function `() -> i32` as `env.<name>`, callable as `name`. */
  importPredicate(name: string): void {
    this.w.importFunction({ name, module: IMPORT_MODULE, field: name, params: [], result: 'i32' });
  }
  /** Calls a function returning i32. */
  callI32(name: string, args: readonly Expr[]): Expr { return this.w.node(Kind.Call, 'i32', args, [], name); }

  // ---- scalar i32 address arithmetic ----
  i32(n: number): Expr { return this.op('i32', [...OP.i32_const, ...sleb(n | 0)]); }
  f32(x: number): Expr { return this.op('f32', [...OP.f32_const, ...f32Bytes(x)]); }
  add(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_add, a, b); }
  sub(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_sub, a, b); }
  mul(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_mul, a, b); }
  /** a * n for a constant n (folded to a shift when n is a power of two). */
  muli(a: Expr, n: number): Expr {
    if (n === 1) return a;
    if (n > 0 && (n & (n - 1)) === 0) return this.op('i32', OP.i32_shl, a, this.i32(Math.log2(n)));
    return this.op('i32', OP.i32_mul, a, this.i32(n));
  }
  andi(a: Expr, n: number): Expr { return this.op('i32', OP.i32_and, a, this.i32(n)); }
  ltS(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_lt_s, a, b); }
  leS(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_le_s, a, b); }
  geS(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_ge_s, a, b); }
  gtS(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_gt_s, a, b); }
  eq(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_eq, a, b); }
  ne(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_ne, a, b); }
  eqz(a: Expr): Expr { return this.op('i32', OP.i32_eqz, a); }
  ltU(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_lt_u, a, b); }
  gtU(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_gt_u, a, b); }
  /** `cond ? ifTrue : ifFalse` (the binary format takes the condition last). */
  select(cond: Expr, ifTrue: Expr, ifFalse: Expr): Expr { return this.op(this.w.typeOf(ifTrue), OP.select, ifTrue, ifFalse, cond); }
  /** Scalar f32 comparisons (an i32 0 or 1). */
  feq(a: Expr, b: Expr): Expr { return this.op('i32', OP.f32_eq, a, b); }
  flt(a: Expr, b: Expr): Expr { return this.op('i32', OP.f32_lt, a, b); }
  fgt(a: Expr, b: Expr): Expr { return this.op('i32', OP.f32_gt, a, b); }
  fle(a: Expr, b: Expr): Expr { return this.op('i32', OP.f32_le, a, b); }
  fge(a: Expr, b: Expr): Expr { return this.op('i32', OP.f32_ge, a, b); }
  fne(a: Expr, b: Expr): Expr { return this.op('i32', OP.f32_ne, a, b); }
  xor(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_xor, a, b); }
  and(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_and, a, b); }
  loadI32(ptr: Expr, offset = 0): Expr { return this.mem('i32', OP.i32_load, 4, offset, [ptr]); }
  loadF32(ptr: Expr, offset = 0): Expr { return this.mem('f32', OP.f32_load, 4, offset, [ptr]); }
  storeF32(ptr: Expr, offset: number, v: Expr): Expr { return this.mem('none', OP.f32_store, 4, offset, [ptr, v]); }
  storeI32(ptr: Expr, offset: number, v: Expr): Expr { return this.mem('none', OP.i32_store, 4, offset, [ptr, v]); }

  // ---- f32x4 ----
  vload(ptr: Expr, offset = 0): Expr { return this.mem('v128', OP.v128_load, 4, offset, [ptr]); }
  vstore(ptr: Expr, offset: number, v: Expr): Expr { return this.mem('none', OP.v128_store, 4, offset, [ptr, v]); }
  /** Stores lane `lane` of v as one f32. */
  vstoreLane(ptr: Expr, offset: number, lane: number, v: Expr): Expr {
    return this.mem('none', OP.v128_store32_lane, 4, offset, [ptr, v], [lane]);
  }
  /** Stores the low two lanes of v. */
  vstoreLow2(ptr: Expr, offset: number, v: Expr): Expr {
    return this.mem('none', OP.v128_store64_lane, 4, offset, [ptr, v], [0]);
  }
  vsplatLoad(ptr: Expr, offset = 0): Expr { return this.mem('v128', OP.v128_load32_splat, 4, offset, [ptr]); }
  vsplat(x: Expr): Expr { return this.op('v128', OP.f32x4_splat, x); }
  /** i32x4 with every lane the i32 x. */
  visplat(x: Expr): Expr { return this.op('v128', OP.i32x4_splat, x); }
  /** f32x4 with every lane x (from the constant pool, when the module has one). */
  vconst(x: number): Expr {
    return this.pooled(f32Bits(x)) ?? this.vsplat(this.f32(x));
  }
  /** i32x4 with every lane n (from the constant pool, when the module has one). */
  vconstI(n: number): Expr {
    return this.pooled(n | 0) ?? this.visplat(this.i32(n | 0));
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
    return this.mem('v128', OP.v128_load, 16, at, [this.i32(0)]);
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
    const stores = [...p.slots].map(([bits, at]) => this.mem('none', OP.v128_store, 16, at, [this.i32(0), this.visplat(this.i32(bits))]));
    const name = 'rnnc_constant_pool';
    this.w.addFunction({ name, params: [], result: null, vars: [], body: this.seq(stores) });
    this.w.setStart(name);
  }
  /** Picks four f32 lanes from a (0..3) and b (4..7): i8x16.shuffle at lane granularity. */
  vshuffle(a: Expr, b: Expr, lanes: readonly [number, number, number, number]): Expr {
    return this.op('v128', [...OP.i8x16_shuffle, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])], a, b);
  }
  vadd(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_add, a, b); }
  vsub(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_sub, a, b); }
  vmul(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_mul, a, b); }
  vdiv(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_div, a, b); }
  vmin(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_min, a, b); }
  vmax(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_max, a, b); }
  /** Pseudo-min/max: b < a ? b : a (one instruction on x64, NaN-propagation of the first operand). */
  vpmin(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_pmin, a, b); }
  vpmax(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_pmax, a, b); }
  vabs(a: Expr): Expr { return this.op('v128', OP.f32x4_abs, a); }
  vneg(a: Expr): Expr { return this.op('v128', OP.f32x4_neg, a); }
  vsqrt(a: Expr): Expr { return this.op('v128', OP.f32x4_sqrt, a); }
  vnearest(a: Expr): Expr { return this.op('v128', OP.f32x4_nearest, a); }
  vlt(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_lt, a, b); }
  vgt(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_gt, a, b); }
  vle(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_le, a, b); }
  vne(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_ne, a, b); }
  veq(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_eq, a, b); }
  vge(a: Expr, b: Expr): Expr { return this.op('v128', OP.f32x4_ge, a, b); }
  /** Lane-wise `mask ? a : b`. */
  vselect(mask: Expr, a: Expr, b: Expr): Expr { return this.op('v128', OP.v128_bitselect, a, b, mask); }
  vand(a: Expr, b: Expr): Expr { return this.op('v128', OP.v128_and, a, b); }
  vor(a: Expr, b: Expr): Expr { return this.op('v128', OP.v128_or, a, b); }
  vxor(a: Expr, b: Expr): Expr { return this.op('v128', OP.v128_xor, a, b); }
  /** a & ~b */
  vandnot(a: Expr, b: Expr): Expr { return this.op('v128', OP.v128_andnot, a, b); }
  vtruncSat(a: Expr): Expr { return this.op('v128', OP.i32x4_trunc_sat_f32x4_s, a); }
  vconvertI(a: Expr): Expr { return this.op('v128', OP.f32x4_convert_i32x4_s, a); }
  viadd(a: Expr, b: Expr): Expr { return this.op('v128', OP.i32x4_add, a, b); }
  visub(a: Expr, b: Expr): Expr { return this.op('v128', OP.i32x4_sub, a, b); }
  vishl(a: Expr, n: number): Expr { return this.op('v128', OP.i32x4_shl, a, this.i32(n)); }
  vishrS(a: Expr, n: number): Expr { return this.op('v128', OP.i32x4_shr_s, a, this.i32(n)); }
  vishrU(a: Expr, n: number): Expr { return this.op('v128', OP.i32x4_shr_u, a, this.i32(n)); }
  /**
   * a * b + c: relaxed SIMD's fused multiply-add when `fused` (the emitting plan's SIMD flavour; the
   * module must have been built with relaxed SIMD), else mul then add.
   */
  vmadd(a: Expr, b: Expr, c: Expr, fused: boolean): Expr {
    if (fused) {
      if (!this.features.relaxedSimd) throw new InternalError('a plan with relaxed SIMD was emitted into a module built without it');
      return this.op('v128', OP.f32x4_relaxed_madd, a, b, c);
    }
    return this.vadd(this.vmul(a, b), c);
  }

  // ---- control flow ----
  seq(exprs: readonly Expr[]): Expr { return this.w.node(Kind.Seq, 'none', exprs.filter((e) => e !== 0)); }
  block(label: string, exprs: readonly Expr[]): Expr { return this.w.node(Kind.Block, 'none', exprs, [], label); }
  loop(label: string, body: Expr): Expr { return this.w.node(Kind.Loop, valueOr(this.w.typeOf(body), 'none'), [body], [], label); }
  br(label: string, cond?: Expr): Expr {
    return cond === undefined ? this.w.node(Kind.Br, 'unreachable', [], [], label) : this.w.node(Kind.Br, 'none', [cond], [], label);
  }
  if(cond: Expr, then: Expr, otherwise?: Expr): Expr {
    if (otherwise === undefined) return this.w.node(Kind.If, 'none', [cond, then]);
    const t = this.w.typeOf(then), e = this.w.typeOf(otherwise);
    // A value when both arms give one (or one arm never returns), as binaryen typed its `if`.
    const type = t === 'unreachable' ? valueOr(e, 'none') : e === 'unreachable' || e === t ? valueOr(t, 'none') : 'none';
    return this.w.node(Kind.If, type, [cond, then, otherwise]);
  }
  nop(): Expr { return this.op('none', OP.nop); }
  /** Exports the function `name` (already added) as `exportName`. */
  exportFunction(name: string, exportName = name): void { this.w.exportFunction(name, exportName); }
  call(name: string, args: readonly Expr[]): Expr { return this.w.node(Kind.Call, 'none', args, [], name); }
  fill(dest: Expr, byte: Expr, size: Expr): Expr { return this.op('none', [...OP.memory_fill, 0], dest, byte, size); }
  divU(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_div_u, a, b); }
  unreachable(): Expr { return this.op('unreachable', OP.unreachable); }
  /** Returns from a function without results. */
  ret(): Expr { return this.op('unreachable', OP.return); }

  // ---- atomics (shared memory; the module must be built with threads) ----
  atomicLoad(ptr: Expr, offset = 0): Expr { return this.mem('i32', OP.i32_atomic_load, 4, offset, [ptr]); }
  atomicStore(ptr: Expr, offset: number, v: Expr): Expr { return this.mem('none', OP.i32_atomic_store, 4, offset, [ptr, v]); }
  /** Atomically adds v; returns the old value. */
  atomicAdd(ptr: Expr, offset: number, v: Expr): Expr { return this.mem('i32', OP.i32_atomic_rmw_add, 4, offset, [ptr, v]); }
  /** memory.atomic.wait32: 0 woken, 1 value differed, 2 timed out. Timeout in ns (i64 const). */
  atomicWait(ptr: Expr, expected: Expr, timeoutNs: number): Expr {
    return this.mem('i32', OP.memory_atomic_wait32, 4, 0, [ptr, expected, this.op('i64', [...OP.i64_const, ...sleb64(BigInt(timeoutNs))])]);
  }
  /** An i64 cell as one value (the shared-job claim cells, compiler/emit/share.ts). */
  atomicLoad64(ptr: Expr): Expr { return this.mem('i64', OP.i64_atomic_load, 8, 0, [ptr]); }
  /** Atomically replaces the i64 at ptr with `replacement` if it equals `expected`; returns the old value. */
  atomicCmpxchg64(ptr: Expr, expected: Expr, replacement: Expr): Expr { return this.mem('i64', OP.i64_atomic_rmw_cmpxchg, 8, 0, [ptr, expected, replacement]); }
  /** The i64 (hi << 32) | lo of two i32s. */
  i64Of(hi: Expr, lo: Expr): Expr { return this.op('i64', OP.i64_or, this.op('i64', OP.i64_shl, this.extendU(hi), this.extendU(this.i32(32))), this.extendU(lo)); }
  /** The high and low i32 halves of an i64. */
  high32(v: Expr): Expr { return this.low32(this.op('i64', OP.i64_shr_u, v, this.extendU(this.i32(32)))); }
  low32(v: Expr): Expr { return this.op('i32', OP.i32_wrap_i64, v); }
  eq64(a: Expr, b: Expr): Expr { return this.op('i32', OP.i64_eq, a, b); }
  shrU(a: Expr, n: number): Expr { return this.op('i32', OP.i32_shr_u, a, this.i32(n)); }
  shl(a: Expr, n: number): Expr { return this.op('i32', OP.i32_shl, a, this.i32(n)); }
  or(a: Expr, b: Expr): Expr { return this.op('i32', OP.i32_or, a, b); }
  atomicNotify(ptr: Expr, count: Expr): Expr { return this.mem('i32', OP.memory_atomic_notify, 4, 0, [ptr, count]); }
  drop(e: Expr): Expr { return this.op('none', OP.drop, e); }
  copy(dest: Expr, src: Expr, size: Expr): Expr { return this.op('none', [...OP.memory_copy, 0, 0], dest, src, size); }
  private extendU(v: Expr): Expr { return this.op('i64', OP.i64_extend_i32_u, v); }

  // ---- whole module ----
  /** Whether the engine accepts the module (see ./wasm/validate.ts for what it cannot check). */
  validate(): boolean { return engineValidates(this.emitBinary(), this.features); }
  /** Marks the module for binaryen's -O3 (speed) at emit time; binaryen must be loaded (loadBinaryen). */
  optimize(): void { this.optimized = true; }
  emitBinary(): Uint8Array {
    const wasm = this.w.encode();
    return this.optimized ? optimizeBinary(wasm, this.features) : wasm;
  }
  /** binaryen's text form (after its optimizer when `optimize` was called); binaryen must be loaded. */
  emitText(): string {
    const named = this.w.encode(true);
    return binaryText(this.optimized ? optimizeBinary(named, this.features, true) : named, this.features);
  }
  /** Nothing to free: the module is plain JavaScript data. */
  dispose(): void {}
}

function valueOr(t: ExprType, otherwise: ExprType): ExprType {
  return t === 'none' || t === 'unreachable' ? otherwise : t;
}
