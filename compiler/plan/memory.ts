/**
 * Static memory of a module, in order: the control block of multi-worker calls, the buffer-offset
 * table (one i32 per run-time buffer, written by the runtime before each call), the static memory
 * that starts zeroed (a recurrent state: not in the image, so not in the artifact), the constants some
 * kernel reads at run time, then what each step reserves (an RNN node's packed weights and partition
 * table, a GEMM's packed panels). A constant only packed by its steps has no place of its own: the weights are
 * in memory and in the artifact once, packed. Offsets are resolved once here; the emitters read them
 * and never decide placement themselves.
 */
import { MAX_PAGES, PAGE_BYTES, RESERVED } from '../../contract/abi.js';
import { InternalError, UnsupportedError } from '../../contract/errors.js';
import { CONTROL_BYTES } from '../../contract/control.js';
import type { Dim } from '../../contract/dims.js';
import type { ManifestBuffer } from '../../contract/manifest.js';
import type { ConstRef, Program } from '../frontend/program.js';

/** Where everything static lies, and the image of [imageBegin, imageEnd). */
export interface StaticMemory {
  /** The control block and barrier cells of multi-worker calls (contract/control.ts). */
  readonly controlOffset: number;
  readonly tableOffset: number;
  readonly imageBegin: number;
  readonly imageEnd: number;
  /** Byte offset of each constant; -1 for one no kernel reads at run time (only packed). */
  readonly constOffset: readonly number[];
  /** Every run-time buffer: the program's, then the steps' scratch (XW of each RNN, unused RNN outputs). */
  readonly buffers: readonly ManifestBuffer[];
  /** The image bytes [imageBegin, imageEnd): constants and what the steps reserved, filled. */
  readonly image: Uint8Array;
}

// In doubles, not i32 bit operations: an offset past 2 GiB must not wrap before `take` refuses it.
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Lays out static memory in two passes around the steps' own planning (plan/model.ts drives it). */
export class MemoryPlanner {
  private readonly buffers: ManifestBuffer[];
  private at = 0;
  private tableOffset = 0;
  private imageBegin = 0;
  private constOffset: number[] = [];
  /** Set once the table's size is fixed: no scratch buffer may come after. */
  private placed = false;
  private readonly fills: ((image: Float32Array) => void)[] = [];
  /** Pass 1's zeroed static reservations: their sizes, then (placeConstants) their offsets. */
  private readonly zeroed: { bytes: number; what: string }[] = [];
  private zeroedAt: number[] = [];

  constructor(private readonly program: Program) {
    this.buffers = program.buffers.map((b) => ({ dims: b.dims, slack: 0 }));
  }

  /** Pass 1: a run-time scratch buffer (placed by the runtime after the static area, each call). */
  buffer(dims: readonly Dim[], slack = 0): number {
    if (this.placed) throw new InternalError('a scratch buffer was asked for after the static image was placed');
    this.buffers.push({ dims: [...dims], slack });
    return this.buffers.length - 1;
  }

  /** Pass 1: static bytes that start zeroed, placed before the image; returns the handle for `zeroedOffset`. */
  zeroedStatic(bytes: number, what: string): number {
    if (this.placed) throw new InternalError(`${what}: zeroed static memory was asked for after the static image was placed`);
    this.zeroed.push({ bytes, what });
    return this.zeroed.length - 1;
  }

  /** Pass 2: where a zeroed static reservation lies. */
  zeroedOffset(handle: number): number {
    const at = this.zeroedAt[handle];
    if (at === undefined) throw new InternalError(`no zeroed static reservation #${handle} has been placed`);
    return at;
  }

  /**
   * Between the passes: the control block and the table (their size now known), the zeroed static
   * memory, then the constants in `readAtRunTime` (constant ids); the others are only packed by the
   * steps that read them.
   */
  placeConstants(readAtRunTime: ReadonlySet<number>): void {
    this.placed = true;
    this.tableOffset = RESERVED + CONTROL_BYTES;
    this.at = align16(this.tableOffset + this.buffers.length * 4);
    this.zeroedAt = this.zeroed.map((z) => this.take(z.bytes, z.what));
    this.imageBegin = this.at;
    this.constOffset = this.program.constants.map((c, i) => (readAtRunTime.has(i) ? this.take(c.data.length * 4, `constant '${c.name}'`) : -1));
  }

  /** Pass 2: static bytes for `what` at the next 16-byte aligned offset; `fill` writes them once the image exists. */
  reserve(bytes: number, fill?: (image: Float32Array) => void, what = 'a step'): number {
    const p = this.take(bytes, what);
    if (fill) this.fills.push(fill);
    return p;
  }

  /** Where the next reservation lands. */
  get next(): number {
    return this.at;
  }

  /** The data of a constant. */
  constant(c: ConstRef): Float32Array | Int32Array {
    return this.program.constants[c.constant].data;
  }

  /** The finished layout, with the image filled. */
  finish(): StaticMemory {
    const imageEnd = this.at;
    const image = new Float32Array(imageEnd / 4);
    this.program.constants.forEach((c, i) => {
      if (this.constOffset[i] < 0) return;
      if (c.data instanceof Int32Array) new Int32Array(image.buffer, this.constOffset[i], c.data.length).set(c.data);
      else image.set(c.data, this.constOffset[i] / 4);
    });
    for (const f of this.fills) f(image);
    return {
      controlOffset: RESERVED, tableOffset: this.tableOffset, imageBegin: this.imageBegin, imageEnd,
      constOffset: this.constOffset, buffers: this.buffers,
      image: new Uint8Array(image.buffer, this.imageBegin, imageEnd - this.imageBegin).slice(),
    };
  }

  private take(bytes: number, what: string): number {
    const p = this.at;
    this.at = align16(this.at + bytes);
    if (this.at > MAX_PAGES * PAGE_BYTES) {
      throw new UnsupportedError(`${what}: the static memory (packed weights, constants, state) would reach ${this.at} bytes; a module addresses at most ${MAX_PAGES * PAGE_BYTES} (2 GiB)`);
    }
    return p;
  }
}
