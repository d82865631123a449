/**
 * A float64 interpreter of programs for tests: runs every step in order through its op module's
 * float64 interpretation (RNN steps through the reference implementation), so a lowered model can be
 * checked against the outputs its exporter recorded, independently of the wasm emitters.
 */
import type { BufRef, Dim, Program, Operand } from '../compiler/frontend/program.js';
import { isConst } from '../compiler/frontend/program.js';
import { stepKernel } from '../compiler/ops/index.js';
import type { Interpreter } from '../compiler/ops/types.js';

/** Runs `program` for one call; feeds and results by graph input/output name, row-major. */
export function interpretProgram(program: Program, seq: number, batch: number, feeds: Record<string, ArrayLike<number>>): Record<string, Float64Array> {
  const dim = (d: Dim) => (d === 'seq' ? seq : d === 'batch' ? batch : d);
  const size = (ds: readonly Dim[]) => ds.reduce<number>((p, d) => p * dim(d), 1);
  const bufs = program.buffers.map((b) => new Float64Array(size(b.dims)));
  for (const io of program.inputs) bufs[io.buffer].set(Array.from(feeds[io.name]));
  const io: Interpreter = {
    seq, batch, dim,
    read: (o: Operand) => (isConst(o) ? Float64Array.from(program.constants[o.constant].data) : bufs[o.buffer].subarray(0, size(o.dims))),
    write: (r: BufRef, v: ArrayLike<number>) => bufs[r.buffer].set(Array.from(v).slice(0, size(r.dims))),
  };
  for (const st of program.steps) {
    if ((st.when ?? []).every((g) => (bufs[g.buffer][0] !== 0) === g.is)) stepKernel(st.op).interpret(st, io);
  }
  return Object.fromEntries(program.outputs.map((o) => [o.name, bufs[o.buffer].slice(0, size(o.dims))]));
}
