/**
 * The pictures, as vega-lite specs rendered to SVG headless (vega's View with renderer 'none'):
 * a roofline (GFLOP/s vs arithmetic intensity, under the measured compute peak and bandwidth
 * ceilings) and ParaDnn-style heatmaps over (input size x hidden size) at seq 100, batch 1.
 */
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { CONTESTANT_LABEL, type ContestantId } from '../peers/types.js';
import { findRatio, type BenchResults, type CaseResult } from '../results.js';

type Spec = Record<string, unknown>;

/** Renders a vega-lite spec to an SVG string. */
export async function renderSvg(spec: Spec): Promise<string> {
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = { config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: null } } };

export function rooflineSpec(r: BenchResults): Spec {
  const points = r.cases.flatMap((c) => c.contestants.map((k) => ({
    ai: c.intensity, gflops: k.gflops, contestant: CONTESTANT_LABEL[k.id], cell: c.case.cell.toUpperCase(),
    case: c.label, ms: Number(k.median.toFixed(3)), pct: Number(k.pctPeak.toFixed(1)),
  })));
  const ais = r.cases.map((c) => c.intensity);
  const lo = Math.min(...ais) / 2, hi = Math.max(...ais) * 2;
  const peak = r.machine.mulAddGflops;
  const roofs: { name: string; gflops: number }[] = [
    { name: `mul+add peak, 1 core (${peak.toFixed(1)})`, gflops: peak },
    { name: `2 cores (${(2 * peak).toFixed(1)})`, gflops: 2 * peak },
  ];
  if (r.machine.relaxedMaddGflops) roofs.push({ name: `relaxed madd, 1 core (${r.machine.relaxedMaddGflops.toFixed(1)})`, gflops: r.machine.relaxedMaddGflops });
  // Ceilings: reading from a cache-sized (256 KiB), an L3-sized (8 MiB) and a DRAM-sized working set.
  const bandwidths = r.machine.bandwidth.filter((b) => ['256 KiB', '8 MiB', '256 MiB'].includes(b.label));
  const ceilings: Record<string, unknown>[] = [];
  for (const f of roofs) ceilings.push({ ceiling: f.name, ai: lo, gflops: f.gflops }, { ceiling: f.name, ai: hi, gflops: f.gflops });
  for (const b of bandwidths) {
    for (let i = 0; i <= 48; i++) {
      const ai = lo * Math.pow(hi / lo, i / 48);
      ceilings.push({ ceiling: b.label, ai, gflops: Math.min(2 * peak, b.gbps * ai) });
    }
  }
  const roofLabels = roofs.map((f, i) => ({ ceiling: f.name, ai: hi, gflops: f.gflops, dy: i === 2 ? 12 : -6 }));
  const bwLabels = bandwidths.map((b, i) => {
    const ai = lo * 1.2 * Math.pow(2, i);
    return { ceiling: `read, ${b.label} working set: ${b.gbps.toFixed(0)} GB/s`, ai, gflops: Math.min(2 * peak, b.gbps * ai) };
  });
  const x = { field: 'ai', type: 'quantitative', title: 'arithmetic intensity (flop / byte: W once, R every timestep)', scale: { type: 'log', domain: [lo, hi] } };
  const y = { field: 'gflops', type: 'quantitative', title: 'GFLOP/s', scale: { type: 'log' } };
  return {
    $schema: SCHEMA, width: 720, height: 440, ...FONT,
    title: { text: 'Roofline: LSTM/GRU inference on this engine', subtitle: `${r.meta.cpu}, Node ${r.meta.node}; ceilings measured in the same run` },
    layer: [
      { data: { values: ceilings }, mark: { type: 'line', strokeDash: [4, 3], color: '#888', strokeWidth: 1 }, encoding: { x, y, detail: { field: 'ceiling' } } },
      { data: { values: roofLabels.filter((l) => l.dy < 0) }, mark: { type: 'text', align: 'right', dy: -6, fontSize: 10, color: '#555' }, encoding: { x, y, text: { field: 'ceiling' } } },
      { data: { values: roofLabels.filter((l) => l.dy > 0) }, mark: { type: 'text', align: 'right', dy: 12, fontSize: 10, color: '#555' }, encoding: { x, y, text: { field: 'ceiling' } } },
      { data: { values: bwLabels }, mark: { type: 'text', align: 'left', dy: -6, fontSize: 10, color: '#555' }, encoding: { x, y, text: { field: 'ceiling' } } },
      {
        data: { values: points }, mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
        encoding: {
          x, y, color: { field: 'contestant', type: 'nominal', title: null, sort: Object.values(CONTESTANT_LABEL) },
          shape: { field: 'cell', type: 'nominal', title: null },
          tooltip: [{ field: 'case' }, { field: 'contestant' }, { field: 'ms', title: 'median ms' }, { field: 'gflops', format: '.2f' }, { field: 'pct', title: '% of peak' }],
        },
      },
    ],
  };
}

const SIZES = [64, 256, 1024];
/** The seq 100, batch 1 sequence cases: the heatmap grid. */
const gridCases = (r: BenchResults): CaseResult[] => r.cases.filter((c) => c.case.kind === 'sequence' && c.case.seq === 100 && c.case.batch === 1
  && SIZES.includes(c.case.input) && SIZES.includes(c.case.hidden));

function heatmap(values: Record<string, unknown>[], panels: readonly string[], title: string, color: Spec): Spec {
  const x = { field: 'input', type: 'ordinal', title: 'input size', scale: { domain: SIZES }, axis: { labelAngle: 0 } };
  const y = { field: 'hidden', type: 'ordinal', title: 'hidden size', scale: { domain: [...SIZES].reverse() } };
  return {
    $schema: SCHEMA, ...FONT, title, data: { values },
    facet: { row: { field: 'cell', title: null }, column: { field: 'panel', title: null, sort: panels } },
    spec: {
      width: 185, height: 150,
      layer: [
        { mark: 'rect', encoding: { x, y, color: { field: 'value', type: 'quantitative', title: null, ...color } } },
        {
          mark: { type: 'text', fontSize: 12 },
          encoding: { x, y, text: { field: 'text' }, color: { condition: { test: 'datum.dark', value: 'white' }, value: 'black' } },
        },
      ],
    },
  };
}

export function speedupHeatmapSpec(r: BenchResults): Spec {
  const panels: [ContestantId, ContestantId, string][] = [
    ['rnnc-1w', 'ort-web-1t', 'rnnc 1 worker vs ORT-web 1 thread'], ['rnnc-2w', 'ort-web-2t', 'rnnc 2 workers vs ORT-web 2 threads'],
    ['rnnc-1w', 'ort-node-1t', 'rnnc 1 worker vs native ORT 1 thread'],
  ];
  const values = gridCases(r).flatMap((c) => panels.map(([a, b, panel]) => ({ c, v: findRatio(c, a, b), panel }))
    .filter((p) => p.v !== undefined)
    .map(({ c, v, panel }) => ({
      input: c.case.input, hidden: c.case.hidden, cell: c.case.cell.toUpperCase(), panel, value: v, text: `${v!.toFixed(2)}x`, dark: v! < 0.5 || v! > 2,
    })));
  return heatmap(values, panels.map((p) => p[2]), 'rnnc speedup (seq 100, batch 1): peer median / rnnc median',
    { scale: { type: 'log', scheme: 'redblue', domainMid: 1 }, legend: { format: '.1f' } });
}

export function peakHeatmapSpec(r: BenchResults): Spec {
  const show: ContestantId[] = ['rnnc-1w', 'rnnc-2w', 'ort-web-1t', 'ort-node-1t'];
  const values = gridCases(r).flatMap((c) => c.contestants.filter((k) => show.includes(k.id)).map((k) => ({
    input: c.case.input, hidden: c.case.hidden, cell: c.case.cell.toUpperCase(), panel: CONTESTANT_LABEL[k.id],
    value: k.pctPeak, text: `${k.pctPeak.toFixed(0)}%`, dark: k.pctPeak < 45,
  })));
  return heatmap(values, show.map((id) => CONTESTANT_LABEL[id]), `% of the measured f32x4 mul+add peak (${r.machine.mulAddGflops.toFixed(1)} GFLOP/s per core) at seq 100, batch 1`,
    { scale: { scheme: 'viridis', domain: [0, 100], clamp: true } });
}

/** The SVGs, by file name. */
export async function charts(r: BenchResults): Promise<Record<string, string>> {
  const out: Record<string, string> = { 'roofline.svg': await renderSvg(rooflineSpec(r)) };
  if (gridCases(r).length) {
    out['heatmap_speedup.svg'] = await renderSvg(speedupHeatmapSpec(r));
    out['heatmap_peak.svg'] = await renderSvg(peakHeatmapSpec(r));
  }
  return out;
}
