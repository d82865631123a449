#!/usr/bin/env node
/**
 * Import structure of the TypeScript sources: every *.ts under ROOT but *.d.ts, node_modules/, dist/
 * and .git/. Prints, sorted: `folders:` edges `A -> B (n[, k type-only][, d dynamic])` and the folder
 * cycles; `external:` which folders import which packages and which import node: builtins; `file
 * cycles` (strongly connected components) among value imports, then among all imports; `unresolved:`
 * relative imports of missing files (if any); a summary line. One edge per file pair: type-only when
 * every import of the pair is, dynamic when every value import of the pair is an `import('...')`.
 *
 * Usage: node scripts/imports.mjs [ROOT] [--json] [--check RULES.json]
 *   ROOT defaults to the parent of this script's folder; --json prints the analysis as one object;
 *   --check prints rule violations, exit code 1 if any. Rules match ROOT-relative path prefixes
 *   (`*` = within a segment, `**` = anything), `pkg:name` a package:
 *   { "forbid": [{ "from": "compiler/", "to": "runtime/", "why": "...", "except": ["compiler/emit/"] }],
 *     "noFileCycles": true, "onlyImporter": { "binaryen": ["compiler/emit/ir.ts"] } }
 * As a module: analyse(root) returns the analysis, check(analysis, rules) the violation strings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);
const REGEX_KEYWORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await']);
const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const byEnds = (a, b) => byText(a.from, b.from) || byText(a.to, b.to);
const folderOf = (file) => path.posix.dirname(file);

/** ROOT-relative, forward-slash paths of the source files, sorted. */
function listSources(root, dir = '') {
  const files = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) files.push(...listSources(root, rel));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(rel);
  }
  return files.sort(byText);
}

/**
 * Blanks comments and the insides of string, template and regex literals (offsets and quote characters
 * kept), so that import patterns only match real code. `literals` maps the offset of each opening quote
 * to { text, end } (templates only when they have no `${}`).
 */
function mask(src) {
  const out = src.split(''), literals = new Map(), holes = []; // holes: brace depth at each open `${`
  const blank = (from, to) => { for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' '; };
  let depth = 0;
  const template = (start, quote) => { // blanks template text from `start`; returns where code resumes
    let j = start;
    while (j < src.length && src[j] !== '`' && !(src[j] === '$' && src[j + 1] === '{')) j += src[j] === '\\' ? 2 : 1;
    blank(start, j);
    if (src[j] !== '`') return holes.push(depth), j + 2;
    if (quote !== null) literals.set(quote, { text: src.slice(start, j), end: j + 1 });
    return j + 1;
  };
  const literalEnd = (j, quote) => { // the closing quote (or slash) of a string or regex body from j
    for (let inClass = false; j < src.length && src[j] !== '\n' && (src[j] !== quote || inClass); j++) {
      if (src[j] === '\\') j++;
      else if (quote === '/' && (src[j] === '[' || src[j] === ']')) inClass = src[j] === '[';
    }
    return j;
  };
  for (let i = 0; i < src.length;) {
    const c = src[i], d = src[i + 1];
    if (c === '/' && (d === '/' || d === '*')) {
      const e = d === '/' ? src.indexOf('\n', i) : src.indexOf('*/', i + 2);
      const end = e < 0 ? src.length : d === '/' ? e : e + 2;
      blank(i, end);
      i = end;
    } else if (c === '"' || c === "'" || (c === '/' && regexAllowed(out, i))) {
      const end = literalEnd(i + 1, c);
      if (c !== '/') literals.set(i, { text: src.slice(i + 1, end), end: end + 1 });
      blank(i + 1, end);
      i = end + 1;
    } else if (c === '`') i = template(i + 1, i);
    else if (c === '}' && holes.at(-1) === depth) { holes.pop(); i = template(i + 1, null); }
    else { depth += c === '{' ? 1 : c === '}' ? -1 : 0; i++; }
  }
  return { code: out.join(''), literals };
}

/** A `/` at `i` starts a regex literal (not a division) when what precedes it cannot end an operand. */
function regexAllowed(out, i) {
  let k = i - 1;
  while (k >= 0 && /\s/.test(out[k])) k--;
  if (k < 0 || '(,=:[!&|?{};+-*%<>~^'.includes(out[k])) return true;
  let w = k;
  while (w >= 0 && /[\w$]/.test(out[w])) w--;
  return REGEX_KEYWORDS.has(out.slice(w + 1, k + 1).join(''));
}

// import/export [type] [default,] {..} | * [as ns] | default from '..', or a bare import '..'
const STATIC = /(?<![\w$.])(import|export)(?:\s+(type\s+)?((?:[\w$]+\s*,\s*)?(?:\{[^{}]*\}|\*(?:\s*as\s+[\w$]+)?)|[\w$]+)\s*from)?\s*(['"])/g;
const DYNAMIC = /(?<![\w$.])import\s*\(\s*(['"`])/g;

/** The imports of one source text: [{ spec, typeOnly, dynamic }]. */
export function parseImports(src) {
  const { code, literals } = mask(src);
  const found = [];
  const at = (m) => literals.get(m.index + m[0].length - 1);
  for (const m of code.matchAll(STATIC)) {
    if (!at(m)) continue;
    const specifiers = /^\{([^}]*)\}$/.exec(m[3]?.trim())?.[1].split(',').map((s) => s.trim()).filter(Boolean);
    const allTyped = specifiers?.length > 0 && specifiers.every((s) => /^type\s/.test(s));
    found.push({ spec: at(m).text, typeOnly: Boolean(m[2]) || allTyped, dynamic: false });
  }
  for (const m of code.matchAll(DYNAMIC)) {
    const lit = at(m);
    const after = lit && /^\s*\)(\s*\.\s*([\w$]+))?/.exec(code.slice(lit.end));
    if (!after) continue; // not a lone string literal: cannot be resolved statically
    const typeOnly = /\btypeof\s*$/.test(code.slice(Math.max(0, m.index - 40), m.index)) || (after[2] !== undefined && !['then', 'catch', 'finally'].includes(after[2]));
    found.push({ spec: lit.text, typeOnly, dynamic: true });
  }
  return found;
}

/** { file } for a source file, { pkg } for a bare specifier, { unresolved } or {} (a non-.ts file). */
function resolve(root, from, spec, fileSet) {
  if (!spec.startsWith('.') && !spec.startsWith('/')) return { pkg: packageName(spec) };
  const base = spec.startsWith('/') ? path.relative(root, spec).split(path.sep).join('/') : path.posix.join(path.posix.dirname(from), spec);
  const stem = base.replace(/\.[cm]?js$/, '');
  const file = [base, `${stem}.ts`, `${base}.ts`, `${base}/index.ts`, `${stem}/index.ts`].find((f) => fileSet.has(f));
  if (file) return { file };
  return !base.startsWith('..') && fs.statSync(path.join(root, base), { throwIfNoEntry: false })?.isFile() ? {} : { unresolved: base };
}

function packageName(spec) {
  if (spec.startsWith('node:')) return spec;
  if (builtinModules.includes(spec.split('/')[0])) return `node:${spec}`;
  return spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
}

/** Merges the imports of each (from, to) pair into one edge. */
function mergeEdges(raw) {
  const pairs = new Map();
  for (const r of raw) pairs.set(`${r.from}\0${r.to}`, [...(pairs.get(`${r.from}\0${r.to}`) ?? []), r]);
  return [...pairs.values()].map((imps) => {
    const values = imps.filter((x) => !x.typeOnly);
    return { from: imps[0].from, to: imps[0].to, typeOnly: !values.length, dynamic: (values.length ? values : imps).every((x) => x.dynamic) };
  }).sort(byEnds);
}

/** Strongly connected components with more than one node, or a node with an edge to itself. */
function cycles(nodes, edges) {
  const adj = new Map(nodes.map((n) => [n, []]));
  for (const e of edges) adj.get(e.from).push(e.to);
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), found = [];
  const visit = (v) => { // Tarjan
    index.set(v, index.size); low.set(v, index.get(v)); stack.push(v); onStack.add(v);
    for (const w of adj.get(v)) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = stack.splice(stack.indexOf(v));
    component.forEach((w) => onStack.delete(w));
    if (component.length > 1 || adj.get(v).includes(v)) found.push(component.sort(byText));
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return found.sort((a, b) => byText(a[0], b[0]));
}

/** Edges between files' folders (self-edges skipped), counted with their type-only and dynamic ones. */
function folderEdges(edges) {
  const counts = new Map();
  for (const e of edges) {
    const [from, to] = [folderOf(e.from), folderOf(e.to)];
    if (from === to) continue;
    const c = counts.get(`${from}\0${to}`) ?? { from, to, count: 0, typeOnly: 0, dynamic: 0 };
    c.count++; c.typeOnly += e.typeOnly; c.dynamic += e.dynamic && !e.typeOnly;
    counts.set(`${from}\0${to}`, c);
  }
  return [...counts.values()].sort(byEnds);
}

/** Which folders import which packages (`packages`) and node builtins (`builtins`). */
function externalByFolder(edges) {
  const packages = {}, builtins = {};
  for (const e of edges) {
    const into = e.to.startsWith('node:') ? builtins : packages;
    into[folderOf(e.from)] = [...new Set([...(into[folderOf(e.from)] ?? []), e.to])].sort(byText);
  }
  const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => byText(a, b)));
  return { packages: sorted(packages), builtins: sorted(builtins), edges };
}

export function analyse(root) {
  const files = listSources(root);
  const fileSet = new Set(files);
  const internal = [], external = [], unresolved = [];
  for (const from of files) {
    for (const imp of parseImports(fs.readFileSync(path.join(root, from), 'utf8'))) {
      const r = resolve(root, from, imp.spec, fileSet);
      if (r.file) internal.push({ from, to: r.file, ...imp });
      else if (r.pkg) external.push({ from, to: r.pkg, ...imp });
      else if (r.unresolved) unresolved.push({ from, spec: imp.spec });
    }
  }
  const edges = mergeEdges(internal);
  const folders = folderEdges(edges);
  const folderNames = [...new Set(files.map(folderOf))].sort(byText);
  return {
    files, edges, folderEdges: folders, folderCycles: cycles(folderNames, folders),
    fileCycles: cycles(files, edges.filter((e) => !e.typeOnly)), fileCyclesAll: cycles(files, edges),
    external: externalByFolder(mergeEdges(external)), unresolved,
  };
}

/** `*` matches within one path segment, `**` anything; otherwise a plain prefix. */
function matches(file, pattern) {
  const re = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*|\*/g, (s) => (s === '*' ? '[^/]*' : '.*'));
  return new RegExp(`^${re}`).test(file);
}

const tags = (e) => (e.typeOnly ? ' (type-only)' : e.dynamic ? ' (dynamic)' : '');

export function check(analysis, rules) {
  const violations = [];
  const all = [...analysis.edges, ...analysis.external.edges.map((e) => ({ ...e, to: `pkg:${e.to}` }))];
  for (const rule of rules.forbid ?? []) {
    const hits = all.filter((e) => matches(e.from, rule.from) && !(rule.except ?? []).some((x) => matches(e.from, x)) && matches(e.to, rule.to));
    violations.push(...hits.map((e) => `forbidden: ${e.from} -> ${e.to}${tags(e)}${rule.why ? `: ${rule.why}` : ''}`));
  }
  if (rules.noFileCycles) for (const c of analysis.fileCycles) violations.push(`file cycle: ${c.join(' <-> ')}`);
  for (const [key, allowed] of Object.entries(rules.onlyImporter ?? {})) {
    const pkg = key.replace(/^pkg:/, '');
    const hits = analysis.external.edges.filter((e) => e.to === pkg && !allowed.some((p) => matches(e.from, p)));
    violations.push(...hits.map((e) => `${e.from} imports ${pkg}${tags(e)}; only ${allowed.join(', ')} may`));
  }
  return violations;
}

function formatText(a) {
  const lines = ['folders:'];
  for (const f of a.folderEdges) {
    const extra = [f.typeOnly && `${f.typeOnly} type-only`, f.dynamic && `${f.dynamic} dynamic`].filter(Boolean);
    lines.push(`  ${f.from} -> ${f.to} (${[f.count, ...extra].join(', ')})`);
  }
  for (const c of a.folderCycles) lines.push(`folder cycle: ${c.join(' <-> ')}`);
  lines.push('external:');
  for (const [folder, pkgs] of Object.entries(a.external.packages)) lines.push(`  ${folder} -> ${pkgs.join(', ')}`);
  lines.push(`  node: builtins imported by ${Object.keys(a.external.builtins).join(', ') || 'none'}`);
  for (const [title, list] of [['value imports', a.fileCycles], ['all imports', a.fileCyclesAll]]) {
    lines.push(`file cycles (${title}):`, ...(list.length ? list.map((c) => `  ${c.join(' <-> ')}`) : ['  none']));
  }
  if (a.unresolved.length) lines.push('unresolved:', ...a.unresolved.map((u) => `  ${u.from}: ${u.spec}`));
  lines.push(`${a.files.length} files, ${a.edges.length} import edges, ${a.fileCycles.length} file cycles (value imports), ${a.folderCycles.length} folder cycles`);
  return lines.join('\n');
}

function main(args) {
  const opts = { root: path.dirname(path.dirname(fileURLToPath(import.meta.url))), json: false, rules: null };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--json') opts.json = true;
    else if (args[i] === '--check' && args[i + 1]) opts.rules = args[++i];
    else if (!args[i].startsWith('-')) opts.root = path.resolve(args[i]);
    else { console.error('usage: node scripts/imports.mjs [ROOT] [--json] [--check RULES.json]'); return 2; }
  }
  const analysis = analyse(opts.root);
  if (opts.rules) {
    const violations = check(analysis, JSON.parse(fs.readFileSync(opts.rules, 'utf8')));
    for (const v of violations) console.log(v);
    console.log(violations.length ? `${violations.length} rule violation(s)` : 'rules hold');
    return violations.length ? 1 : 0;
  }
  console.log(opts.json ? JSON.stringify(analysis, null, 2) : formatText(analysis));
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2));
