/**
 * The front end's cost grows with the graph, not with its square: a long chain of Identity nodes
 * (exporters emit them by the thousand) loads and compiles. No clock is read: the test counts the
 * values the loader's map and set walks visit, which a walk of everything defined so far at every
 * node multiplies by the node count.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel } from '../compiler/index.js';
import { loadGraph } from '../compiler/frontend/load.js';
import { GraphBuilder } from './graph_builder.js';

const NODES = 20_000;

function identityChain(n: number): Uint8Array {
  const g = new GraphBuilder();
  let x = g.input('x', ['seq', 1, 4]);
  for (let i = 0; i < n; i++) x = g.node('Identity', [x]);
  let [y] = g.rnn('LSTM', x, 8, 4);
  for (let i = 0; i < n; i++) y = g.node('Identity', [y]);
  g.output(y, null);
  return g.encode();
}

/** Runs `f`, returning the total size of the maps and sets it walked (values, keys, entries, for-of). */
function walked(f: () => void): number {
  let visited = 0;
  const protos = [Map.prototype, Set.prototype] as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>[];
  const names: PropertyKey[] = ['values', 'keys', 'entries', Symbol.iterator];
  const saved = protos.map((p) => names.map((k) => p[k]));
  protos.forEach((p) => names.forEach((k, j) => {
    const original = saved[protos.indexOf(p)][j];
    p[k] = function (this: Map<unknown, unknown> | Set<unknown>, ...a: unknown[]) {
      visited += this.size;
      return original.apply(this, a);
    };
  }));
  try {
    f();
  } finally {
    protos.forEach((p, i) => names.forEach((k, j) => { p[k] = saved[i][j]; }));
  }
  return visited;
}

const chain = identityChain(NODES);

test('loading a chain of Identity nodes walks each value a bounded number of times, not once per later node', () => {
  const nodes = 2 * NODES + 1;
  const visited = walked(() => loadGraph(chain, 'chain'));
  // Quadratic was about nodes^2 / 2 (8e8 here); linear work stays within a few visits per node.
  assert.ok(visited < 20 * nodes, `loading ${nodes} nodes walked ${visited} map and set entries`);
});

test(`a model with ${2 * NODES} Identity nodes around its LSTM compiles, on one worker and on several`, () => {
  for (const threads of [false, true]) {
    const { artifact } = compileModel(chain, { threads });
    assert.ok(artifact.wasm instanceof Uint8Array && artifact.wasm.length > 0);
    assert.is(!!artifact.wasmThreads, threads);
  }
});

test.run();
