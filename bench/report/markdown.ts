/** bench/results/latest.md: the conditions, one table of medians and speedups, and the targets. */
import type { ContestantId } from '../peers/types.js';
import { CONTESTANTS, CONTESTANT_LABEL } from '../peers/types.js';
import { findRatio, type BenchResults, type CaseResult, type ContestantResult } from '../results.js';
import { conditionsMarkdown } from './conditions.js';

const SHORT: Record<ContestantId, string> = {
  'rnnc-1w': 'rnnc 1w', 'rnnc-2w': 'rnnc 2w', 'rnnc-2w-fixed': 'rnnc 2w fixed', 'ort-web-1t': 'ORT-web 1t', 'ort-web-2t': 'ORT-web 2t', 'tfjs-1t': 'TF.js', 'ort-node-1t': 'ORT native 1t',
};

/** Speedup columns: [of, over, title]. */
const SPEEDUPS: readonly (readonly [ContestantId, ContestantId, string])[] = [
  ['rnnc-1w', 'ort-web-1t', '1w / ORT-web 1t'], ['rnnc-2w', 'ort-web-2t', '2w / ORT-web 2t'], ['rnnc-1w', 'tfjs-1t', '1w / TF.js'],
  ['rnnc-2w', 'ort-node-1t', '2w / native 1t'], ['rnnc-2w', 'rnnc-1w', '2w / 1w'], ['rnnc-2w', 'rnnc-2w-fixed', '2w / 2w fixed'],
];

export const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtX = (x: number | undefined) => (x === undefined ? '' : `${x.toFixed(2)}x`);
export const fmtLoad = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

/** The conditions every table states (STYLE.md guideline 11). */
export function conditions(r: BenchResults): string[] {
  const m = r.meta, p = r.machine;
  const bw = p.bandwidth.map((b) => `${b.label} ${b.gbps.toFixed(0)} GB/s`).join(', ');
  return [
    `${m.cpu}, ${m.cores} cores, ${m.platform}; Node ${m.node} (V8 ${m.v8}); ${m.date.replace('T', ' ').slice(0, 16)} UTC, run took ${m.durationS.toFixed(0)} s${m.quick ? ' (--quick)' : ''}${m.filter ? `, filter '${m.filter}'` : ''}.`,
    ...(m.hogs ? [`**${m.hogs} busy process(es) ran beside this benchmark on purpose (--hog)**: a loaded machine, not a quiet one.`] : []),
    `Load average (1/5/15 min): ${fmtLoad(m.loadavgStart)} at the start, ${fmtLoad(m.loadavgEnd)} at the end${m.stealPct == null ? '' : `; the hypervisor took ${m.stealPct.toFixed(1)}% of the CPUs' time over the run (steal, /proc/stat; per case in the details)`}: other work shared the cores, so read ratios (measured in alternating rounds) before absolute times.`,
    `Versions: ${Object.entries(m.versions).map(([k, v]) => `${k} (${v})`).join('; ')}.`,
    ...(m.relaxedSimd === undefined ? [] : [m.relaxedSimd
      ? 'rnnc\'s kernels fuse their multiply-adds (relaxed SIMD: this engine has it, and a session compiling a model here uses it; Node >= 22, Chrome >= 114).'
      : 'rnnc\'s kernels multiply then add (this engine has no relaxed SIMD: Node 20 without --experimental-wasm-relaxed-simd; Node >= 22 and Chrome >= 114 fuse them).']),
    `One core's f32x4 mul+add peak ${p.mulAddGflops.toFixed(1)} GFLOP/s${p.relaxedMaddGflops ? `, relaxed madd ${p.relaxedMaddGflops.toFixed(1)} GFLOP/s` : ''} (12 independent chains, TurboFan; the fast end, ~p10, of 15 samples: what the core does when nothing interrupts it; every probe ran at the start and at the end of the run, and this is the faster reading of each); one core's read bandwidth by working set ${bw}. "% peak" is against threads x the mul+add peak.`,
    `Per-inference latency in ms: median, and ±half the p10..p90 spread. Each contestant warmed up (>= ${m.timing.warmRuns} runs and >= ${m.timing.warmMs} ms: TurboFan, not Liftoff; at most ${m.timing.warmCapMs} ms for slow ones), then ${m.timing.rounds} alternating rounds of ~${m.timing.blockMs} ms each${m.timing.quietCapMs === undefined ? '' : `, each block followed by a garbage collection and a pause until the process's threads were idle (up to about ${m.timing.settleMs + m.timing.quietCapMs} ms: onnxruntime-web's pool threads spin on after its runs)`}. Speedups are the peer's median over rnnc's. Every output matched native onnxruntime within 1e-3 (max abs diff column); GFLOP/s count 2·gates·hidden·(input+hidden) per step and row.`,
  ];
}

function cell(r: CaseResult, id: ContestantId): string {
  const k = r.contestants.find((x) => x.id === id);
  if (!k) return '';
  const spread = (50 * (k.p90 - k.p10)) / k.median;
  return `${fmtMs(k.median)} ±${spread.toFixed(0)}%`;
}

export function casesTable(r: BenchResults): string[] {
  const ids = CONTESTANTS.filter((id) => r.cases.some((c) => c.contestants.some((k) => k.id === id)));
  const sp = SPEEDUPS.filter(([a, b]) => ids.includes(a) && ids.includes(b));
  const head = ['case', ...ids.map((id) => SHORT[id]), ...sp.map((s) => s[2]), 'rnnc 1w GFLOP/s (% peak)', 'rnnc 2w % peak',
    'ceiling 1 / 2 cores (ms)', 'rnnc 1w / 2w % of ceiling', 'max abs diff'];
  const rows = r.cases.map((c) => {
    const one = c.contestants.find((k) => k.id === 'rnnc-1w'), two = c.contestants.find((k) => k.id === 'rnnc-2w');
    const diff = Math.max(...c.contestants.map((k) => k.maxAbsDiff));
    return [
      `${c.label}${c.case.listed ? '' : ' †'}`, ...ids.map((id) => cell(c, id)), ...sp.map(([a, b]) => fmtX(findRatio(c, a, b))),
      one ? `${one.gflops.toFixed(1)} (${one.pctPeak.toFixed(0)}%)` : '', two ? `${two.pctPeak.toFixed(0)}%` : '',
      `${fmtMs(c.ceiling1Ms)} / ${fmtMs(c.ceiling2Ms)}`, [one, two].map((k) => (k ? `${k.pctCeiling.toFixed(0)}%` : '–')).join(' / '), diff.toExponential(1),
    ];
  });
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** p10..p90 of every contestant, and its GFLOP/s (% of peak). */
export function spreadTable(r: BenchResults): string[] {
  const ids = CONTESTANTS.filter((id) => r.cases.some((c) => c.contestants.some((k) => k.id === id)));
  const steal = r.cases.some((c) => c.stealPct != null);
  const head = ['case', ...ids.map((id) => `${SHORT[id]}: p10–p90 ms, GFLOP/s (% peak, % ceiling)`), ...(steal ? ['steal'] : [])];
  const rows = r.cases.map((c) => [c.label, ...ids.map((id) => {
    const k = c.contestants.find((x) => x.id === id);
    return k ? `${fmtMs(k.p10)}–${fmtMs(k.p90)}, ${k.gflops.toFixed(1)} (${k.pctPeak.toFixed(0)}%, ${k.pctCeiling.toFixed(0)}%)${soloNote(k)}` : '';
  }), ...(steal ? [c.stealPct == null ? '' : `${c.stealPct.toFixed(1)}%`] : [])]);
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

/** "7 of 20 calls solo" where a 2-worker session ran timed calls on the calling thread alone, else ''. */
export const soloCalls = (k: ContestantResult): string => (k.calls && k.calls.solo > 0 ? `${k.calls.solo} of ${k.calls.all + k.calls.solo} calls solo` : '');
/** The same, as a clause to append: ", 7 of 20 calls solo". */
export const soloNote = (k: ContestantResult): string => (soloCalls(k) ? `, ${soloCalls(k)}` : '');

export function targetsTable(r: BenchResults): string[] {
  return ['| target | measured | holds | with rnnc at this machine\'s ceiling |', '|---|---|---|---|',
    ...r.targets.map((t) => `| ${t.name} | ${t.measured} | ${t.holds === null ? 'not run' : t.holds ? 'yes' : '**no**'} | ${t.ceiling ?? ''} |`)];
}

/** The heading of the conditions rows (bench/conditions.ts), in both reports. */
export const CONDITIONS_TITLE = '**Where users run it**: rnnc on 2 workers and onnxruntime-web on 2 threads, batch 1, each alone for blocks of calls, beside a thread of the process busy 3 ms of every 10 (both under the same load), and with their calls alternating one by one (onnxruntime-web\'s pool threads spin on after its runs); rnnc with its default options (the adaptive chooser on: the share of its 2-worker calls run on the caller alone is shown); medians.';

/** What the ceiling columns mean (bench/ceiling.ts). */
export const CEILING_NOTE = 'The ceiling (bench/ceiling.ts) is the least time the usual algorithm can take on this machine: the input projection at the mul+add peak (or, in a call of a few rows, W read once at the bandwidth for its size, if slower), and every timestep reading its share of R at the bandwidth the probe measured for a working set of that size (or its flops at the peak, if slower); the cell update, barriers and calls are free. "% of ceiling" is the ceiling over the median. The last column of the targets puts rnnc at its ceiling and the peers as measured: where a target is out of reach there, no kernel can meet it on this machine. The two-core ceiling gives each core one core\'s bandwidth, which flatters it once the shares spill past the private L2 into the shared L3.';

export function markdown(r: BenchResults): string {
  const notes = [...new Set(r.cases.flatMap((c) => c.contestants.filter((k) => k.note).map((k) => `${c.case.id} ${CONTESTANT_LABEL[k.id]}: ${k.note}`)))];
  return [
    '<!-- written by `npm run bench` (bench/run.ts); edits are overwritten -->',
    '',
    ...conditions(r).flatMap((l) => [l, '']),
    ...casesTable(r),
    '',
    '† not in the issue\'s list: heatmap fill-ins, and the recurrent probe (input 4, so nearly all flops are the recurrent step; its GFLOP/s count only those). TF.js GRUs run linear_before_reset = 0 (all tfjs-layers implements; same flops) and are checked against onnxruntime on that variant. The streaming step: rnnc `session.stream().step`, ORT feeding Y_h/Y_c back as initial_h/initial_c, TF.js a stateful layer.',
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
    ...(r.conditions ? [CONDITIONS_TITLE, '', conditionsMarkdown(r.conditions), ''] : []),
    ...targetsTable(r),
    '',
    CEILING_NOTE,
    '',
    '<details><summary>Spread and throughput of every contestant</summary>',
    '',
    ...spreadTable(r),
    '',
    'Native onnxruntime uses AVX2/AVX-512 FMA, so it can pass 100% of the wasm f32x4 peak: it is the ceiling reference, not a wasm peer.',
    '',
    '</details>',
    '',
  ].join('\n');
}
