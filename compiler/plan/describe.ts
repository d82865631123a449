/** Human-readable plan: the choices, why they were made, the memory layout and the loop nest. */
import { numDirections } from '../cells/descriptor.js';
import { cellSpec } from '../cells/index.js';
import { partitionBounds } from './partition.js';
import { scratchBytes } from './place.js';
import { FUSE_ALWAYS, type Plan } from './cell.js';

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** The loop nest the emitters produce for this plan, as text. */
export function loopNest(plan: Plan): string {
  const d = plan.descriptor, L = plan.layout;
  const cell = cellSpec(d.cell);
  const carried = cell.carriedState;
  const D = numDirections(d.direction);
  const lines = [
    `on each worker w of P (unit blocks [w*nb/P, (w+1)*nb/P) from the plan's partition table, nb = ${L.hiddenPadded / L.unitsPerBlock}):`,
    `for d in 0..${D}:${D > 1 ? '                                  (directions in turn)' : ''}`,
    `  XW = X * W[d]^T + b            GEMM, M = T*batch, N = ${L.xwStride} (this worker's blocks' columns), K = ${L.inputSize}; tile ${plan.gemmRows}x${L.panelWidth}, k unrolled by ${plan.gemmKUnroll}${sums(plan.gemmKBlock, L.inputSize)}${inputWhen(plan)}`,
    `  h = initial_h or 0${carried ? `; ${carried} = initial_${carried} or 0` : ''}`,
    `  for t in 0..T${d.direction === 'reverse' || D > 1 ? ' (reverse for the backward direction)' : ''}:`,
    `    for rows b in groups of ${plan.rowsPerBlock}${plan.rowsPerBlock > 1 ? ' (then single rows)' : ''}:`,
  ];
  if (plan.fuseInputBelow > 0) {
    const x = plan.inputPass;
    lines.push(`      XW[t, b] = X[t, b] * W[d]^T + b   ${plan.fuseInputBelow >= FUSE_ALWAYS ? 'every call' : `calls of T*batch < ${plan.fuseInputBelow}`}: this worker's blocks, ${(L.gates * L.unitsPerBlock) / 4} accumulators each, k unrolled by ${x.kUnroll}${x.kTree ? ', tree' : ''}${x.kFence ? `, a fence after every ${x.kFence}` : ''}${sums(x.kBlock, L.inputSize)}`);
  }
  L.phases.forEach((p, i) => {
    const acc = (p.length * L.unitsPerBlock * plan.rowsPerBlock) / 4;
    if (L.phases.length > 1) lines.push(`      phase ${i} (gates ${p.join(', ')}):`);
    const ind = L.phases.length > 1 ? '        ' : '      ';
    const blocked = plan.kBlock > 0 && plan.kBlock < L.hiddenSize;
    const kin = blocked ? `${ind}    ` : `${ind}  `;
    lines.push(
      `${ind}for j in this worker's blocks${plan.alternateBlocks ? ' (last to first when t is odd)' : ''} (${L.unitsPerBlock} units each):   ${acc} f32x4 accumulators (${p.length} gates x ${L.unitsPerBlock} units x ${plan.rowsPerBlock} rows)`,
      `${ind}  acc = XW[t, b, j]`,
      ...(blocked ? [`${ind}  for each block of ${plan.kBlock} k (then the rest):   part = 0, summed apart, then acc += part`] : []),
      `${kin}for k in ${blocked ? 'the block' : `0..${L.hiddenSize}`} step ${plan.kUnroll}:        splat h[b, k], ${(p.length * L.unitsPerBlock) / 4} panel loads per k${plan.kFence > 0 && plan.kFence < acc * plan.kUnroll ? `, a fence after every ${plan.kFence} accumulators` : ''}${plan.kStreams > 1 ? `, ${plan.kStreams} streams: ${plan.kUnroll / plan.kStreams} step${plan.kUnroll > plan.kStreams ? 's' : ''} at each of k, k + ${L.hiddenSize / plan.kStreams}, ...` : ''}`,
      `${kin}  ${blocked ? 'part' : 'acc'} += h[b, k] * Rpanel[j, k]`,
      `${ind}  pre[b, j] = acc`,
      `${ind}for j in this worker's blocks:`,
      `${ind}  ${cell.describeUpdate(d, i)}`,
    );
  });
  lines.push(`    barrier (P > 1: all of h' written before anyone reads it)`, `    swap(h, h')`, `  Y_h[d] = h${carried ? `; Y_${carried}[d] = ${carried}` : ''}   (worker 0)`);
  return lines.join('\n');
}

/** How a k-loop over K sums: in blocks apart (plan kBlock, gemmKBlock), or one chain. */
function sums(kBlock: number, K: number): string {
  return kBlock > 0 && kBlock < K ? `, k summed in blocks of ${kBlock}` : '';
}

/** When the hoisted GEMM runs. */
function inputWhen(plan: Plan): string {
  if (plan.fuseInputBelow <= 0) return '';
  return plan.fuseInputBelow >= FUSE_ALWAYS ? ' (never: per step below)' : ` (calls of T*batch >= ${plan.fuseInputBelow}; else per step below)`;
}

export function describePlan(plan: Plan): string {
  const d = plan.descriptor, L = plan.layout;
  const weights = L.weightsEnd - L.weightsBegin;
  const out = [
    `kernel    ${plan.kernelName}`,
    `key       ${plan.key} (descriptor ${plan.descriptorKey})`,
    `cell      ${d.cell.toUpperCase()} input ${d.inputSize}, hidden ${d.hiddenSize} (padded ${L.hiddenPadded}), batch <= ${d.maxBatch}, ${d.direction}, layout ${d.layout}`,
    `simd      ${plan.relaxedSimd ? 'relaxed (f32x4.relaxed_madd)' : 'wasm simd128'}`,
    `weights   ${kib(weights)} packed (${L.phases.length} recurrent phase${L.phases.length > 1 ? 's' : ''}), scratch ${kib(scratchBytes(plan))}`,
    'choices:',
    ...plan.reasons.map((r) => `  - ${r}`),
    'loop nest:',
    ...loopNest(plan).split('\n').map((l) => `  ${l}`),
  ];
  return out.join('\n');
}

/** How the recurrent work splits over `workers`: blocks, weight bytes and barriers per worker. */
export function describePartition(plans: readonly Plan[], workers: number): string {
  const lines = [`partition over ${workers} worker${workers > 1 ? 's' : ''}:`];
  if (workers > 1) {
    lines.push('  worker 0 is the calling thread where it may block (Node, a Web Worker), else a worker thread like the others');
  }
  for (const plan of plans) {
    const L = plan.layout;
    const nb = L.hiddenPadded / L.unitsPerBlock;
    const bounds = partitionBounds(nb, workers);
    const per = Array.from({ length: workers }, (_, w) => bounds[w + 1] - bounds[w]);
    const rPerBlock = L.phases.reduce((n, p) => n + p.length, 0) * L.unitsPerBlock * L.hiddenSize * 4;
    const wPerBlock = L.gates * L.unitsPerBlock * L.inputSize * 4;
    lines.push(`  ${plan.kernelName} (${plan.key}): ${nb} blocks of ${L.unitsPerBlock} units`);
    per.forEach((blocks, w) => {
      lines.push(`    worker ${w}: ${blocks} blocks, R slice ${kib(blocks * rPerBlock * L.directions)}, W slice ${kib(blocks * wPerBlock * L.directions)}`);
    });
    lines.push(`    ${workers > 1 ? L.phases.length : 0} barrier${L.phases.length > 1 ? 's' : ''} per timestep; only h crosses workers`);
  }
  return lines.join('\n');
}
