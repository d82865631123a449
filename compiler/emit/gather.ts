/**
 * Embedding lookup (ONNX Gather on axis 0 of a [V, E] table): whole rows copied with f32x4 moves.
 */
import type { Builder, Expr, FunctionScope, Local } from './ir.js';

/** What `emitGather` computes: the table's compile-time shape. */
export interface GatherSpec {
  /** Rows V of the table (the vocabulary). */
  readonly rows: number;
  /** Width E of a row (the embedding size). */
  readonly width: number;
}

/** Rows of at most this many vectors are copied straight-line; longer ones loop 4 vectors at a time. */
const STRAIGHT_VECTORS = 16;

/**
 * Copies `width` floats from src to dst (both pointers left unchanged; compile-time width; src and
 * dst must not overlap). The 1..3 trailing floats of a width >= 4 are moved as the row's last whole
 * vector, overlapping the one before; narrower rows move floats one by one as i32 (bit-exact).
 */
export function emitRowMove(b: Builder, s: FunctionScope, src: Local, dst: Local, width: number, label: string): Expr {
  const vectors = Math.floor(width / 4);
  const out: Expr[] = [];
  const move = (off: number) => b.vstore(s.get(dst), off, b.vload(s.get(src), off));
  if (vectors <= STRAIGHT_VECTORS) {
    for (let q = 0; q < vectors; q++) out.push(move(q * 16));
  } else {
    const ps = s.local('i32'), pd = s.local('i32'), end = s.local('i32');
    const chunks = Math.floor(vectors / 4);
    const step = [0, 1, 2, 3].map((q) => b.vstore(s.get(pd), q * 16, b.vload(s.get(ps), q * 16)));
    out.push(
      s.set(ps, s.get(src)), s.set(pd, s.get(dst)), s.set(end, b.add(s.get(src), b.i32(chunks * 64))),
      b.loop(label, b.seq([...step, s.bump(ps, 64), s.bump(pd, 64), b.br(label, b.ne(s.get(ps), s.get(end)))])),
    );
    for (let q = chunks * 4; q < vectors; q++) out.push(move(q * 16));
  }
  const tail = width % 4;
  if (tail > 0 && vectors > 0) out.push(move((width - 4) * 4));
  else for (let j = 0; j < tail; j++) out.push(b.storeI32(s.get(dst), j * 4, b.loadI32(s.get(src), j * 4)));
  return b.seq(out);
}

/**
 * Emits `name(table, indices, out, count)`: indices are int32; a negative index means index + V.
 * Indices still outside 0..V-1 (the runtime rejects them before the call) are clamped to V-1, so
 * the kernel never reads outside the table.
 *
 *   for i in 0..count:
 *     r = idx[i] < 0 ? idx[i] + V : idx[i];  r = r <u V ? r : V - 1
 *     out[i][0..E] = table[r][0..E]      (f32x4 moves, straight-line up to 16 vectors)
 */
export function emitGather(b: Builder, name: string, spec: GatherSpec): void {
  const { rows: V, width: E } = spec;
  const s = b.scope(['i32', 'i32', 'i32', 'i32']);
  const TABLE = s.param(0), IDX = s.param(1), OUT = s.param(2), count = s.param(3);
  const r = s.local('i32'), src = s.local('i32'), end = s.local('i32');
  const body = b.seq([
    s.set(end, b.add(s.get(IDX), b.muli(s.get(count), 4))),
    b.block('rows_out', [b.loop('rows', b.seq([
      b.br('rows_out', b.eq(s.get(IDX), s.get(end))),
      s.set(r, b.loadI32(s.get(IDX))),
      s.set(r, b.select(b.ltS(s.get(r), b.i32(0)), b.add(s.get(r), b.i32(V)), s.get(r))),
      s.set(r, b.select(b.ltU(s.get(r), b.i32(V)), s.get(r), b.i32(V - 1))),
      s.set(src, b.add(s.get(TABLE), b.muli(s.get(r), E * 4))),
      emitRowMove(b, s, src, OUT, E, 'move'),
      s.bump(IDX, 4),
      s.bump(OUT, E * 4),
      b.br('rows'),
    ]))]),
  ]);
  s.finish(name, body);
}
