/**
 * The benchmark cases: one list drives the full run, `--quick` and the shape filter. A case is one
 * cell shape run by every contestant on the same weights and inputs.
 */

export type BenchCell = 'lstm' | 'gru';

/** What a case measures. */
export type CaseKind =
  /** One inference over a whole sequence: X [seq, batch, input] -> Y. */
  | 'sequence'
  /** One streaming timestep with the state carried over (rnnc: session.stream().step). */
  | 'step'
  /** rnnc only: input 4, so nearly all flops are the recurrent step (its % of peak). */
  | 'recurrent';

export interface BenchCase {
  /** Stable name, e.g. `lstm_i256_h256_t100_b1`; what `--filter` matches. */
  readonly id: string;
  readonly kind: CaseKind;
  readonly cell: BenchCell;
  readonly input: number;
  readonly hidden: number;
  /** Timesteps per inference (1 for a streaming step). */
  readonly seq: number;
  readonly batch: number;
  /** Part of the list (counts towards the targets); false for heatmap fill-ins and probes. */
  readonly listed: boolean;
}

/** Gates per cell, ONNX order: LSTM i,o,f,c; GRU z,r,h. */
export const gates = (cell: BenchCell): number => (cell === 'lstm' ? 4 : 3);

/** One case; `listed` false: not part of the list (no target counts it). */
export function makeCase(kind: CaseKind, cell: BenchCell, input: number, hidden: number, seq: number, batch: number, listed: boolean): BenchCase {
  const id = kind === 'step' ? `${cell}_i${input}_h${hidden}_step`
    : `${cell}_i${input}_h${hidden}_t${seq}_b${batch}${kind === 'recurrent' ? '_recurrent' : ''}`;
  return Object.freeze({ id, kind, cell, input, hidden, seq, batch, listed });
}

/** (input, hidden, seq) at batch 1, from the issue. */
const LISTED_SHAPES: readonly (readonly [number, number, number])[] = [
  [64, 64, 100], [256, 64, 100], [1024, 64, 100], [64, 256, 100], [64, 1024, 100], [1024, 1024, 100],
  [256, 256, 1], [256, 256, 10], [256, 256, 100],
];
/** Fill the 3x3 (input x hidden) heatmap grid at seq 100. */
const HEATMAP_FILL: readonly (readonly [number, number])[] = [[256, 1024], [1024, 256]];

/** Every case of a full run, in run order. */
export function fullCases(): BenchCase[] {
  const out: BenchCase[] = [];
  for (const cell of ['lstm', 'gru'] as const) {
    for (const [i, h, t] of LISTED_SHAPES) out.push(makeCase('sequence', cell, i, h, t, 1, true));
    for (const b of [4, 10]) out.push(makeCase('sequence', cell, 256, 256, 100, b, true));
    for (const [i, h] of HEATMAP_FILL) out.push(makeCase('sequence', cell, i, h, 100, 1, false));
    out.push(makeCase('recurrent', cell, 4, 256, 100, 1, false));
  }
  out.push(makeCase('step', 'lstm', 256, 256, 1, 1, true));
  return out;
}

/** `--quick`: a handful of cases that still touch every kind and both cells. */
export function quickCases(): BenchCase[] {
  const keep = new Set(['lstm_i64_h64_t100_b1', 'lstm_i256_h256_t100_b1', 'gru_i256_h256_t100_b1', 'lstm_i4_h256_t100_b1_recurrent', 'lstm_i256_h256_step']);
  return fullCases().filter((c) => keep.has(c.id));
}

/**
 * Keeps the cases whose id matches any comma-separated pattern: a whole case id matches only that
 * case; anything else is a substring or a regular expression, e.g. `lstm_i256_h256`, `step`,
 * `gru_.*_t100_b1$`.
 */
export function filterCases(cases: readonly BenchCase[], filter: string | undefined): BenchCase[] {
  if (!filter) return [...cases];
  const tests = filter.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    if (cases.some((c) => c.id === p)) return (id: string) => id === p;
    try {
      const re = new RegExp(p);
      return (id: string) => id.includes(p) || re.test(id);
    } catch {
      return (id: string) => id.includes(p);
    }
  });
  return cases.filter((c) => tests.some((t) => t(c.id)));
}

/** Multiply-add flops of one inference: 2 * gates * hidden * (input + hidden) per timestep and row. */
export function caseFlops(c: BenchCase): number {
  return 2 * gates(c.cell) * c.hidden * (c.input + c.hidden) * c.seq * c.batch;
}

/** Flops of the recurrent part alone (h * R^T): what the `recurrent` probe rates. */
export function recurrentFlops(c: BenchCase): number {
  return 2 * gates(c.cell) * c.hidden * c.hidden * c.seq * c.batch;
}

/**
 * Bytes an inference must move under the usual RNN algorithm, for the roofline: W once (the input
 * projection is one GEMM over the whole sequence), R once per timestep (the recurrence needs all of
 * h_t before step t+1), X in and Y out. A streaming step reads W and R once.
 */
export function caseBytes(c: BenchCase): number {
  const g = gates(c.cell);
  return 4 * (g * c.hidden * c.input + c.seq * g * c.hidden * c.hidden + c.seq * c.batch * (c.input + c.hidden));
}

/** Arithmetic intensity, flop per byte (see caseBytes). */
export const intensity = (c: BenchCase): number => caseFlops(c) / caseBytes(c);

/** Human label: `LSTM 256/256 seq 100 batch 1`. */
export function caseLabel(c: BenchCase): string {
  const cell = c.cell.toUpperCase();
  if (c.kind === 'step') return `${cell} ${c.input}/${c.hidden} streaming step`;
  const base = `${cell} ${c.input}/${c.hidden} seq ${c.seq} batch ${c.batch}`;
  return c.kind === 'recurrent' ? `${base} (recurrent probe)` : base;
}
