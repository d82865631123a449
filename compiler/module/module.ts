/**
 * Model plan -> one validated wasm module: every step's kernel (its op module's emitter),
 * and the exported `run` that calls them in order with pointers read from the buffer table and sizes
 * from seq and batch.
 */
import { CONSTANT_POOL, ENTRY, ENTRY_PARAMS, EXPIRED_IMPORT, MAX_PAGES, RESERVED, SINGLE_WORKER_PARAMS } from '../../contract/abi.js';
import { InternalError, internalAt } from '../../contract/errors.js';
import { isConst, stepLabel, type Dim, type Operand } from '../frontend/program.js';
import { emitBarrier } from '../emit/barrier.js';
import { emitAwaitItems, shareJob } from '../emit/share.js';
import { Builder, type Expr, type ModuleFeatures } from '../emit/ir.js';
import { checkModule } from '../emit/wasm/validate.js';
import { stepKernel } from '../ops/index.js';
import type { CallContext } from '../ops/types.js';
import type { ModelPlan } from '../plan/model.js';

/** The bytes of a module and the features it needs. */
export interface BuiltModule {
  readonly wasm: Uint8Array;
  readonly features: ModuleFeatures;
  readonly text?: string;
}

export interface ModuleOptions {
  /** The multi-worker module: shared memory, `run` takes (worker, workers), every step a shared job. */
  readonly threads?: boolean;
  /**
   * Run binaryen's -O3 on the module (binaryen must be loaded: loadBinaryen). Off by default: it took 0.4-1.4 s per model for 5-10% on
   * hidden sizes up to 64 and nothing measurable from 256 up (V8's TurboFan does the rest), and no
   * cheaper pass list paid for its time; an artifact built once and run many times may still ask.
   */
  readonly optimize?: boolean;
  /** Also return the text form (binaryen's printer: binaryen must be loaded). */
  readonly text?: boolean;
}

/** The barrier function of the multi-worker module (around the read of a run-time If's condition). */
const BARRIER = 'barrier';

/**
 * Emits:
 *
 *   run(seq, batch, resume [, worker, workers]):
 *     for step in program:
 *       [barrier; read the guards; barrier]             (a step of a run-time If's branch)
 *       if step's guards hold (none: always):
 *         step's kernel (pointers from the table,       (an RNN: its own shared jobs; others: a
 *           sizes from seq and batch)                     job of one item, compiler/emit/share.ts)
 */
export function buildModule(plan: ModelPlan, opts: ModuleOptions = {}): BuiltModule {
  const threads = !!opts.threads;
  const features: ModuleFeatures = { simd: true, relaxedSimd: plan.features.relaxedSimd, threads };
  const b = new Builder(features);
  try {
    const mem = plan.memory;
    b.importMemory(Math.max(1, Math.ceil(mem.imageEnd / 65536)), MAX_PAGES);
    b.useConstantPool(CONSTANT_POOL, RESERVED);
    const s = b.scope(ENTRY_PARAMS.slice(0, threads ? ENTRY_PARAMS.length : SINGLE_WORKER_PARAMS).map(() => 'i32' as const));
    const param = (name: (typeof ENTRY_PARAMS)[number]) => () => s.get(s.param(ENTRY_PARAMS.indexOf(name)));
    const worker = param('worker'), workers = param('workers');
    b.importPredicate(EXPIRED_IMPORT);
    if (threads) {
      emitBarrier(b, BARRIER, mem.controlOffset);
      emitAwaitItems(b, mem.controlOffset);
    }
    const meet = () => (threads ? b.call(BARRIER, [worker(), workers()]) : b.nop());
    const bufferAddr = (id: number) => b.loadI32(b.i32(mem.tableOffset + 4 * id));
    const seq = s.param(ENTRY_PARAMS.indexOf('seq')), batch = s.param(ENTRY_PARAMS.indexOf('batch'));
    const calls: Expr[] = [];
    plan.program.steps.forEach((step, i) => {
      const kernel = stepKernel(step.op);
      const c: CallContext = {
        b, s, seq, batch, name: `s${i}_${step.op}`,
        addr: (o: Operand) => (isConst(o) ? b.i32(constAddr(mem, o.constant, plan)) : bufferAddr(o.buffer)),
        bufferAddr,
        count: (dims: readonly Dim[]) => count(b, dims, () => s.get(seq), () => s.get(batch)),
        threads: threads ? { worker, workers, control: mem.controlOffset } : null,
        resume: param('resume'),
        items: null,
      };
      const items = threads && kernel.items ? kernel.items(step, plan.steps[i]) : 1;
      const range = { from: s.local('i32'), to: s.local('i32') };
      const call = internalAt(stepLabel(step, i), () => kernel.emit(items > 1 ? { ...c, items: { from: () => s.get(range.from), to: () => s.get(range.to) } } : c, step, plan.steps[i]));
      // Other kernels are shared in the items they declare (one, when they declare none).
      const mine = threads && !kernel.everyWorker
        ? shareJob(b, s, mem.controlOffset, { worker, workers, items, chunk: 1, body: (from, to) => b.seq([s.set(range.from, s.get(from)), s.set(range.to, s.get(to)), call]) })
        : call;
      if (!step.when?.length) return void calls.push(mine);
      // A step of an If branch chosen at run time: every worker reads the condition and skips the
      // step alike. A worker may run jobs behind the others (a job ends when its items are done),
      // and the condition's buffer may be reused later in the call: barriers on both sides of the
      // read keep every worker's choice the same.
      const hold = s.local('i32');
      const when = step.when.map((g) => (g.is ? b.ne(b.loadI32(bufferAddr(g.buffer)), b.i32(0)) : b.eqz(b.loadI32(bufferAddr(g.buffer)))));
      calls.push(meet(), s.set(hold, when.reduce((x, y) => b.and(x, y))), meet(), b.if(s.get(hold), mine));
    });
    s.finish(ENTRY, b.seq(calls), ENTRY);
    b.finishConstantPool();
    const wasm = b.emitBinary();
    checkModule(wasm, features, `the module emitted for ${plan.program.steps.map((x) => x.node).join(', ')}`);
    // binaryen (optimizer, printer) only when asked for: the caller has loaded it (loadBinaryen).
    if (opts.optimize) b.optimize();
    return { wasm: opts.optimize ? b.emitBinary() : wasm, features, text: opts.text ? b.emitText() : undefined };
  } finally {
    b.dispose();
  }
}

/** Product of dims as an i32 expression (seq and batch from run's parameters). */
function count(b: Builder, dims: readonly Dim[], seq: () => Expr, batch: () => Expr): Expr {
  let fixed = 1;
  let e: Expr | null = null;
  for (const d of dims) {
    if (typeof d === 'number') fixed *= d;
    else {
      const v = d === 'seq' ? seq() : batch();
      e = e === null ? v : b.mul(e, v);
    }
  }
  return e === null ? b.i32(fixed) : b.muli(e, fixed);
}

/** The address of a constant a kernel reads at run time (one its `packs` lists has none). */
function constAddr(mem: ModelPlan['memory'], constant: number, plan: ModelPlan): number {
  const at = mem.constOffset[constant];
  if (at < 0) throw new InternalError(`constant '${plan.program.constants[constant].name}' is read at run time, but every step that reads it says it only packs it (packs); it has no place in memory`);
  return at;
}
