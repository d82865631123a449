/**
 * One table of broken or hostile models, each built in memory, each of which must be refused at
 * compile time with one of rnnc's error classes naming the node or tensor at fault: never a plain JS
 * error, never a compile that succeeds and then fails (or silently computes garbage) at run time.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel } from '../compiler/index.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { DataType, onnx } from '../compiler/onnx/proto.js';
import { packWeights } from '../contract/layout.js';
import { InternalError, ModelError, RnncError, UnsupportedError } from '../contract/errors.js';
import { makePlan } from '../compiler/plan/cell.js';
import { placeCell } from '../compiler/plan/place.js';
import { describeCell } from '../compiler/cells/descriptor.js';
import { encodeModel, makeFeed, rnnSpec, valueInfo } from './onnx_builder.js';
import { GraphBuilder, attr } from './graph_builder.js';
import { throws } from './throws.js';

interface Case {
  readonly name: string;
  readonly bytes: () => Uint8Array;
  // eslint-disable-next-line @typescript-eslint/ban-types
  readonly error: Function;
  readonly parts: readonly string[];
}

/** rnnSpec's GRU (H 3, I 2, node 'cell') with W, R and B fed as graph inputs, then `edit`. */
function fedGru(edit: (s: ReturnType<typeof rnnSpec>) => void): Uint8Array {
  const s = rnnSpec('GRU');
  makeFeed(s, 'W', [1, 9, 2]);
  makeFeed(s, 'R', [1, 9, 3]);
  makeFeed(s, 'B', [1, 18]);
  edit(s);
  return encodeModel(s);
}

/** rewire input `slot` of the node to `to`, dropping the graph input it read. */
const rewire = (s: ReturnType<typeof rnnSpec>, slot: number, to: string) => {
  const was = s.node.input[slot];
  s.node.input[slot] = to;
  s.inputs = s.inputs.filter((i) => i.name !== was);
  s.initializers = s.initializers.filter((t) => t.name !== was);
};

/** A GRU 'gru' on X [seq, batch, 2], its Y_h through `after` to the output. */
function around(after: (g: GraphBuilder, h: string) => string): Uint8Array {
  const g = new GraphBuilder();
  g.input('X', ['seq', 'batch', 2]);
  const [, h] = g.rnn('GRU', 'X', 3, 2, { name: 'gru' });
  g.output(after(g, h));
  return g.encode();
}

const CASES: Case[] = [
  {
    name: 'W wired to X, every weight fed',
    bytes: () => fedGru((s) => rewire(s, 1, 'X')),
    error: ModelError, parts: ["input W ('X') of node 'cell'", '[seq, batch, 2]', 'fixed dims'],
  },
  {
    name: 'W wired to X, R and B initializers',
    bytes: () => { const s = rnnSpec('GRU'); rewire(s, 1, 'X'); return encodeModel(s); },
    error: ModelError, parts: ["input W ('X') of node 'cell'", 'fixed dims'],
  },
  {
    name: 'R wired to a fed initial_h',
    bytes: () => fedGru((s) => {
      s.inputs.push(valueInfo('h0', [1, 'batch', 3]));
      s.node.input.push('', 'h0');
      rewire(s, 2, 'h0');
    }),
    error: ModelError, parts: ["input R ('h0') of node 'cell'", 'fixed dims'],
  },
  {
    name: 'a fed W of the wrong dims',
    bytes: () => fedGru((s) => { s.inputs.find((i) => i.name === 'W')!.type!.tensorType!.shape!.dim![1] = { dimValue: 8 }; }),
    error: ModelError, parts: ["input W ('W') of node 'cell'", '3*hidden_size=9'],
  },
  {
    name: 'an initializer declaring 2^40 elements over 8 bytes',
    bytes: () => {
      const m = onnx.ModelProto.decode(around((g, h) => g.node('Add', [h, 'huge'])));
      m.graph!.initializer!.push({ name: 'huge', dims: [2 ** 30, 2 ** 10], dataType: DataType.FLOAT, rawData: new Uint8Array(8) });
      return onnx.ModelProto.encode(m).finish();
    },
    error: ModelError, parts: ["initializer 'huge'", 'raw_data holds 8 bytes'],
  },
  {
    name: 'Slice axes as a float constant',
    bytes: () => around((g, h) => g.node('Slice', [h, g.constInts([0]), g.constInts([1]), g.constFloats([1.5])], [], { name: 's' })),
    error: ModelError, parts: ["Slice (node 's')", 'integer tensor'],
  },
  {
    name: 'Softmax after an Unsqueeze of float axes',
    bytes: () => around((g, h) => g.node('Softmax', [g.node('Unsqueeze', [h, g.constFloats([0.5])], [], { name: 'u' })])),
    error: ModelError, parts: ["Unsqueeze (node 'u')", 'integer tensor'],
  },
  {
    name: 'a Range of 2^40 elements',
    bytes: () => around((g, h) => g.node('Add', [h, g.node('Cast', [g.node('Range', [g.constInts([0], []), g.constInts([2 ** 40], []), g.constInts([1], [])], [], { name: 'rg' })], [attr.int('to', DataType.FLOAT)])])),
    error: UnsupportedError, parts: ["Range (node 'rg')", 'at most'],
  },
  {
    name: 'a cycle through the RNN',
    bytes: () => {
      const g = new GraphBuilder();
      g.input('X', ['seq', 'batch', 2]);
      g.nodes.push({ name: 'loop', opType: 'Add', input: ['X', 'back'], output: ['x2'] });
      const [, h] = g.rnn('GRU', 'x2', 3, 2, { name: 'gru' });
      g.nodes.push({ name: 'back', opType: 'Identity', input: [h], output: ['back'] });
      g.output(h);
      return g.encode();
    },
    error: ModelError, parts: ['cycle', "node 'loop'"],
  },
  {
    name: 'truncated bytes',
    bytes: () => around((_g, h) => h).slice(0, 40),
    error: ModelError, parts: ['not an ONNX model'],
  },
];

for (const c of CASES) {
  test(`refused at compile time with ${(c.error as { name: string }).name}: ${c.name}`, () => {
    const e = throws(() => lowerModel(c.bytes(), { source: 'bad.onnx' }), c.error, ...c.parts);
    assert.ok(e instanceof RnncError && !(e instanceof InternalError), `${e.name} is an rnnc error about the model`);
  });
}

test('an RNN whose packed weights pass the 2 GiB a module addresses is refused, not laid out at wrapped offsets', () => {
  // hidden_size 65536 with fed weights: a small file, 100 GB of packed weights (offsets wrapped to small numbers).
  const s = rnnSpec('GRU', 1, 1);
  const H = 65536;
  s.node.attribute = [attr.int('hidden_size', H)];
  makeFeed(s, 'W', [1, 3 * H, 1]);
  makeFeed(s, 'R', [1, 3 * H, H]);
  makeFeed(s, 'B', [1, 6 * H]);
  s.outputs = [valueInfo('Y_h', [1, 'batch', H])];
  throws(() => compileModel(encodeModel(s), { source: 'big.onnx' }), UnsupportedError, "step #0 (rnn of node 'cell')", 'at most 2147483648');
});

test('packWeights given weights that do not fit the layout throws InternalError (rnnc checked the dims), not RangeError', () => {
  const d = describeCell({ cell: 'gru', inputSize: 2, hiddenSize: 3 });
  const layout = placeCell(makePlan(d), 1024, 'k').layout;
  const mem = new Float32Array(layout.staticEnd / 4);
  const W = new Float32Array(10), R = new Float32Array(27);
  throws(() => packWeights(layout, { W, R, B: null, P: null }, mem), InternalError, 'W has 10 elements', 'needs 18');
});

test.run();
