/**
 * The conditions rows (bench/conditions.ts: rnnc 2 workers against onnxruntime-web 2 threads alone,
 * beside a busy thread, and calling in turns) as the report shows them, and their targets. Pure:
 * the report imports it without the peers.
 */

export type Condition = 'alone' | 'busy' | 'alternating';
export const CONDITIONS: readonly Condition[] = ['alone', 'busy', 'alternating'];

/** One case's medians (ms) per condition, and rnnc's 1-worker median alone. */
export interface ConditionRow {
  readonly id: string;
  readonly rnnc: Record<Condition, number>;
  readonly ort: Record<Condition, number>;
  readonly rnnc1: number;
  /** Share of rnnc's 2-worker calls the adaptive chooser ran on the caller alone, per condition. */
  readonly solo: Record<Condition, number>;
}

/** A run of bench/conditions.ts: its header lines (versions, load) and rows. */
export interface ConditionsResult {
  readonly header: string;
  readonly rows: readonly ConditionRow[];
}

/** The geomean each condition must reach (rnnc 2 workers over onnxruntime-web 2 threads). */
export const CONDITION_TARGETS: Readonly<Record<Condition, number>> = { alone: 1.8, busy: 1.5, alternating: 1.3 };
/** The shapes whose 2-workers-over-1 is a target (alone), and the ratio. */
export const SCALING_CASES = ['lstm_i256_h256_t100_b1', 'lstm_i1024_h1024_t100_b1'] as const;
export const SCALING_TARGET = 1.9;

export const geomean = (xs: readonly number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

const CONDITION_TEXT: Record<Condition, string> = {
  alone: 'each alone for a block of calls',
  busy: 'another thread of the process busy 3 ms of every 10',
  alternating: 'calls alternating one by one with onnxruntime-web\'s',
};

/** Per condition: the geomean of onnxruntime-web over rnnc, and the case where rnnc did worst. */
export function conditionGeomeans(rows: readonly ConditionRow[]): Record<Condition, { geomean: number; lowest: number; lowestId: string }> {
  const out = {} as Record<Condition, { geomean: number; lowest: number; lowestId: string }>;
  for (const k of CONDITIONS) {
    // A row without a positive time on both sides (a saved run edited by hand) counts for neither figure.
    const xs = rows.map((r) => ({ id: r.id, x: r.ort[k] / r.rnnc[k] })).filter((r) => Number.isFinite(r.x) && r.x > 0);
    const lowest = xs.length ? xs.reduce((a, b) => (b.x < a.x ? b : a)) : { id: 'none', x: NaN };
    out[k] = { geomean: xs.length ? geomean(xs.map((r) => r.x)) : NaN, lowest: lowest.x, lowestId: lowest.id };
  }
  return out;
}

/** A target as bench/results.ts's Target has it. */
interface ConditionTarget { readonly name: string; readonly measured: string; readonly ceiling: string; readonly holds: boolean | null }

/** The targets a conditions run judges. */
export function conditionTargets(c: ConditionsResult): ConditionTarget[] {
  if (!c.rows.length) return [];
  const g = conditionGeomeans(c.rows);
  const out: ConditionTarget[] = CONDITIONS.map((k) => ({
    name: `${k} (${CONDITION_TEXT[k]}): 2 workers vs ORT-web 2 threads, geomean >= ${CONDITION_TARGETS[k]}x`,
    measured: `geomean ${g[k].geomean.toFixed(2)}x over ${c.rows.length} shapes; lowest ${g[k].lowest.toFixed(2)}x (${g[k].lowestId}); ${(100 * mean(c.rows.map((r) => r.solo[k]))).toFixed(0)}% of rnnc's calls on the caller alone`,
    ceiling: '',
    holds: Number.isFinite(g[k].geomean) ? g[k].geomean >= CONDITION_TARGETS[k] : null,
  }));
  for (const id of SCALING_CASES) {
    const r = c.rows.find((x) => x.id === id);
    const name = `${id}, alone: 2 workers >= ${SCALING_TARGET}x over 1 worker (bench:conditions)`;
    out.push(r
      ? { name, measured: `${(r.rnnc1 / r.rnnc.alone).toFixed(2)}x (${r.rnnc1.toFixed(3)} ms -> ${r.rnnc.alone.toFixed(3)} ms)`, ceiling: '', holds: r.rnnc1 / r.rnnc.alone >= SCALING_TARGET }
      : { name, measured: 'not run', ceiling: '', holds: null });
  }
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/** The tables: per case and condition both medians and the speedup; the geomeans; 2 workers over 1. */
export function conditionsTables(c: ConditionsResult): { head: string[]; rows: string[][] }[] {
  if (!c.rows.length) return [];
  const g = conditionGeomeans(c.rows);
  return [
    {
      head: ['case', 'condition', 'rnnc 2 workers ms', 'ORT-web 2 threads ms', 'speedup'],
      rows: c.rows.flatMap((r) => CONDITIONS.map((k) => [r.id, k, r.rnnc[k].toFixed(3), r.ort[k].toFixed(3), `${(r.ort[k] / r.rnnc[k]).toFixed(2)}x`])),
    },
    { head: ['condition', 'geomean rnnc 2w vs ORT-web 2t', 'target'], rows: CONDITIONS.map((k) => [k, `${g[k].geomean.toFixed(2)}x`, `${CONDITION_TARGETS[k]}x`]) },
    {
      head: ['case', 'rnnc 1 worker ms', '2 workers ms', '2 over 1', '2-worker calls on the caller alone: alone / busy / alternating'],
      rows: c.rows.map((r) => [r.id, r.rnnc1.toFixed(3), r.rnnc.alone.toFixed(3), `${(r.rnnc1 / r.rnnc.alone).toFixed(2)}x`, `${pct(r.solo.alone)} / ${pct(r.solo.busy)} / ${pct(r.solo.alternating)}`]),
    },
  ];
}

/** The same as markdown, under the run's header lines. */
export function conditionsMarkdown(c: ConditionsResult): string {
  const md = (t: { head: string[]; rows: string[][] }) => [`| ${t.head.join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.join(' | ')} |`)];
  return [c.header, '', ...conditionsTables(c).flatMap((t) => [...md(t), ''])].join('\n').trimEnd();
}
