/**
 * onnxruntime-web's session and run options, as rnnc reads them: the ones that mean something here
 * (executionProviders, intraOpNumThreads, freeDimensionOverrides) are checked and mapped, the ones
 * that are harmless are accepted, and any other is an InputError naming it and the accepted ones.
 */
import { InputError, UnsupportedError } from '../contract/errors.js';
import { MAX_WORKERS } from '../contract/control.js';
import { envWorkers, log } from './env.js';
import { describe } from './tensor_data.js';

/** The options onnxruntime-web's `InferenceSession.create` takes that rnnc reads or accepts. */
export interface OrtSessionOptions {
  /** 'wasm' or 'cpu' (names or `{ name }`): rnnc runs on WebAssembly; others before them are skipped with a warning, a list without them is an error. */
  readonly executionProviders?: readonly (string | { readonly name: string })[];
  /** Workers to run on (as `workers`); 0: the recommendation for this machine's cores. */
  readonly intraOpNumThreads?: number;
  /** Sizes of symbolic dims (`{ batch_size: 4 }`): Node compiles open input sizes and the batch from them. */
  readonly freeDimensionOverrides?: Readonly<Record<string, number>>;
  /** Accepted, no effect: rnnc's plan is fixed by the model (and `plan` options). */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  readonly interOpNumThreads?: number;
  readonly enableCpuMemArena?: boolean;
  readonly enableMemPattern?: boolean;
  readonly executionMode?: 'sequential' | 'parallel';
  readonly logId?: string;
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  readonly logVerbosityLevel?: number;
  /** 'cpu' only: outputs are always CPU tensors. */
  readonly preferredOutputLocation?: 'cpu' | Readonly<Record<string, 'cpu'>>;
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Accepted: rnnc does not profile (a warning when true). */
  readonly enableProfiling?: boolean;
  readonly profileFilePrefix?: string;
  /** Accepted: rnnc writes no optimized ONNX model (a warning); `rnnc compile` writes its artifact. */
  readonly optimizedModelFilePath?: string;
  /** Accepted: for GPU providers (a warning when true). */
  readonly enableGraphCapture?: boolean;
  /** Empty only: rnnc reads models whose weights are inside the .onnx file. */
  readonly externalData?: readonly unknown[];
}

/** onnxruntime-web's run options; all accepted, none changes a call. */
export interface OrtRunOptions {
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  readonly logVerbosityLevel?: number;
  readonly terminate?: boolean;
  readonly tag?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

const ORT_SESSION_KEYS = ['executionProviders', 'intraOpNumThreads', 'freeDimensionOverrides', 'graphOptimizationLevel',
  'interOpNumThreads', 'enableCpuMemArena', 'enableMemPattern', 'executionMode', 'logId', 'logSeverityLevel',
  'logVerbosityLevel', 'preferredOutputLocation', 'extra', 'enableProfiling', 'profileFilePrefix', 'optimizedModelFilePath',
  'enableGraphCapture', 'externalData'] as const;
export const RUN_OPTION_KEYS = ['logSeverityLevel', 'logVerbosityLevel', 'terminate', 'tag', 'extra'] as const;
const PROVIDERS = ['wasm', 'cpu'];

/**
 * onnxruntime's `create(buffer, byteOffset, byteLength?, options?)` beside `create(model, options?)`:
 * the model (the buffer's bytes in that range) and the options.
 */
export function createArgs<M>(model: M, a: unknown, b: unknown, c: unknown): { model: M | Uint8Array; options: unknown } {
  if (typeof a !== 'number') return { model, options: a === undefined ? {} : a };
  if (!(model instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && model instanceof SharedArrayBuffer))) {
    throw new InputError(`InferenceSession.create(buffer, byteOffset, byteLength): buffer must be an ArrayBuffer, got ${describe(model)}`);
  }
  const length = b ?? model.byteLength - a;
  if (!(Number.isInteger(a) && a >= 0 && Number.isInteger(length) && (length as number) >= 0 && a + (length as number) <= model.byteLength)) {
    throw new InputError(`InferenceSession.create: byteOffset ${a} and byteLength ${String(b)} must lie within the buffer's ${model.byteLength} bytes`);
  }
  return { model: new Uint8Array(model, a, length as number), options: c === undefined ? {} : c };
}

/**
 * Checks `options` of `create`: every key one of rnnc's own (`own`) or onnxruntime's; returns the
 * workers they (or `env.wasm.numThreads`) ask for, undefined for the recommendation.
 */
export function checkSessionOptions(options: unknown, own: readonly string[]): number | undefined {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError(`InferenceSession.create options must be an object, got ${describe(options)}`);
  }
  const o = options as Record<string, unknown> & OrtSessionOptions & { workers?: number };
  const known = [...own, ...ORT_SESSION_KEYS];
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && !known.includes(key)) {
      throw new InputError(`unknown session option '${key}'; rnnc takes ${known.join(', ')}`);
    }
  }
  checkProviders(o.executionProviders);
  checkOrtExtras(o);
  // onnxruntime's enumerated options: accepted with no effect, but only their values (as it checks them).
  oneOf('graphOptimizationLevel', o.graphOptimizationLevel, ['disabled', 'basic', 'extended', 'layout', 'all']);
  oneOf('executionMode', o.executionMode, ['sequential', 'parallel']);
  oneOf('logSeverityLevel', o.logSeverityLevel, [0, 1, 2, 3, 4]);
  if (o.preferredOutputLocation !== undefined && o.preferredOutputLocation !== 'cpu' &&
      !(typeof o.preferredOutputLocation === 'object' && Object.values(o.preferredOutputLocation).every((v) => v === 'cpu'))) {
    throw new UnsupportedError(`session option preferredOutputLocation: rnnc returns CPU tensors only ('cpu'), got ${JSON.stringify(o.preferredOutputLocation)}`);
  }
  const intra = o.intraOpNumThreads;
  if (intra !== undefined && !(Number.isInteger(intra) && intra >= 0 && intra <= MAX_WORKERS)) {
    throw new InputError(`session option intraOpNumThreads must be an integer in 0..${MAX_WORKERS} (0: this machine's recommendation), got ${String(intra)}`);
  }
  const fromIntra = intra === undefined || intra === 0 ? undefined : intra;
  if (o.workers !== undefined && fromIntra !== undefined && o.workers !== fromIntra) {
    throw new InputError(`session options workers (${o.workers}) and intraOpNumThreads (${fromIntra}) disagree; give one of them`);
  }
  const max = (o as { cacheMaxBytes?: unknown }).cacheMaxBytes;
  if (max !== undefined && !(typeof max === 'number' && max >= 0)) throw new InputError(`session option cacheMaxBytes must be a number of bytes >= 0, got ${describe(max)}`);
  const overrides = o.freeDimensionOverrides;
  if (overrides !== undefined) {
    for (const [dim, n] of Object.entries(overrides ?? {})) {
      if (!(Number.isInteger(n) && n >= 1)) throw new InputError(`session option freeDimensionOverrides.${dim} must be a positive integer, got ${String(n)}`);
    }
  }
  return o.workers ?? fromIntra ?? envWorkers();
}

function checkProviders(list: unknown): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new InputError(`session option executionProviders must be an array such as ['wasm'], got ${describe(list)}`);
  const names = list.map((p) => (typeof p === 'string' ? p : typeof p === 'object' && p !== null ? (p as { name?: unknown }).name : p));
  const other = names.filter((n) => !PROVIDERS.includes(n as string));
  if (other.length === 0) return;
  const what = `execution provider${other.length > 1 ? 's' : ''} ${other.map((n) => `'${String(n)}'`).join(', ')}`;
  // As onnxruntime-web skips providers it cannot use for the next in the list: 'wasm' or 'cpu' there.
  if (other.length === names.length) throw new InputError(`${what}: rnnc runs on WebAssembly SIMD only; use 'wasm' (or 'cpu')`);
  log('warning', `${what} skipped: rnnc runs on WebAssembly SIMD only ('wasm', next in the list)`);
}

/** An InputError unless `value` is undefined, null or one of `allowed`. */
function oneOf(name: string, value: unknown, allowed: readonly unknown[]): void {
  // null too: onnxruntime-web takes it as the default (`?? 'all'`).
  if (value !== undefined && value !== null && !allowed.includes(value)) {
    throw new InputError(`session option ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`);
  }
}

/** onnxruntime's options for what rnnc does not have: a warning where the caller asked for it. */
function checkOrtExtras(o: OrtSessionOptions): void {
  if (o.enableProfiling) log('warning', 'session option enableProfiling ignored: rnnc does not profile sessions');
  if (o.enableGraphCapture) log('warning', 'session option enableGraphCapture ignored: it is for GPU providers');
  if (o.optimizedModelFilePath !== undefined) log('warning', 'session option optimizedModelFilePath ignored: rnnc writes no optimized ONNX model (`rnnc compile` writes its artifact)');
  const external = o.externalData;
  if (external !== undefined && !(Array.isArray(external) && external.length === 0)) {
    throw new UnsupportedError('session option externalData: rnnc loads models whose weights are inside the .onnx file only');
  }
}

/** Checks run options: onnxruntime's, all accepted; any other key is an error naming it. */
export function checkRunOptions(options: unknown, outputs: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError(`run options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(RUN_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new InputError(`run: '${key}' is neither an output of this model (${outputs.map((n) => `'${n}'`).join(', ')}) nor a run option (${RUN_OPTION_KEYS.join(', ')})`);
    }
  }
}

/**
 * `run(feeds, fetches?, options?)` as onnxruntime reads it: fetches are an array of output names,
 * or an object whose keys are output names (values null: rnnc makes the tensors); an object none of
 * whose keys is an output is the run options. Returns the outputs to return, in graph order.
 */
export function resolveFetches(outputs: readonly string[], a: unknown, b: unknown): readonly string[] {
  const bad = (name: unknown) => new InputError(`fetches name '${String(name)}', which is not an output of this model; its outputs are ${outputs.map((n) => `'${n}'`).join(', ')}`);
  if (a === undefined || a === null) {
    checkRunOptions(b, outputs);
    return outputs;
  }
  if (Array.isArray(a)) {
    if (a.length === 0) throw new InputError(`fetches is an empty array; name at least one output (${outputs.map((n) => `'${n}'`).join(', ')})`);
    for (const n of a) if (typeof n !== 'string' || !outputs.includes(n)) throw bad(n);
    checkRunOptions(b, outputs);
    return outputs.filter((n) => a.includes(n));
  }
  if (typeof a !== 'object') throw new InputError(`run's second argument must be fetches (output names) or run options, got ${describe(a)}`);
  const keys = Object.keys(a);
  if (!keys.some((k) => outputs.includes(k))) {
    checkRunOptions(a, outputs);
    return outputs;
  }
  for (const k of keys) {
    if (!outputs.includes(k)) throw bad(k);
    if ((a as Record<string, unknown>)[k] !== null) throw new UnsupportedError(`fetches '${k}': rnnc makes its output tensors; give null, not a tensor to fill`);
  }
  checkRunOptions(b, outputs);
  return outputs.filter((n) => keys.includes(n));
}
