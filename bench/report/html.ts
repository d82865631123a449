/** bench/results/report.html: conditions, the pictures, every number (incl. p10/p90 and cpu/wall), targets. */
import { CONTESTANT_LABEL } from '../peers/types.js';
import type { BenchResults } from '../results.js';
import { CEILING_NOTE, CONDITIONS_TITLE, conditions, fmtMs, soloCalls } from './markdown.js';
import { conditionsTables } from './conditions.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function table(head: string[], rows: string[][], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}\n</tbody></table>`;
}

export function html(r: BenchResults, svgs: readonly string[], jsonName: string): string {
  const caseTables = r.cases.map((c) => {
    const rows = c.contestants.map((k) => [
      CONTESTANT_LABEL[k.id], fmtMs(k.median), `${fmtMs(k.p10)} – ${fmtMs(k.p90)}`, String(k.runs), k.gflops.toFixed(2), `${k.pctPeak.toFixed(1)}%`, `${k.pctCeiling.toFixed(0)}%`,
      k.cpuPerWall.toFixed(2), k.maxAbsDiff.toExponential(1), [k.note, soloCalls(k)].filter(Boolean).join('; '),
    ]);
    const ratios = c.ratios.map((x) => `${CONTESTANT_LABEL[x.of]} over ${CONTESTANT_LABEL[x.over]}: ${x.ratio.toFixed(2)}x (paired by round ${x.paired.toFixed(2)}x, p10 over p10 ${x.fast.toFixed(2)}x)`).join('; ');
    return `<h3>${esc(c.label)} <code>${esc(c.case.id)}</code></h3>
<p>${(c.flops / 1e6).toFixed(2)} MFLOP per inference, intensity ${c.intensity.toFixed(2)} flop/byte; this machine's ceiling ${fmtMs(c.ceiling1Ms)} ms on 1 core, ${fmtMs(c.ceiling2Ms)} ms on 2; rnnc kernel ${esc(c.kernels.join(', '))} (compiled in ${c.compileMs.toFixed(0)} ms); load ${c.loadavg.map((x) => x.toFixed(2)).join(' / ')}</p>
${table(['contestant', 'median ms', 'p10 – p90 ms', 'runs', 'GFLOP/s', '% of peak', '% of ceiling', 'cpu/wall', 'max abs diff', 'note'], rows)}
<p class="ratios">${esc(ratios)}</p>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rnnc benchmarks ${esc(r.meta.date)}</title>
<style>
body { font: 14px/1.45 Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: .5em 0; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child, table.text td, table.text th { text-align: left; } .ratios { color: #444; font-size: 13px; } img { max-width: 100%; border: 1px solid #eee; }
</style></head><body>
<h1>rnnc vs onnxruntime-web, TensorFlow.js and native onnxruntime</h1>
${conditions(r).map((l) => `<p>${esc(l)}</p>`).join('\n')}
<p>Raw numbers: <a href="${esc(jsonName)}">${esc(jsonName)}</a>. cpu/wall is process CPU time over wall time while a contestant ran: about the cores it kept busy.</p>
${r.conditions ? `<h2>Where users run it</h2>
<p>${esc(CONDITIONS_TITLE.replace(/\*\*/g, ''))}</p>
${r.conditions.header.split('\n').map((l) => `<p>${esc(l)}</p>`).join('\n')}
${conditionsTables(r.conditions).map((t) => table(t.head, t.rows)).join('\n')}` : ''}
<h2>Targets</h2>
<p>${esc(CEILING_NOTE)}</p>
${table(['target', 'measured', 'holds', 'with rnnc at this machine\'s ceiling'], r.targets.map((t) => [t.name, t.measured, t.holds === null ? 'not run' : t.holds ? 'yes' : 'no', (t.ceiling ?? '').replace(/\*\*/g, '')]), 'text')}
<h2>Pictures</h2>
${svgs.map((s) => `<p><a href="${esc(s)}"><img src="${esc(s)}" alt="${esc(s)}"></a></p>`).join('\n')}
<h2>Cases</h2>
${caseTables}
</body></html>
`;
}
