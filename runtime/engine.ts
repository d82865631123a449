/**
 * One loaded kernel with its linear memory: checks feeds against the manifest, lays out the call,
 * copies tensors in, runs the whole sequence in one wasm call and copies the outputs out.
 */
import { EngineError, InputError } from './errors.js';
import { requireFeatures } from './features.js';
import { callLayout, packWeights, type NodeWeights } from './layout.js';
import type { Artifact, InputRole, Manifest, ManifestInput } from './manifest.js';
import { Tensor } from './tensor.js';

const PAGE = 65536;
/** Must match the compiler's MAX_PAGES: the memory the kernel was compiled to accept. */
const MAX_PAGES = 32768;

type RunFn = (...args: number[]) => void;

/** Runs one compiled node; not re-entrant (the session queues calls). */
export class Engine {
  private readonly memory: WebAssembly.Memory;
  private readonly runKernel: RunFn;
  private readonly constants = new Map<InputRole, Tensor>();
  /** Whether W/R/B/P come in with each run (as in ONNX's backend tests) rather than in the artifact. */
  private readonly fedWeights: boolean;

  private constructor(readonly manifest: Manifest, instance: WebAssembly.Instance, memory: WebAssembly.Memory, artifact: Artifact) {
    this.memory = memory;
    this.runKernel = instance.exports.run as RunFn;
    const k = manifest.layout;
    if (artifact.weights) {
      if (artifact.weights.byteLength !== k.weightsEnd - k.weightsBegin) {
        throw new EngineError(`artifact ${manifest.kernel}: packed weights hold ${artifact.weights.byteLength} bytes, expected ${k.weightsEnd - k.weightsBegin}`);
      }
      new Uint8Array(memory.buffer, k.weightsBegin, artifact.weights.byteLength).set(artifact.weights);
    }
    for (const c of manifest.constants) {
      const count = c.dims.reduce((p, d) => p * d, 1);
      if (!artifact.constants || c.offset + count * 4 > artifact.constants.byteLength) {
        throw new EngineError(`artifact ${manifest.kernel}: constant ${c.role} lies outside the constants file`);
      }
      const bytes = artifact.constants.slice(c.offset, c.offset + count * 4);
      const data = c.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
      this.constants.set(c.role, new Tensor(c.dtype, data, c.dims));
    }
    this.fedWeights = manifest.inputs.some((i) => i.role === 'W' || i.role === 'R' || i.role === 'B' || i.role === 'P');
    if (!artifact.weights && !this.fedWeights) this.pack(new Map());
  }

  /** Instantiates an artifact: checks engine features, creates memory, places constant weights. */
  static async create(artifact: Artifact): Promise<Engine> {
    const m = artifact.manifest;
    requireFeatures(m.features, m.kernel);
    const pages = Math.ceil(m.layout.staticEnd / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES });
    const module = artifact.wasm instanceof WebAssembly.Module ? artifact.wasm : await WebAssembly.compile(artifact.wasm as Uint8Array<ArrayBuffer>);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return new Engine(m, instance, memory, artifact);
  }

  /** Runs the node on `feeds` (by graph input name); returns outputs by graph output name. */
  run(feeds: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
    const m = this.manifest, k = m.layout;
    const byRole = this.bindFeeds(feeds);
    const x = byRole.get('X')!;
    const [T, B] = k.layout === 0 ? [x.dims[0], x.dims[1]] : [x.dims[1], x.dims[0]];
    if (x.dims.length !== 3 || x.dims[2] !== k.inputSize) {
      throw new InputError(`input '${this.nameOf('X')}' must have dims ${k.layout === 0 ? '[seq, batch' : '[batch, seq'}, ${k.inputSize}], got [${x.dims.join(', ')}]`);
    }
    if (T < 1) throw new InputError(`input '${this.nameOf('X')}' has sequence length 0; expected at least 1`);
    if (B < 1 || B > k.maxBatch) {
      throw new InputError(`input '${this.nameOf('X')}' has batch ${B}; this kernel was compiled for batch 1..${k.maxBatch} (recompile with --batch ${B})`);
    }
    const D = k.directions, H = k.hiddenSize, G = k.gates;
    const state = k.layout === 0 ? [D, B, H] : [B, D, H];
    const expectDims = (role: InputRole, dims: readonly number[]) => {
      const t = byRole.get(role);
      if (t && (t.dims.length !== dims.length || t.dims.some((v, i) => v !== dims[i]))) {
        throw new InputError(`input '${this.nameOf(role)}' (${role}) must have dims [${dims.join(', ')}], got [${t.dims.join(', ')}]`);
      }
    };
    expectDims('W', [D, G * H, k.inputSize]);
    expectDims('R', [D, G * H, H]);
    expectDims('B', [D, 2 * G * H]);
    expectDims('P', [D, 3 * H]);
    expectDims('sequence_lens', [B]);
    expectDims('initial_h', state);
    expectDims('initial_c', state);
    const lens = byRole.get('sequence_lens');
    if (lens) {
      for (let b = 0; b < B; b++) {
        const L = lens.data[b];
        if (L < 0 || L > T) throw new InputError(`input '${this.nameOf('sequence_lens')}'[${b}] = ${L}; expected 0..${T} (the sequence length)`);
      }
    }

    const c = m.cell;
    const lay = callLayout(k, T, B, { seqLens: c.hasSequenceLens, h0: c.hasInitialH, c0: c.hasInitialC });
    this.ensureMemory(lay.end);
    if (this.fedWeights) this.pack(byRole);
    const f32 = new Float32Array(this.memory.buffer);
    f32.set(x.data, lay.x / 4);
    if (lens) new Int32Array(this.memory.buffer).set(lens.data, lay.seqLens / 4);
    if (lay.h0) f32.set(byRole.get('initial_h')!.data, lay.h0 / 4);
    if (lay.c0) f32.set(byRole.get('initial_c')!.data, lay.c0 / 4);
    try {
      this.runKernel(T, B, lay.x, lay.seqLens, lay.h0, lay.c0, lay.y, lay.yh, lay.yc, lay.xw);
    } catch (e) {
      throw new EngineError(`kernel ${m.kernel} failed: ${(e as Error).message}`, { cause: e });
    }
    const view = new Float32Array(this.memory.buffer);
    const take = (at: number, dims: number[]) => {
      const n = dims.reduce((p, d) => p * d, 1);
      return new Tensor('float32', view.slice(at / 4, at / 4 + n), dims);
    };
    const out: Record<string, Tensor> = {};
    for (const o of m.outputs) {
      if (o.role === 'Y') out[o.name] = take(lay.y, k.layout === 0 ? [T, D, B, H] : [B, T, D, H]);
      else if (o.role === 'Y_h') out[o.name] = take(lay.yh, state);
      else out[o.name] = take(lay.yc, state);
    }
    return out;
  }

  private nameOf(role: InputRole): string {
    return this.manifest.inputs.find((i) => i.role === role)?.name ?? role;
  }

  /** Matches feeds to the manifest's inputs: every input present, no unknown name, right dtype. */
  private bindFeeds(feeds: Readonly<Record<string, Tensor>>): Map<InputRole, Tensor> {
    const m = this.manifest;
    if (typeof feeds !== 'object' || feeds === null) throw new InputError('feeds must be an object mapping input names to Tensors');
    const known = new Map<string, ManifestInput>(m.inputs.map((i) => [i.name, i]));
    for (const name of Object.keys(feeds)) {
      if (!known.has(name)) throw new InputError(`unknown input '${name}'; this model's inputs are ${m.inputs.map((i) => `'${i.name}'`).join(', ')}`);
    }
    const byRole = new Map<InputRole, Tensor>(this.constants);
    for (const i of m.inputs) {
      const t = feeds[i.name];
      if (t === undefined) throw new InputError(`missing input '${i.name}' (${i.role}, ${i.dtype} [${i.dims.join(', ')}])`);
      if (!t || !(t.data instanceof Float32Array || t.data instanceof Int32Array) || !Array.isArray(t.dims)) {
        throw new InputError(`input '${i.name}' must be a Tensor with type, data and dims`);
      }
      if (t.type !== i.dtype) throw new InputError(`input '${i.name}' must be ${i.dtype}, got ${t.type}`);
      const size = t.dims.reduce((p, d) => p * d, 1);
      if (size !== t.data.length) throw new InputError(`input '${i.name}': dims [${t.dims.join(', ')}] do not match its ${t.data.length} elements`);
      i.dims.forEach((d, ax) => {
        if (typeof d === 'number' && t.dims.length === i.dims.length && t.dims[ax] !== d) {
          throw new InputError(`input '${i.name}' must have dims [${i.dims.join(', ')}], got [${t.dims.join(', ')}] (axis ${ax})`);
        }
      });
      if (t.dims.length !== i.dims.length) {
        throw new InputError(`input '${i.name}' must have rank ${i.dims.length} ([${i.dims.join(', ')}]), got [${t.dims.join(', ')}]`);
      }
      byRole.set(i.role, t);
    }
    return byRole;
  }

  private ensureMemory(end: number): void {
    const need = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need <= 0) return;
    if (Math.ceil(end / PAGE) > MAX_PAGES) throw new InputError(`the call needs ${end} bytes of memory; at most ${MAX_PAGES * PAGE} are available (shorter sequence or smaller batch)`);
    this.memory.grow(need);
  }

  /**
   * Packs W/R/B/P into the weight area. Constant weights are packed once (at load); weights fed as
   * inputs are packed on every run, since their arrays may have changed in place.
   */
  private pack(byRole: Map<InputRole, Tensor>): void {
    const get = (r: InputRole) => byRole.get(r) ?? this.constants.get(r);
    const W = get('W'), R = get('R');
    if (!W || !R) return;
    const w: NodeWeights = {
      W: W.data as Float32Array, R: R.data as Float32Array,
      B: (get('B')?.data as Float32Array | undefined) ?? null, P: (get('P')?.data as Float32Array | undefined) ?? null,
    };
    packWeights(this.manifest.layout, w, new Float32Array(this.memory.buffer));
  }
}
