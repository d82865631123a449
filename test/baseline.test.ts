/**
 * The AssemblyScript baseline kernels (kernels/build/rnn.wasm via kernels/baseline.ts) against the
 * float64 reference: random default-activation descriptors over every cell, direction and layout,
 * explicit feature cases, SIMD tail sizes, and the glue's error and re-use behaviour.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCell, activation, type CellDescriptor, type CellDescriptorInit } from '../compiler/cells/descriptor.js';
import { InputError, UnsupportedError } from '../contract/errors.js';
import { BaselineKernel, type BaselineInputs, type BaselineOutputs } from '../bench/baseline.js';
import { referenceRnn, type ReferenceInputs } from './reference.js';
import { mulberry32, randInt, randomDescriptor, randomInputs, type Rng } from './random.js';

const TOLERANCE = 1e-5;
let kernel: BaselineKernel;

test.before(async () => {
  kernel = await BaselineKernel.load();
});

function f32(a: ArrayLike<number> | null | undefined): Float32Array | null {
  if (a == null) return null;
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

function toBaseline(inp: ReferenceInputs): BaselineInputs {
  return {
    X: f32(inp.X)!,
    W: f32(inp.W)!,
    R: f32(inp.R)!,
    B: f32(inp.B),
    P: f32(inp.P),
    sequenceLens: inp.sequenceLens ? Int32Array.from(inp.sequenceLens) : null,
    initialH: f32(inp.initialH),
    initialC: f32(inp.initialC),
    seqLength: inp.seqLength,
    batch: inp.batch,
  };
}

function maxAbsDiff(what: string, got: ArrayLike<number> | null, want: ArrayLike<number> | null): number {
  if (got === null || want === null) {
    assert.is(got === null, want === null, `${what}: present in one output only`);
    return 0;
  }
  assert.is(got.length, want.length, `${what}: length`);
  let m = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}

/** Runs `d` on `inp` through the baseline and the reference; fails with the case named on mismatch. */
function check(d: CellDescriptor, inp: ReferenceInputs, label: string, out?: BaselineOutputs): void {
  const got = out ?? kernel.run(d, toBaseline(inp));
  const want = referenceRnn(d, inp);
  const err = Math.max(
    maxAbsDiff('Y', got.Y, want.Y), maxAbsDiff('Y_h', got.Y_h, want.Y_h), maxAbsDiff('Y_c', got.Y_c, want.Y_c),
  );
  const lens = inp.sequenceLens ? ` lens=[${Array.from(inp.sequenceLens).join(',')}]` : '';
  assert.ok(err <= TOLERANCE, `${label}: max abs error ${err} > ${TOLERANCE} for ${JSON.stringify(d)} T=${inp.seqLength} B=${inp.batch}${lens}`);
}

function randomCase(rng: Rng, d: CellDescriptor, maxT = 12): ReferenceInputs {
  return randomInputs(rng, d, randInt(rng, 1, maxT), randInt(rng, 1, d.maxBatch));
}

for (const cell of ['lstm', 'gru', 'rnn'] as const) {
  for (const direction of ['forward', 'reverse', 'bidirectional'] as const) {
    for (const layout of [0, 1] as const) {
      test(`random ${cell} ${direction} layout ${layout} matches the reference`, () => {
        const rng = mulberry32(0xba5e + cell.length * 131 + direction.length * 17 + layout);
        for (let n = 0; n < 12; n++) {
          const d = randomDescriptor(rng, { cell, direction, layout, customActivations: 0 });
          check(d, randomCase(rng, d), `case ${n}`);
        }
      });
    }
  }
}

function cellCase(init: CellDescriptorInit, T: number, batch: number, seed: number, label: string): void {
  const d = describeCell(init);
  check(d, randomInputs(mulberry32(seed), d, T, batch), label);
}

test('every feature toggle, one at a time and together', () => {
  const base = { inputSize: 13, hiddenSize: 11, maxBatch: 4, direction: 'bidirectional' } as const;
  const toggles: Partial<CellDescriptorInit>[] = [
    {}, { clip: 0.3 }, { hasSequenceLens: true }, { hasInitialH: true }, { layout: 1 },
  ];
  let seed = 1;
  for (const t of toggles) {
    cellCase({ ...base, ...t, cell: 'rnn' }, 7, 3, seed++, `rnn ${JSON.stringify(t)}`);
    for (const lbr of [false, true]) {
      cellCase({ ...base, ...t, cell: 'gru', linearBeforeReset: lbr }, 7, 3, seed++, `gru lbr=${lbr} ${JSON.stringify(t)}`);
    }
    for (const lstm of [{}, { hasPeepholes: true }, { inputForget: true }, { hasInitialC: true },
      { hasPeepholes: true, inputForget: true, hasInitialH: true, hasInitialC: true }]) {
      cellCase({ ...base, ...t, ...lstm, cell: 'lstm' }, 7, 3, seed++, `lstm ${JSON.stringify({ ...t, ...lstm })}`);
    }
  }
  cellCase({ ...base, cell: 'gru', linearBeforeReset: true, clip: 0.2, hasSequenceLens: true, hasInitialH: true, layout: 1 },
    9, 4, seed++, 'gru everything');
  cellCase({ ...base, cell: 'lstm', clip: 0.25, hasPeepholes: true, hasSequenceLens: true, hasInitialH: true, hasInitialC: true, layout: 1 },
    9, 4, seed++, 'lstm everything');
});

test('sizes around the SIMD widths (dot tails of 0..7 floats)', () => {
  let seed = 100;
  for (const I of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 33]) {
    for (const H of [1, 3, 4, 8, 9]) {
      for (const cell of ['lstm', 'gru', 'rnn'] as const) {
        cellCase({ cell, inputSize: I, hiddenSize: H, maxBatch: 2, direction: 'forward' }, 3, 2, seed++, `${cell} I=${I} H=${H}`);
      }
    }
  }
});

test('larger shapes, longer sequences, batch up to 10', () => {
  cellCase({ cell: 'lstm', inputSize: 67, hiddenSize: 45, maxBatch: 10, direction: 'bidirectional', hasPeepholes: true }, 40, 10, 7, 'lstm 67x45');
  cellCase({ cell: 'gru', inputSize: 64, hiddenSize: 128, maxBatch: 3, linearBeforeReset: true }, 30, 3, 8, 'gru 64x128');
  cellCase({ cell: 'gru', inputSize: 50, hiddenSize: 70, maxBatch: 5, direction: 'reverse', hasSequenceLens: true }, 25, 5, 9, 'gru 50x70');
  cellCase({ cell: 'rnn', inputSize: 129, hiddenSize: 100, maxBatch: 6, hasSequenceLens: true, layout: 1 }, 30, 6, 10, 'rnn 129x100');
});

test('sequence_lens with zero and full lengths keeps initial state and zeroes Y', () => {
  const d = describeCell({ cell: 'lstm', inputSize: 5, hiddenSize: 6, maxBatch: 4, direction: 'bidirectional',
    hasSequenceLens: true, hasInitialH: true, hasInitialC: true });
  const inp = randomInputs(mulberry32(42), d, 6, 4);
  inp.sequenceLens = Int32Array.from([0, 6, 1, 3]);
  check(d, inp, 'lens 0,6,1,3');
});

test('prepare once, run many: repeatable, and re-placed after another node ran', () => {
  const a = describeCell({ cell: 'lstm', inputSize: 9, hiddenSize: 10, maxBatch: 2, hasInitialH: true });
  const b = describeCell({ cell: 'gru', inputSize: 30, hiddenSize: 20, maxBatch: 3, direction: 'bidirectional' });
  const ia = randomInputs(mulberry32(1), a, 5, 2);
  const ib = randomInputs(mulberry32(2), b, 8, 3);
  const pa = kernel.prepare(a, toBaseline(ia));
  const first = kernel.runPrepared(pa, toBaseline(ia));
  check(a, ia, 'first', first);
  check(a, ia, 'second', kernel.runPrepared(pa, toBaseline(ia)));
  pa.execute();
  check(a, ia, 'execute again', pa.readOutputs());
  check(b, ib, 'other node');
  assert.throws(() => pa.readOutputs(), (e: unknown) => e instanceof InputError);
  pa.execute(); // inputs are placed again
  check(a, ia, 'after other node', pa.readOutputs());
  check(a, ia, 'runPrepared after other node', kernel.runPrepared(pa, toBaseline(ia)));
});

test('non-default activations are refused with UnsupportedError', () => {
  const d = describeCell({ cell: 'gru', inputSize: 3, hiddenSize: 4, activations: [activation('Sigmoid'), activation('Relu')] });
  assert.match(BaselineKernel.supports(d) ?? '', /Relu/);
  assert.is(BaselineKernel.supports(describeCell({ cell: 'lstm', inputSize: 3, hiddenSize: 4, direction: 'bidirectional' })), null);
  const inp = toBaseline(randomInputs(mulberry32(3), d, 2, 1));
  assert.throws(() => kernel.run(d, inp), (e: unknown) => e instanceof UnsupportedError);
});

test('malformed inputs are refused with InputError', () => {
  const d = describeCell({ cell: 'rnn', inputSize: 3, hiddenSize: 4, maxBatch: 2 });
  const good = toBaseline(randomInputs(mulberry32(4), d, 2, 2));
  const isInputError = (e: unknown) => e instanceof InputError;
  assert.throws(() => kernel.run(d, { ...good, W: good.W.subarray(1) }), isInputError);
  assert.throws(() => kernel.run(d, { ...good, X: good.X.subarray(1) }), isInputError);
  assert.throws(() => kernel.run(d, { ...good, batch: 3 }), isInputError);
  assert.throws(() => kernel.run(d, { ...good, sequenceLens: Int32Array.from([1, 3]) }), isInputError);
  assert.throws(() => kernel.run(d, { ...good, initialC: new Float32Array(8) }), isInputError);
});

test.run();
