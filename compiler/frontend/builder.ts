/**
 * Accumulates a program while lowering: buffers (one per materialized run-time value), views
 * (other dims over the same buffer), constants (deduplicated by name), steps, and one summary line
 * per step or view.
 */
import { InternalError, ModelError } from '../../contract/errors.js';
import { materialize } from './ctx.js';
import type { BufRef, BufferSpec, ConstRef, ConstantSpec, Dim, Guard, Operand, Step, ElemType } from './program.js';
import { type SymInt, factors } from './symbolic.js';
import type { ConstVal, Val } from './value.js';

/** Program dims of symbolic dims: products (seq*batch) are split into their factors. */
export function toDims(dims: readonly SymInt[]): Dim[] {
  return dims.flatMap(factors);
}

const elemType = (v: Val): ElemType => (v.dtype === 'int' ? 'int32' : 'float32');

/** `[seq, batch, 32]`. */
export const fmtDims = (dims: readonly Dim[]) => `[${dims.join(', ')}]`;

export class ProgramBuilder {
  readonly buffers: BufferSpec[] = [];
  readonly constants: ConstantSpec[] = [];
  readonly steps: Step[] = [];
  readonly lines: string[] = [];
  /** The buffer view holding each run-time value, by value name. */
  readonly refs = new Map<string, BufRef>();
  private readonly constByName = new Map<string, ConstRef>();

  /** A new buffer for value `name` with the value's dims (or `kernelDims` when given: same element count). */
  buffer(name: string, v: Val, kernelDims?: readonly Dim[]): BufRef {
    const dims = kernelDims ? [...kernelDims] : toDims(v.dims);
    const id = this.buffers.length;
    this.buffers.push({ id, dtype: elemType(v), dims, name });
    const ref: BufRef = { buffer: id, dims };
    this.refs.set(name, kernelDims ? { buffer: id, dims: toDims(v.dims) } : ref);
    return ref;
  }

  /** Value `name` seen with v's dims over the buffer of `of` (no copy). */
  view(name: string, of: BufRef, v: Val): BufRef {
    const ref: BufRef = { buffer: of.buffer, dims: toDims(v.dims) };
    this.refs.set(name, ref);
    return ref;
  }

  ref(name: string): BufRef {
    const r = this.refs.get(name);
    if (!r) throw new InternalError(`run-time value '${name}' has no buffer`);
    return r;
  }

  /** The constant `name` (added once). Fills of fixed size are materialized. */
  constant(name: string, v: Val): ConstRef {
    const known = this.constByName.get(name);
    if (known) return known;
    const c = materialize(v, `constant '${name}'`) as ConstVal;
    const data = c.dtype === 'float' ? c.data : Int32Array.from(c.data as number[], (x, i) => {
      if (!(x >= -0x80000000 && x <= 0x7fffffff)) throw new ModelError(`constant '${name}': value ${x} at index ${i} does not fit in int32`);
      return x;
    });
    const id = this.constants.length;
    this.constants.push({ id, dtype: c.dtype === 'float' ? 'float32' : 'int32', dims: [...c.dims], name, data });
    const ref: ConstRef = { constant: id, dims: [...c.dims] };
    this.constByName.set(name, ref);
    return ref;
  }

  /**
   * A step operand: the buffer of a run-time value, or the constant. A fill becomes one scalar
   * where the step broadcasts it (elementwise ops), else a constant of its full dims.
   */
  operand(name: string, v: Val, scalarFill = true): Operand {
    if (v.kind === 'run') return this.ref(name);
    if (v.kind === 'fill' && scalarFill) return this.constant(`${name} (scalar)`, { ...v, dims: [] });
    return this.constant(name, v);
  }

  /** The guards of the node being lowered (the branches of run-time Ifs around it); its steps take them. */
  guards: readonly Guard[] = [];

  step<S extends Step>(s: S, line: string, extra: readonly Guard[] = []): void {
    const when = [...this.guards, ...extra];
    const cond = when.map((g) => `${g.is ? '' : '!'}b${g.buffer}`).join(' && ');
    this.lines.push(`#${this.steps.length} ${when.length ? `[if ${cond}] ` : ''}${line}`);
    this.steps.push(when.length ? { ...s, when } : s);
  }

  /** `b3[seq, batch, 32]` for a buffer view, `name[64, 32]` for a constant. */
  describe(o: Operand): string {
    return 'constant' in o ? `${this.constants[o.constant].name}${fmtDims(o.dims)}` : `b${o.buffer}${fmtDims(o.dims)}`;
  }
}
