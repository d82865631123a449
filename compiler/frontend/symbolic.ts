/**
 * Symbolic integers for shape arithmetic: a number, or a monomial c * seq^a * batch^b. Dims of
 * run-time tensors and the values of folded shape tensors are symbolic integers; a Reshape of
 * [seq, batch, H] to [-1, H] yields the product seq*batch. Sums of unlike terms are not needed by
 * the shape subgraphs exporters write and are reported as unsupported (null) by `add` and `sub`.
 */
import type { Dim } from './program.js';

/** A monomial c * seq^seq * batch^batch with at least one positive exponent and c != 0. */
export interface Mono {
  readonly c: number;
  readonly seq: number;
  readonly batch: number;
}

/** A symbolic integer: a plain number or a monomial. */
export type SymInt = number | Mono;

const mono = (c: number, seq: number, batch: number): SymInt => (c === 0 || (seq === 0 && batch === 0) ? c : { c, seq, batch });
const parts = (s: SymInt): Mono => (typeof s === 'number' ? { c: s, seq: 0, batch: 0 } : s);

/** The run-time symbol `seq` (sequence length of the call). */
export const SEQ: SymInt = mono(1, 1, 0);
/** The run-time symbol `batch` (1..maxBatch). */
export const BATCH: SymInt = mono(1, 0, 1);

export function isNum(s: SymInt): s is number {
  return typeof s === 'number';
}

export function symEq(a: SymInt, b: SymInt): boolean {
  const x = parts(a), y = parts(b);
  return x.c === y.c && x.seq === y.seq && x.batch === y.batch;
}

export function mul(a: SymInt, b: SymInt): SymInt {
  const x = parts(a), y = parts(b);
  return mono(x.c * y.c, x.seq + y.seq, x.batch + y.batch);
}

/** a / b when it divides exactly (ONNX integer Div truncates; numbers do so), else null. */
export function div(a: SymInt, b: SymInt): SymInt | null {
  const x = parts(a), y = parts(b);
  if (y.c === 0) return null;
  if (isNum(a) && isNum(b)) return Math.trunc(a / b);
  if (x.c % y.c !== 0 || x.seq < y.seq || x.batch < y.batch) return null;
  return mono(x.c / y.c, x.seq - y.seq, x.batch - y.batch);
}

/** a + b for numbers or like terms (e.g. seq + seq = 2*seq), else null. */
export function add(a: SymInt, b: SymInt): SymInt | null {
  const x = parts(a), y = parts(b);
  if (x.c === 0) return b;
  if (y.c === 0) return a;
  if (x.seq !== y.seq || x.batch !== y.batch) return null;
  return mono(x.c + y.c, x.seq, x.batch);
}

export function sub(a: SymInt, b: SymInt): SymInt | null {
  return add(a, mul(b, -1));
}

/** The product of some symbolic integers (1 for none). */
export function product(xs: readonly SymInt[]): SymInt {
  return xs.reduce<SymInt>((p, x) => mul(p, x), 1);
}

/** The program Dim for s when it is a number, `seq` or `batch`; null for other products. */
export function toDim(s: SymInt): Dim | null {
  if (isNum(s)) return s;
  if (s.c !== 1) return null;
  if (s.seq === 1 && s.batch === 0) return 'seq';
  if (s.seq === 0 && s.batch === 1) return 'batch';
  return null;
}

/**
 * Stream dims whose product is s: [s] for a number, seq or batch; a product such as 2*seq*batch
 * becomes [2, 'seq', 'batch']. Only the element count is meaningful in such a split.
 */
export function factors(s: SymInt): Dim[] {
  const d = toDim(s);
  if (d !== null) return [d];
  const m = parts(s);
  const out: Dim[] = m.c === 1 ? [] : [m.c];
  for (let i = 0; i < m.seq; i++) out.push('seq');
  for (let i = 0; i < m.batch; i++) out.push('batch');
  return out;
}

/** `12`, `seq`, `2*seq*batch`, `seq^2`. */
export function formatSym(s: SymInt): string {
  if (isNum(s)) return String(s);
  const f = (name: string, e: number) => (e === 0 ? [] : [e === 1 ? name : `${name}^${e}`]);
  return [...(s.c === 1 ? [] : [String(s.c)]), ...f('seq', s.seq), ...f('batch', s.batch)].join('*');
}

/** `[seq, batch, 32]`. */
export function formatDims(dims: readonly SymInt[]): string {
  return `[${dims.map(formatSym).join(', ')}]`;
}
