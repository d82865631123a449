/**
 * Pad: constant, reflect, edge and wrap modes, pads (and the constant) as attributes before opset 11
 * and constant inputs from it, `axes` from opset 18, negative pads cropping first (as onnxruntime
 * does: the kept elements are then padded). Folded on constants; on a run-time tensor a copy kernel
 * (emit/pad.ts) writing each row and its pad regions. Padded axes must have a fixed size; the seq
 * and batch axes pass through.
 */
import { type Ctx, constInts, materialize, modelError, normAxis, unsupported } from '../frontend/ctx.js';
import { toDims } from '../frontend/builder.js';
import { strides } from '../frontend/fold.js';
import type { BufRef, Dim, Step } from '../frontend/program.js';
import { type SymInt, formatSym, isNum } from '../frontend/symbolic.js';
import type { ConstVal, Val } from '../frontend/value.js';
import { emitPad, type PadGroup, type PadMode, type PaddedAxis } from '../emit/pad.js';
import { scalarInput } from './math.js';
import type { NodeRules, OpModule, StepKernel } from './types.js';
import { lowerView, traceThrough } from './views.js';

/** out = x padded; x's axes in groups (unpadded neighbours merged), each unpadded group's dims in `extents`. */
export interface PadStep extends Step {
  readonly op: 'pad';
  readonly mode: PadMode;
  /** The constant mode's value as f32 bits (JSON-safe for the plan key, NaN included). */
  readonly valueBits: number;
  readonly groups: readonly PadGroup[];
  /** The dims of each unpadded group, in order. */
  readonly extents: readonly (readonly Dim[])[];
  readonly x: BufRef;
  readonly out: BufRef;
}

interface Detail {
  readonly mode: PadMode;
  readonly valueBits: number;
  readonly groups: readonly PadGroup[];
  readonly extents: readonly (readonly Dim[])[];
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'edge', 'wrap'];
const f32 = new Float32Array(1), bits = new Int32Array(f32.buffer);
const toBits = (x: number) => { f32[0] = x; return bits[0]; };
const fromBits = (n: number) => { bits[0] = n; return f32[0]; };

/** The kept element (0..keep-1) output index o reads along a padded axis, or null for the constant. */
export function padSource(mode: PadMode, o: number, g: PaddedAxis): number | null {
  const k = o - g.before;
  if (k >= 0 && k < g.keep) return k;
  switch (mode) {
    case 'constant': return null;
    case 'edge': return k < 0 ? 0 : g.keep - 1;
    case 'reflect': return k < 0 ? -k : 2 * (g.keep - 1) - k;
    case 'wrap': return k < 0 ? k + g.keep : k - g.keep;
  }
}

/** [begin, end] per axis of x, and the constant, from the attributes or the inputs of the opset. */
function readPads(c: Ctx, rank: number): { pads: [number, number][]; value: number } {
  const old = c.opset < 11;
  const raw = old ? c.node.attrs.ints('pads') ?? modelError(c, "attribute 'pads' is missing") : constInts(c, 1, 'pads (input 1)');
  const value = old ? c.node.attrs.float('value', 0) : c.optional(2) ? scalarInput(c, 2, 'constant_value (input 2)') : 0;
  const axes = c.opset >= 18 && c.optional(3) ? constInts(c, 3, 'axes (input 3)').map((a) => normAxis(c, a, rank, 'an entry of axes')) : null;
  const list = axes ?? Array.from({ length: rank }, (_, i) => i);
  if (new Set(list).size !== list.length) modelError(c, `axes [${list.join(', ')}] repeat an axis`);
  if (raw.length !== 2 * list.length) modelError(c, `pads has ${raw.length} entries; ${2 * list.length} were expected (begin and end of ${list.length} axes)`);
  const pads = Array.from({ length: rank }, (): [number, number] => [0, 0]);
  list.forEach((a, i) => { pads[a] = [raw[i], raw[i + list.length]]; });
  return { pads, value };
}

/** One axis's pads resolved against its size: null when untouched. */
function resolveAxis(c: Ctx, mode: PadMode, axis: number, d: SymInt, [begin, end]: [number, number]): PaddedAxis | null {
  if (begin === 0 && end === 0) return null;
  if (!isNum(d)) unsupported(`pads [${begin}, ${end}] on axis ${axis}, whose size ${formatSym(d)} varies at run time; rnnc pads axes of fixed size`);
  const crop = Math.max(0, -begin);
  const keep = d - crop - Math.max(0, -end);
  if (keep < 0) modelError(c, `pads [${begin}, ${end}] crop more than the ${d} elements of axis ${axis}`);
  const g = { size: d, crop, keep, before: Math.max(0, begin), after: Math.max(0, end) };
  const padded = g.before + g.after > 0;
  if (padded && mode === 'reflect' && (keep < 2 || Math.max(g.before, g.after) > keep - 1)) {
    unsupported(`reflect pads [${g.before}, ${g.after}] on axis ${axis} of ${keep} kept elements; rnnc reflects at most ${Math.max(0, keep - 1)} (the axis less its edge, as onnxruntime)`);
  }
  if (padded && (mode === 'edge' || mode === 'wrap') && keep === 0) modelError(c, `${mode} pads on axis ${axis}, which keeps no element`);
  if (mode === 'wrap' && Math.max(g.before, g.after) > keep) unsupported(`wrap pads [${g.before}, ${g.after}] on axis ${axis} of ${keep} kept elements; rnnc wraps at most once around`);
  return g;
}

/** For each element of x (of `dims`) padded: the flat index in x it reads, or null for the constant. */
function padIndices(dims: readonly number[], axes: readonly (PaddedAxis | null)[], mode: PadMode): (number | null)[] {
  const outDims = dims.map((d, a) => { const g = axes[a]; return g ? g.before + g.keep + g.after : d; });
  const st = strides(dims);
  const idx = new Array<number>(outDims.length).fill(0);
  const out: (number | null)[] = [];
  for (let n = outDims.reduce((p, d) => p * d, 1); n > 0; n--) {
    let at: number | null = 0;
    for (let a = 0; a < idx.length && at !== null; a++) {
      const g = axes[a];
      const k = g ? padSource(mode, idx[a], g) : idx[a];
      at = k === null ? null : at + (k + (g ? g.crop : 0)) * st[a];
    }
    out.push(at);
    for (let a = idx.length - 1; a >= 0 && ++idx[a] === outDims[a]; a--) idx[a] = 0;
  }
  return out;
}

/** Pad of a constant, in any element type. */
function padConst(v: ConstVal, axes: readonly (PaddedAxis | null)[], mode: PadMode, value: number): ConstVal {
  const from = padIndices(v.dims, axes, mode);
  const dims = v.dims.map((d, a) => { const g = axes[a]; return g ? g.before + g.keep + g.after : d; });
  if (v.dtype === 'float') return { kind: 'const', dtype: 'float', dims, data: Float32Array.from(from, (i) => (i === null ? value : v.data[i])) };
  return { kind: 'const', dtype: 'int', dims, data: from.map((i) => (i === null ? Math.trunc(value) : v.data[i])) };
}

/** x's axes with unpadded neighbours merged, and the dims of each unpadded group. */
function groupAxes(x: Val, axes: readonly (PaddedAxis | null)[]): { groups: PadGroup[]; extents: Dim[][] } {
  const groups: PadGroup[] = [], extents: Dim[][] = [];
  axes.forEach((g, a) => {
    if (g) groups.push(g);
    else if (a > 0 && axes[a - 1] === null) extents[extents.length - 1].push(...toDims([x.dims[a]]));
    else { groups.push(null); extents.push(toDims([x.dims[a]])); }
  });
  return { groups, extents };
}

const Pad: NodeRules<Detail> = {
  infer: (c) => {
    const x = c.input(0);
    const mode = c.node.attrs.string('mode', 'constant') as PadMode;
    if (!MODES.includes(mode)) modelError(c, `mode '${mode}' is not one of ${MODES.join(', ')}`);
    const { pads, value } = readPads(c, x.dims.length);
    const axes = x.dims.map((d, a) => resolveAxis(c, mode, a, d, pads[a]));
    const dims = x.dims.map((d, a) => { const g = axes[a]; return g ? g.before + g.keep + g.after : d; });
    const uniform = x.kind === 'fill' && (mode !== 'constant' || x.value === value || axes.every((g) => !g || g.before + g.after === 0));
    if (uniform) return [{ ...x, dims }];
    if (x.kind !== 'run') return [padConst(materialize(x, 'the input') as ConstVal, axes, mode, value)];
    if (x.dtype !== 'float') unsupported('an integer tensor at run time; rnnc pads float tensors');
    c.detail({ mode, valueBits: toBits(value), ...groupAxes(x, axes) });
    return [{ ...x, dims }];
  },
  // Padded axes have a fixed size: a seq or batch axis reaching one is refused by the shape rule.
  trace: traceThrough,
  lower: (l) => {
    const d = l.detail!;
    if (d.groups.every((g) => g === null)) return lowerView(l);
    const x = l.b.ref(l.node.inputs[0]);
    const out = l.b.buffer(l.node.outputs[0], l.val(l.node.outputs[0]));
    l.b.step({ op: 'pad', node: l.node.name, ...d, x, out } satisfies PadStep,
      `pad '${l.node.name}' (${d.mode}): ${l.b.describe(x)} -> ${l.b.describe(out)}`);
  },
};

const pad: StepKernel<PadStep> = {
  emit: (c, step) => {
    emitPad(c.b, c.name, { mode: step.mode, valueBits: step.valueBits, groups: step.groups });
    return c.b.call(c.name, [c.addr(step.x), c.addr(step.out), ...step.extents.map((e) => c.count(e))]);
  },
  interpret: (step, io) => {
    const x = io.read(step.x);
    let e = 0;
    const sizes = step.groups.map((g) => (g ? g.size : step.extents[e++].reduce<number>((p, d) => p * io.dim(d), 1)));
    const value = fromBits(step.valueBits);
    io.write(step.out, padIndices(sizes, step.groups, step.mode).map((i) => (i === null ? value : x[i])));
  },
};

export const padOp: OpModule = {
  summary: 'Pad (constant, reflect, edge, wrap; constant pads)',
  nodes: { Pad },
  steps: { pad },
};
