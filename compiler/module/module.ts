/**
 * program -> one validated, optimized wasm module: every step's kernel, and `run(seq, batch)`
 * that calls them in order with pointers read from the buffer table and sizes from seq and batch.
 */
import { Builder, type Expr, type FunctionScope, type Local, type ModuleFeatures } from '../emit/ir.js';
import type { Dim, Program, Operand } from '../frontend/program.js';
import { isConst } from '../frontend/program.js';
import { emitRnnNode } from '../emit/rnn/run.js';
import { emitBarrier } from '../emit/barrier.js';
import type { StaticLayout } from '../plan/memory.js';
import { opKernel } from './op_calls.js';
import { EngineError } from '../../contract/errors.js';
import { CONSTANT_POOL, ENTRY, MAX_PAGES, RESERVED } from '../../contract/abi.js';


/** What emitting a step's call needs: pointers and sizes as expressions inside `run`. */
export interface CallContext {
  readonly b: Builder;
  readonly s: FunctionScope;
  readonly seq: Local;
  readonly batch: Local;
  readonly layout: StaticLayout;
}

/** Address of a buffer (from the table) or a constant (fixed). */
export function addr(c: CallContext, o: Operand): Expr {
  return isConst(o) ? c.b.i32(c.layout.constOffset[o.constant]) : bufferAddr(c, o.buffer);
}

export function bufferAddr(c: CallContext, id: number): Expr {
  return c.b.loadI32(c.b.i32(c.layout.tableOffset + 4 * id));
}

/** Product of dims as an i32 expression (seq and batch from run's parameters). */
export function count(c: CallContext, dims: readonly Dim[]): Expr {
  let fixed = 1;
  let e: Expr | null = null;
  for (const d of dims) {
    if (typeof d === 'number') fixed *= d;
    else {
      const v = c.s.get(d === 'seq' ? c.seq : c.batch);
      e = e === null ? v : c.b.mul(e, v);
    }
  }
  return e === null ? c.b.i32(fixed) : c.b.muli(e, fixed);
}

export interface BuiltModule {
  readonly wasm: Uint8Array;
  readonly features: ModuleFeatures;
  readonly text?: string;
}

/**
 * Emits:
 *
 *   run(seq, batch, resume [, worker, workers]):
 *     for step in program:
 *       step_kernel(pointers from table, sizes from seq/batch)   (RNN steps: every worker its slice;
 *       barrier                                                   other steps: worker 0)
 */
export function buildModule(program: Program, layout: StaticLayout,
  opts: { relaxedSimd?: boolean; optimize?: boolean; text?: boolean; threads?: boolean } = {}): BuiltModule {
  const features: ModuleFeatures = { simd: true, relaxedSimd: !!opts.relaxedSimd, threads: !!opts.threads };
  const b = new Builder(features);
  try {
    b.importMemory(Math.max(1, Math.ceil(layout.imageEnd / 65536)), MAX_PAGES);
    b.useConstantPool(CONSTANT_POOL, RESERVED);
    const s = b.scope(opts.threads ? ['i32', 'i32', 'i32', 'i32', 'i32'] : ['i32', 'i32', 'i32']);
    const c: CallContext = { b, s, seq: s.param(0), batch: s.param(1), layout };
    const calls: Expr[] = [];
    const threads = opts.threads ? { barrier: 'barrier' } : undefined;
    const workerArgs = () => (opts.threads ? [s.get(s.param(3)), s.get(s.param(4))] : []);
    const resume = () => s.get(s.param(2));
    if (threads) emitBarrier(b, threads.barrier, layout.controlOffset);
    const meet = () => (threads ? b.call(threads.barrier, [s.get(s.param(3)), s.get(s.param(4))]) : b.nop());
    program.steps.forEach((step, i) => {
      if (step.op === 'rnn') {
        const plan = layout.plans.get(i)!;
        const name = `${plan.symbol}_run`;
        emitRnnNode(b, plan, name, undefined, threads);
        const bufs = layout.rnnBuffers.get(i)!;
        const opt = (o: Operand | null) => (o ? addr(c, o) : b.i32(0));
        calls.push(b.call(name, [
          s.get(c.seq), s.get(c.batch), addr(c, step.x), opt(step.sequenceLens), opt(step.initialH), opt(step.initialC),
          bufferAddr(c, bufs.y), bufferAddr(c, bufs.yh), bufs.yc >= 0 ? bufferAddr(c, bufs.yc) : b.i32(0), bufferAddr(c, bufs.xw), resume(),
          ...workerArgs(),
        ]), meet());
        return;
      }
      // Other kernels are small next to the recurrence: worker 0 runs them, the others wait.
      const call = opKernel(step).emit(c, `s${i}_${step.op}`, layout.statics.get(i) ?? []);
      calls.push(threads ? b.if(b.eqz(s.get(s.param(3))), call) : call, meet());
    });
    s.finish(ENTRY, b.seq(calls), ENTRY);
    b.finishConstantPool();
    if (!b.validate()) throw new EngineError('internal error: the emitted module does not validate');
    if (opts.optimize !== false) b.optimize();
    if (!b.validate()) throw new EngineError('internal error: the optimized module does not validate');
    return { wasm: b.emitBinary(), features, text: opts.text ? b.emitText() : undefined };
  } finally {
    b.dispose();
  }
}
