/**
 * The unspecialized baseline: shape-agnostic AssemblyScript LSTM / GRU / RNN kernels
 * (kernels/assembly, built to kernels/build/rnn.wasm) behind the ONNX tensor interface. It is what
 * rnnc's specialized kernels are benchmarked against, and the fallback where none exists.
 *
 * The wasm module is allocator-free: this file lays every tensor out in the module's exported memory
 * from `heapBase()` upwards (weights first, then the per-run tensors) and grows the memory as needed.
 */
import { readFile } from 'node:fs/promises';
import {
  defaultActivations, gateCount, numDirections, activationsPerDirection, type CellDescriptor,
} from '../compiler/cells/descriptor.js';
import { EngineError, InputError, UnsupportedError } from '../contract/errors.js';
import {
  copySwap, layoutRun, layoutWeights, readSwap, type RunLayout, type WeightsLayout,
} from './baseline_layout.js';

/** Node weights in ONNX shapes (per direction stacked on the outer dim). */
export interface BaselineWeights {
  /** [D, G*H, I], gates in ONNX order (LSTM i,o,f,c; GRU z,r,h). */
  W: Float32Array;
  /** [D, G*H, H]. */
  R: Float32Array;
  /** [D, 2*G*H], Wb then Rb; absent = zeros. */
  B?: Float32Array | null;
  /** LSTM peepholes [D, 3H] in order i, o, f; absent = none. */
  P?: Float32Array | null;
}

/** Per-inference tensors in ONNX shapes. */
export interface BaselineRunInputs {
  /** layout 0: [T, B, I]; layout 1: [B, T, I]. */
  X: Float32Array;
  /** [B], each in 0..T; absent = every row runs T steps. */
  sequenceLens?: Int32Array | null;
  /** layout 0: [D, B, H]; layout 1: [B, D, H]; absent = zeros. */
  initialH?: Float32Array | null;
  /** LSTM only, same shape as initialH; absent = zeros. */
  initialC?: Float32Array | null;
  /** T. */
  seqLength: number;
  /** B, at most the descriptor's maxBatch. */
  batch: number;
}

/** Everything one ONNX node evaluation needs. */
export interface BaselineInputs extends BaselineWeights, BaselineRunInputs {}

/** Node outputs in ONNX shapes. */
export interface BaselineOutputs {
  /** layout 0: [T, D, B, H]; layout 1: [B, T, D, H]. */
  Y: Float32Array;
  /** layout 0: [D, B, H]; layout 1: [B, D, H]. */
  Y_h: Float32Array;
  /** LSTM only (else null), same shape as Y_h. */
  Y_c: Float32Array | null;
}

/** Bits of the kernels' `flags` argument (kernels/assembly/flags.ts). */
const FLAG_REVERSE = 1;
const FLAG_CLIP = 2;
const FLAG_INPUT_FORGET = 4;
const FLAG_LINEAR_BEFORE_RESET = 8;

/** The wasm module's exports (kernels/assembly/index.ts). Pointers are byte offsets. */
interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  lstm(T: number, B: number, I: number, H: number, x: number, w: number, r: number, bias: number, peep: number,
    lens: number, h: number, c: number, y: number, yStride: number, gates: number, flags: number, clip: number): void;
  gru(T: number, B: number, I: number, H: number, x: number, w: number, r: number, bias: number, lens: number,
    h: number, y: number, yStride: number, scratch: number, flags: number, clip: number): void;
  rnn(T: number, B: number, I: number, H: number, x: number, w: number, r: number, bias: number, lens: number,
    h: number, y: number, yStride: number, gates: number, flags: number, clip: number): void;
}

const DEFAULT_WASM = new URL('../../kernels/build/rnn.wasm', import.meta.url);

export class BaselineKernel {
  private resident: PreparedBaseline | null = null;
  private f32: Float32Array;
  private i32: Int32Array;

  private constructor(private readonly k: KernelExports) {
    this.f32 = new Float32Array(k.memory.buffer);
    this.i32 = new Int32Array(k.memory.buffer);
  }

  /** Loads the baseline module (default: kernels/build/rnn.wasm of this package). */
  static async load(wasmPath?: string | URL): Promise<BaselineKernel> {
    const where = wasmPath ?? DEFAULT_WASM;
    let bytes: Buffer;
    try {
      bytes = await readFile(where);
    } catch (e) {
      throw new EngineError(`baseline: cannot read ${String(where)} (run \`npm run build\`): ${(e as Error).message}`);
    }
    let instance: WebAssembly.Instance;
    try {
      const module = await WebAssembly.compile(new Uint8Array(bytes));
      instance = await WebAssembly.instantiate(module, {});
    } catch (e) {
      throw new EngineError(`baseline: ${String(where)} does not instantiate (wasm SIMD is required): ${(e as Error).message}`);
    }
    const k = instance.exports as unknown as KernelExports;
    for (const name of ['memory', 'heapBase', 'lstm', 'gru', 'rnn'] as const) {
      if (!(name in k)) throw new EngineError(`baseline: ${String(where)} lacks the export '${name}'`);
    }
    return new BaselineKernel(k);
  }

  /** Null when the baseline can run `d`, else why not (it implements only the default activations). */
  static supports(d: CellDescriptor): string | null {
    const want = defaultActivations(d.cell);
    const per = activationsPerDirection(d.cell);
    for (let i = 0; i < d.activations.length; i++) {
      const got = d.activations[i].name;
      if (got !== want[i % per]) {
        return `baseline: ${d.cell.toUpperCase()} activation ${i} is ${got}; only the defaults (${want.join(', ')}) are supported`;
      }
    }
    return null;
  }

  /** Evaluates one node: prepare + runPrepared. */
  run(d: CellDescriptor, inputs: BaselineInputs): BaselineOutputs {
    return this.runPrepared(this.prepare(d, inputs), inputs);
  }

  /**
   * Validates `d` and the weights and places the weights in wasm memory. The returned handle keeps
   * references to the weight arrays (do not modify them) and re-uploads them if another prepared
   * node has taken their place in memory since.
   */
  prepare(d: CellDescriptor, weights: BaselineWeights): PreparedBaseline {
    const why = BaselineKernel.supports(d);
    if (why !== null) throw new UnsupportedError(why);
    const D = numDirections(d.direction);
    const GH = gateCount(d.cell) * d.hiddenSize;
    const H = d.hiddenSize;
    expectLength('W', weights.W, D * GH * d.inputSize);
    expectLength('R', weights.R, D * GH * H);
    expectLength('B', weights.B, D * 2 * GH);
    if (weights.P && d.cell !== 'lstm') throw new InputError(`baseline: P (peepholes) applies only to LSTM`);
    expectLength('P', weights.P, D * 3 * H);
    if (d.hasPeepholes && !weights.P) throw new InputError(`baseline: the descriptor has peepholes but P is missing`);
    const layout = layoutWeights(d, this.k.heapBase(), !!weights.P);
    const p = new PreparedBaseline(this, d, weights, layout);
    this.upload(p);
    return p;
  }

  /** Runs a prepared node on one set of inputs: setInputs + execute + readOutputs. */
  runPrepared(p: PreparedBaseline, inputs: BaselineRunInputs): BaselineOutputs {
    p.setInputs(inputs);
    p.execute();
    return p.readOutputs();
  }

  /** @internal Makes `p`'s weights the resident ones; true when they had to be uploaded again. */
  ensureResident(p: PreparedBaseline): boolean {
    if (this.resident === p) return false;
    this.upload(p);
    return true;
  }

  /** @internal Whether `p` owns the memory (no other node was prepared or run since). */
  isResident(p: PreparedBaseline): boolean {
    return this.resident === p;
  }

  /** @internal Grows the memory to hold `end` bytes and returns fresh views. */
  memory(end = 0): { f32: Float32Array; i32: Int32Array } {
    const mem = this.k.memory;
    if (end > mem.buffer.byteLength) {
      try {
        mem.grow(Math.ceil((end - mem.buffer.byteLength) / 65536));
      } catch (e) {
        throw new EngineError(`baseline: cannot grow wasm memory to ${end} bytes: ${(e as Error).message}`);
      }
    }
    if (this.f32.buffer !== mem.buffer) {
      this.f32 = new Float32Array(mem.buffer);
      this.i32 = new Int32Array(mem.buffer);
    }
    return { f32: this.f32, i32: this.i32 };
  }

  /** @internal */
  get exports(): KernelExports {
    return this.k;
  }

  private upload(p: PreparedBaseline): void {
    const { f32 } = this.memory(p.weightsLayout.end);
    const { d, weights: wt, weightsLayout: L } = p;
    const GH = gateCount(d.cell) * d.hiddenSize;
    const H = d.hiddenSize;
    L.dirs.forEach((o, dir) => {
      f32.set(wt.W.subarray(dir * GH * d.inputSize, (dir + 1) * GH * d.inputSize), o.w / 4);
      f32.set(wt.R.subarray(dir * GH * H, (dir + 1) * GH * H), o.r / 4);
      if (wt.B) f32.set(wt.B.subarray(dir * 2 * GH, (dir + 1) * 2 * GH), o.bias / 4);
      else f32.fill(0, o.bias / 4, o.bias / 4 + 2 * GH);
      if (wt.P) f32.set(wt.P.subarray(dir * 3 * H, (dir + 1) * 3 * H), o.peep / 4);
    });
    this.resident = p;
  }
}

/** One descriptor's weights placed in the baseline kernel's memory, ready to run. */
export class PreparedBaseline {
  private run: RunLayout | null = null;
  /** The inputs behind `run`, to place again if another node took over the memory meanwhile. */
  private inputs: BaselineRunInputs | null = null;
  /** Whether the outputs in memory belong to the current inputs. */
  private executed = false;

  /** @internal Made by BaselineKernel.prepare. */
  constructor(
    private readonly kernel: BaselineKernel,
    readonly d: CellDescriptor,
    readonly weights: BaselineWeights,
    readonly weightsLayout: WeightsLayout,
  ) {}

  /** Places X, sequence_lens and the initial states in wasm memory (transposing layout 1). */
  setInputs(inp: BaselineRunInputs): void {
    const { d } = this;
    const T = inp.seqLength;
    const nb = inp.batch;
    const D = numDirections(d.direction);
    const H = d.hiddenSize;
    if (!Number.isInteger(T) || T < 0) throw new InputError(`baseline: seqLength must be a non-negative integer, got ${T}`);
    if (!Number.isInteger(nb) || nb < 1 || nb > d.maxBatch) {
      throw new InputError(`baseline: batch must be an integer in 1..${d.maxBatch}, got ${nb}`);
    }
    expectLength('X', inp.X, T * nb * d.inputSize);
    expectLength('sequence_lens', inp.sequenceLens, nb);
    expectLength('initial_h', inp.initialH, D * nb * H);
    if (inp.initialC && d.cell !== 'lstm') throw new InputError(`baseline: initial_c applies only to LSTM`);
    expectLength('initial_c', inp.initialC, D * nb * H);
    inp.sequenceLens?.forEach((L, b) => {
      if (!Number.isInteger(L) || L < 0 || L > T) throw new InputError(`baseline: sequence_lens[${b}] = ${L} is outside 0..${T}`);
    });

    this.kernel.ensureResident(this);
    const run = layoutRun(d, this.weightsLayout.end, T, nb, !!inp.sequenceLens);
    const { f32, i32 } = this.kernel.memory(run.end);
    const swap = d.layout === 1;
    copySwap(inp.X, f32, run.x / 4, swap ? nb : T, swap ? T : nb, d.inputSize, swap);
    if (inp.sequenceLens) i32.set(inp.sequenceLens, run.lens / 4);
    const state = D * nb * H;
    if (inp.initialH) copySwap(inp.initialH, f32, run.h0 / 4, swap ? nb : D, swap ? D : nb, H, swap);
    else f32.fill(0, run.h0 / 4, run.h0 / 4 + state);
    if (run.c0) {
      if (inp.initialC) copySwap(inp.initialC, f32, run.c0 / 4, swap ? nb : D, swap ? D : nb, H, swap);
      else f32.fill(0, run.c0 / 4, run.c0 / 4 + state);
    }
    this.run = run;
    this.inputs = inp;
    this.executed = false;
  }

  /** Runs the kernel over the sequence from the initial state (repeatable: same inputs, same outputs). */
  execute(): void {
    if (!this.inputs) throw new InputError('baseline: setInputs must be called before execute');
    if (!this.kernel.isResident(this)) this.setInputs(this.inputs);
    const run = this.run!;
    const { f32 } = this.kernel.memory();
    const { d } = this;
    const k = this.kernel.exports;
    const D = numDirections(d.direction);
    const { T, batch: nb } = run;
    const I = d.inputSize;
    const H = d.hiddenSize;
    const state = D * nb * H;
    f32.copyWithin(run.h / 4, run.h0 / 4, run.h0 / 4 + state);
    if (run.c) f32.copyWithin(run.c / 4, run.c0 / 4, run.c0 / 4 + state);
    const clip = d.clip ?? 0;
    const common = d.clip !== null ? FLAG_CLIP : 0;
    const yStride = D * nb * H;
    for (let dir = 0; dir < D; dir++) {
      const w = this.weightsLayout.dirs[dir];
      const reverse = d.direction === 'reverse' || dir === 1 ? FLAG_REVERSE : 0;
      const sOff = dir * nb * H * 4;
      const h = run.h + sOff;
      const y = run.y + sOff;
      if (d.cell === 'lstm') {
        const flags = common | reverse | (d.inputForget ? FLAG_INPUT_FORGET : 0);
        k.lstm(T, nb, I, H, run.x, w.w, w.r, w.bias, w.peep, run.lens, h, run.c + sOff, y, yStride, run.scratch, flags, clip);
      } else if (d.cell === 'gru') {
        const flags = common | reverse | (d.linearBeforeReset ? FLAG_LINEAR_BEFORE_RESET : 0);
        k.gru(T, nb, I, H, run.x, w.w, w.r, w.bias, run.lens, h, y, yStride, run.scratch, flags, clip);
      } else {
        k.rnn(T, nb, I, H, run.x, w.w, w.r, w.bias, run.lens, h, y, yStride, run.scratch, common | reverse, clip);
      }
    }
    this.executed = true;
  }

  /** Copies Y, Y_h and (LSTM) Y_c out of wasm memory, in the descriptor's layout. */
  readOutputs(): BaselineOutputs {
    const run = this.run;
    if (!run || !this.executed) throw new InputError('baseline: execute must be called before readOutputs');
    if (!this.kernel.isResident(this)) {
      throw new InputError('baseline: another node ran since execute; its outputs replaced these');
    }
    const { f32 } = this.kernel.memory();
    const D = numDirections(this.d.direction);
    const H = this.d.hiddenSize;
    const nb = run.batch;
    const swap = this.d.layout === 1;
    return {
      Y: readSwap(f32, run.y / 4, run.T * D, nb, H, swap),
      Y_h: readSwap(f32, run.h / 4, D, nb, H, swap),
      Y_c: run.c ? readSwap(f32, run.c / 4, D, nb, H, swap) : null,
    };
  }
}

function expectLength(what: string, a: ArrayLike<number> | null | undefined, n: number): void {
  if (a != null && a.length !== n) throw new InputError(`baseline: ${what} has ${a.length} elements, expected ${n}`);
}
