/**
 * Writes a run into a results directory: `<timestamp>.json` and `latest.json` (everything),
 * `latest.md` (the README's table), the SVG charts and `report.html` linking them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchResults } from '../results.js';
import { charts } from './charts.js';
import { html } from './html.js';
import { markdown } from './markdown.js';

/** Returns the paths written. */
export async function writeReport(r: BenchResults, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const stamp = r.meta.date.replace(/[:.]/g, '-');
  const json = JSON.stringify(r, null, 1);
  const files: Record<string, string> = {
    [`${stamp}.json`]: json,
    'latest.json': json,
    'latest.md': markdown(r),
  };
  const svgs = await charts(r);
  Object.assign(files, svgs);
  files['report.html'] = html(r, Object.keys(svgs), 'latest.json');
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(dir, name);
    await writeFile(p, text);
    written.push(p);
  }
  return written;
}
