/** Small helpers shared by the CLI commands: option parsing, files, and printing (errors too). */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PlanOptions } from '../../compiler/plan/cell.js';
import { InputError, InternalError, ModelError, RnncError } from '../../contract/errors.js';
import { RNNC_VERSION } from '../../contract/version.js';
import { compilerMissing } from '../../api/compiler_import.js';

/** The code of a Node system error (ENOENT, EEXIST, EACCES...), or null for any other error. */
function systemCode(e: unknown): string | null {
  const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' ? code : null;
}

/** Reads a model file; a missing or unreadable file (or a directory) is a ModelError naming it. */
export async function readModelFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    const code = systemCode(e);
    if (code === 'EISDIR' && existsSync(path.join(file, 'manifest.json'))) {
      throw new ModelError(`${file}: is an artifact directory (rnnc compile's output); expected the ONNX model file (.onnx) it was compiled from (the artifact's plan is the summary in its manifest.json)`);
    }
    if (code === 'EISDIR') throw new ModelError(`${file}: is a directory; expected an ONNX model file (.onnx)`);
    if (code === 'ENOENT') throw new ModelError(`${file}: cannot read: no such file`);
    throw new ModelError(`${file}: cannot read (${code ?? (e as Error).message})`);
  }
}

/** Creates the directory `dir` (given with `flag`) if need be; a file in the way is an InputError naming both. */
export async function makeOutputDir(dir: string, flag: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = systemCode(e);
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new InputError(`${flag} ${dir}: a file is in the way; expected a directory to write into`);
    throw new InputError(`${flag} ${dir}: cannot create the directory (${code ?? (e as Error).message})`);
  }
}

/**
 * `work` with the output directory `dir` made first (a file in the way fails before any work); when
 * `work` fails, a directory it made is removed again if it is still empty.
 */
export async function withOutputDir<T>(dir: string | undefined, flag: string, work: () => Promise<T>): Promise<T> {
  if (!dir) return work();
  const existed = await stat(dir).then(() => true, () => false);
  await makeOutputDir(dir, flag);
  try {
    return await work();
  } catch (e) {
    if (!existed) await rmdir(dir).catch(() => undefined);
    throw e;
  }
}

/** Runs `write`; a system error writing (full disk, no permission, a directory in the way) is an InputError naming `flag`. */
export async function writing<T>(flag: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    const code = systemCode(e);
    if (!code) throw e;
    throw new InputError(`${flag}: cannot write '${(e as NodeJS.ErrnoException).path ?? '?'}' (${(e as Error).message})`);
  }
}

/**
 * What the CLI prints for the error that ended a command: `rnnc: <Class>: message`, and the stack
 * only with --verbose. An InternalError, or an error that is neither rnnc's nor the system's, is a
 * bug in rnnc: printed as an InternalError with its stack, and how to report it.
 */
export function formatCliError(e: unknown, verbose: boolean): string {
  const stack = (x: unknown) => (x instanceof Error && x.stack ? x.stack : String(x));
  if (e instanceof RnncError && !(e instanceof InternalError)) {
    return [`rnnc: ${e.name}: ${e.message}`, ...(verbose ? [stack(e)] : [])].join('\n');
  }
  const missing = compilerMissing(e);
  if (missing) return `rnnc: ${missing.name}: ${missing.message}`;
  if (systemCode(e)) return [`rnnc: ${(e as Error).message}`, ...(verbose ? [stack(e)] : [])].join('\n');
  const internal = e instanceof InternalError ? e : new InternalError(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  const cause = e instanceof InternalError && e.cause !== undefined ? [`caused by: ${stack(e.cause)}`] : [];
  return [
    `rnnc: InternalError: ${internal.message}`, stack(e), ...cause,
    `This is a bug in rnnc ${RNNC_VERSION} (node ${process.version}). Please report it to the rnnc maintainers with the command line, this output and, if you can share it, the model.`,
  ].join('\n');
}

/** Parses a positive integer option value, naming the flag on error. */
export function int(flag: string, min = 1, max = 1 << 20): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`${flag} expects an integer in ${min}..${max}, got '${v}'`);
    return n;
  };
}

export function num(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InputError(`${flag} expects a non-negative number, got '${v}'`);
    return n;
  };
}

/** CLI flags that override the planner. */
export interface PlanFlags {
  units?: number;
  rows?: number;
  kUnroll?: number;
  /** commander's --no-k-tree sets this false. */
  kTree?: boolean;
  kFence?: number;
  /** --alternate-blocks / --no-alternate-blocks; undefined: planner. */
  alternateBlocks?: boolean;
  inputProjection?: 'auto' | 'hoisted' | 'fused';
  relaxedSimd?: boolean;
  /** --shape name=1x576 (repeatable): sizes of graph inputs the model leaves open. */
  shape?: string[];
  /** --bind name=16000 (repeatable): graph inputs bound to constants. */
  bind?: string[];
}

/** The model options of --shape and --bind; a malformed value is an InputError naming the flag. */
export function modelOptions(f: PlanFlags): { shapes?: Record<string, number[]>; bind?: Record<string, number[] | number> } {
  const split = (flag: string, v: string): [string, string] => {
    const at = v.lastIndexOf('=');
    if (at <= 0 || at === v.length - 1) throw new InputError(`${flag} expects name=value, got '${v}'`);
    return [v.slice(0, at), v.slice(at + 1)];
  };
  const shapes: Record<string, number[]> = {};
  for (const v of f.shape ?? []) {
    const [name, dims] = split('--shape', v);
    const ds = dims.split(/[x,]/).map(Number);
    if (!ds.every((d) => Number.isInteger(d) && d >= 1)) throw new InputError(`--shape ${name}: expects dims like 1x576, got '${dims}'`);
    shapes[name] = ds;
  }
  const bind: Record<string, number[] | number> = {};
  for (const v of f.bind ?? []) {
    const [name, values] = split('--bind', v);
    const xs = values.split(',').map(Number);
    if (!xs.every(Number.isFinite)) throw new InputError(`--bind ${name}: expects numbers like 16000 or 1,2,3, got '${values}'`);
    bind[name] = xs.length === 1 ? xs[0] : xs;
  }
  return { ...(f.shape?.length ? { shapes } : {}), ...(f.bind?.length ? { bind } : {}) };
}

export function planOptions(f: PlanFlags): PlanOptions {
  return { unitsPerBlock: f.units, rowsPerBlock: f.rows, kUnroll: f.kUnroll, kTree: f.kTree === false ? false : undefined, kFence: f.kFence, alternateBlocks: f.alternateBlocks, inputProjection: f.inputProjection, relaxedSimd: f.relaxedSimd };
}

/** Adds the plan-override flags to a commander command. */
export function withPlanFlags<T extends { option: (...a: never[]) => T }>(cmd: T): T {
  const c = cmd as unknown as { option(flags: string, desc: string, parse?: (v: string) => unknown): unknown };
  c.option('--units <n>', 'hidden units per register block (4, 8 or 16; default: planner)', int('--units', 4, 16));
  c.option('--rows <n>', 'batch rows per register block (1..4; default: planner)', int('--rows', 1, 4));
  c.option('--k-unroll <n>', 'unroll of the recurrent k-loop (1, 2, 3, 4 or 8; default: planner)', int('--k-unroll', 1, 8));
  c.option('--k-fence <n>', 'accumulators between fences in the recurrent k-loop (0: none; default: planner)', int('--k-fence', 0, 16));
  c.option('--alternate-blocks', 'walk the unit blocks last to first on every other timestep (default: planner, when R is about L2-sized)');
  c.option('--no-alternate-blocks', 'always walk the unit blocks first to last');
  c.option('--input-projection <where>', 'auto (default: per step in single-row calls, else one GEMM before the time loop), hoisted or fused', (v: string) => {
    if (v !== 'auto' && v !== 'hoisted' && v !== 'fused') throw new InputError(`--input-projection expects auto, hoisted or fused, got '${v}'`);
    return v;
  });
  c.option('--no-k-tree', 'add the unrolled k products to the accumulators one by one (default: summed first)');
  c.option('--relaxed-simd', 'fused multiply-adds (relaxed SIMD; the artifact then needs an engine with it). run: on where this engine has it; the other commands: off unless given');
  c.option('--no-relaxed-simd', 'plain SIMD multiply then add, even where this engine has relaxed SIMD');
  const more = (v: string, acc: string[] = []) => [...acc, v];
  c.option('--shape <name=dims>', 'sizes of a graph input the model leaves open, e.g. input=1x576 (repeatable)', more as never);
  c.option('--bind <name=value>', 'bind a graph input to a constant, e.g. sr=16000: an If on it keeps one branch (repeatable)', more as never);
  return cmd;
}

export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(2)} MiB`;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
