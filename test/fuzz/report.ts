/**
 * A campaign's tally: outcomes per class (rnnc errors by their class name), per mutation kind, and
 * the failures grouped into findings, each with the smallest variant that shows it and the command
 * line that replays it.
 */
import { isFailure, OUTCOME_CLASSES, signature, type Outcome, type OutcomeClass } from './outcome.js';

/** One variant's end, with what it was. */
export interface Result {
  readonly seed: number;
  readonly index: number;
  readonly model: string;
  readonly kinds: readonly string[];
  readonly what: readonly string[];
  readonly outcome: Outcome;
  /** Wall time of the job in its child (compile and runs), for finding slow variants. */
  readonly ms: number;
}

/** A finding: failures sharing a signature, and the smallest of them. */
export interface Finding {
  readonly signature: string;
  readonly count: number;
  readonly example: Result;
}

/** The command that replays `r`, and what it was and did. */
export function reproLine(r: Result): string {
  const o = r.outcome;
  return `npm run fuzz -- --replay ${r.seed}:${r.index}   # ${r.model} | ${r.what.join(' ; ') || r.kinds.join('+')} => ${o.cls} ${o.name}${o.where ? ` at ${o.where}` : ''}: ${o.message}`;
}

/** The row a variant counts in: its kind, or 'stacked' for several mutations. */
const rowOf = (r: Result) => (r.kinds.length === 1 ? r.kinds[0] : r.kinds.length ? 'stacked (2-3)' : '?');

export class Tally {
  readonly results: Result[] = [];

  add(r: Result): void {
    this.results.push(r);
  }

  get failures(): Result[] {
    return this.results.filter((r) => isFailure(r.outcome));
  }

  /** Failures grouped by signature, most frequent first; each shows its variant with the fewest mutations. */
  findings(): Finding[] {
    const groups = new Map<string, Result[]>();
    for (const r of this.failures) {
      const s = signature(r.outcome);
      groups.set(s, [...(groups.get(s) ?? []), r]);
    }
    return [...groups].map(([sig, rs]) => ({
      signature: sig, count: rs.length,
      example: rs.reduce((a, b) => (b.kinds.length < a.kinds.length || (b.kinds.length === a.kinds.length && b.what.join().length < a.what.join().length) ? b : a)),
    })).sort((a, b) => b.count - a.count);
  }

  /** Counts per outcome, the rnnc errors by class. */
  classTable(): string {
    const counts = new Map<string, number>();
    for (const r of this.results) {
      const key = r.outcome.cls === 'rnnc' ? `rnnc ${r.outcome.name}` : r.outcome.cls;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const lines = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${k.padEnd(24)} ${String(n).padStart(6)}${isFailureKey(k) ? '   FAILURE' : ''}`);
    return [`outcomes of ${this.results.length} variants:`, ...lines].join('\n');
  }

  /** Variants per mutation kind (rows) and outcome class (columns that occurred). */
  kindTable(): string {
    const cols = OUTCOME_CLASSES.filter((c) => this.results.some((r) => r.outcome.cls === c));
    const rows = new Map<string, Map<OutcomeClass, number>>();
    for (const r of this.results) {
      const row = rows.get(rowOf(r)) ?? new Map<OutcomeClass, number>();
      row.set(r.outcome.cls, (row.get(r.outcome.cls) ?? 0) + 1);
      rows.set(rowOf(r), row);
    }
    const w = Math.max(4, ...[...rows.keys()].map((k) => k.length));
    const head = `  ${'kind'.padEnd(w)} ${cols.map((c) => c.padStart(9)).join('')}`;
    const body = [...rows].sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, row]) => `  ${k.padEnd(w)} ${cols.map((c) => String(row.get(c) ?? '').padStart(9)).join('')}`);
    return ['outcomes per mutation kind:', head, ...body].join('\n');
  }

  /** The slowest variants that did not fail, which bound how long a compile takes. */
  slowest(n: number): string {
    const done = this.results.filter((r) => !isFailure(r.outcome)).sort((a, b) => b.ms - a.ms).slice(0, n);
    return ['slowest variants:', ...done.map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.seed}:${r.index} ${r.model} | ${r.what.join(' ; ').slice(0, 120)}`)].join('\n');
  }

  /** The findings, each with its count and repro line. */
  findingsText(): string {
    const fs = this.findings();
    if (!fs.length) return 'no failures';
    return [`${this.failures.length} failures, ${fs.length} findings:`,
      ...fs.map((f, i) => `  [${i + 1}] x${f.count} ${f.signature}\n      ${reproLine(f.example)}`)].join('\n');
  }
}

function isFailureKey(k: string): boolean {
  return k !== 'ok' && !k.startsWith('rnnc ');
}
