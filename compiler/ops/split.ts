/**
 * How the small ops share a step among workers: a run of elements (or rows) split into ranges, the
 * items of a shared job (compiler/emit/share.ts), each range computed by the op's own kernel on
 * pointers moved to its start. Whoever computes a range runs the same code on the same elements,
 * so the bits do not depend on the split.
 */
import type { Dim } from '../../contract/dims.js';
import type { Expr, Local } from '../emit/ir.js';
import { RUN_TIME_ROWS, itemSpan, rangeItems } from '../emit/share.js';
import type { CallContext } from './types.js';

/**
 * The fewest floats an item holds. Below it, an item's claim and its count in the job's done cell
 * (atomics on lines other cores also write) cost about what the work does.
 */
export const MIN_ITEM_FLOATS = 4096;

/** The fixed part of a product of dims, and whether seq or batch multiply it at run time. */
function sizeOf(dims: readonly Dim[]): { fixed: number; dynamic: boolean } {
  return { fixed: dims.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1), dynamic: dims.some((d) => typeof d !== 'number') };
}

/** Items of a step whose work is `dims` units (elements or rows), each `perUnit` floats of elementwise work (a row: its length). */
export function splitItems(dims: readonly Dim[], perUnit = 1): number {
  const { fixed, dynamic } = sizeOf(dims);
  return rangeItems(fixed, dynamic, Math.max(1, Math.ceil(MIN_ITEM_FLOATS / perUnit)));
}

/**
 * This item range's units [lo, hi) of `n` units (c.items must be set): units aligned to `align`
 * (4: whole vectors of elements, so each range starts on a 16-byte boundary), at least the minimum
 * of splitItems.
 */
export function unitSpan(c: CallContext, n: Expr, items: number, opts: { align: number; perUnit?: number }): { set: Expr; lo: Local; hi: Local } {
  const min = Math.max(1, Math.ceil(MIN_ITEM_FLOATS / (opts.perUnit ?? 1)));
  return itemSpan(c.b, c.s, c.items!, n, items, { align: opts.align, minUnits: Math.ceil(min / opts.align) * opts.align });
}

/**
 * The call of a map kernel `c.name(x, out, n)` over `dims` elements: the whole run, or this item
 * range's elements with both pointers moved to the range's first (whole vectors, so the ranges
 * start 16-byte aligned and each element is computed by the same lanes' code as in one call).
 */
export function callMap(c: CallContext, x: Expr, out: Expr, dims: readonly Dim[]): Expr {
  const { b, s } = c;
  if (!c.items) return b.call(c.name, [x, out, c.count(dims)]);
  const span = unitSpan(c, c.count(dims), splitItems(dims), { align: 4 });
  const at = (p: Expr) => b.add(p, b.muli(s.get(span.lo), 4));
  return b.seq([span.set, b.call(c.name, [at(x), at(out), b.sub(s.get(span.hi), s.get(span.lo))])]);
}

/**
 * The call of a row kernel `c.name(x, out, rows)` over `rowDims` rows of `xRow` floats in and
 * `outRow` out: all rows, or this item range's rows with both pointers moved to its first. Ranges
 * start at multiples of `align` rows (a kernel's row tile: each row is computed by the same tile
 * as in one call); `work` is a row's cost in floats of elementwise work (default xRow), and must
 * be what the step's `items` passed to splitItems. Only for a kernel whose output rows never
 * overlap input rows of another range.
 */
export function callRows(c: CallContext, x: Expr, out: Expr, rowDims: readonly Dim[], xRow: number, outRow: number,
  opts: { readonly align?: number; readonly work?: number } = {}): Expr {
  const { b, s } = c;
  if (!c.items) return b.call(c.name, [x, out, c.count(rowDims)]);
  const work = opts.work ?? xRow;
  const span = unitSpan(c, c.count(rowDims), splitItems(rowDims, work), { align: opts.align ?? 1, perUnit: work });
  const at = (p: Expr, floats: number) => b.add(p, b.muli(s.get(span.lo), 4 * floats));
  return b.seq([span.set, b.call(c.name, [at(x, xRow), at(out, outRow), b.sub(s.get(span.hi), s.get(span.lo))])]);
}

/**
 * Items of a kernel whose work is `blocks` blocks (a conv's channel blocks), each `work` floats of
 * elementwise work per row of `rowDims`: consecutive blocks grouped so that an item reaches the
 * minimum (a small conv of many narrow blocks would otherwise pay a claim per block).
 */
export function blockItems(blocks: number, rowDims: readonly Dim[], work: number): number {
  const { fixed, dynamic } = sizeOf(rowDims);
  const rows = dynamic ? fixed * RUN_TIME_ROWS : fixed;
  return rangeItems(blocks, false, Math.max(1, Math.ceil(MIN_ITEM_FLOATS / (work * Math.max(1, rows)))));
}

/** The blocks [from, to) of items [c.items) when `blocks` blocks make `items` items (blockItems). */
export function blockRange(c: CallContext, blocks: number, items: number): readonly [Expr, Expr] {
  const { b } = c;
  const per = Math.ceil(blocks / items);
  const at = (i: Expr) => (per === 1 ? i : b.muli(i, per));
  // ceil(blocks / items) blocks an item: the last item's end is clamped to the last block.
  return [at(c.items!.from()), b.select(b.ltS(at(c.items!.to()), b.i32(blocks)), at(c.items!.to()), b.i32(blocks))];
}
