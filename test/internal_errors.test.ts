/**
 * A failure inside a pass that is not one of rnnc's errors (a TypeError, a RangeError) is a bug in
 * rnnc: the caller gets an InternalError naming the node or step being processed, never a plain JS
 * error and never one blaming the model. Each test breaks one op module's hook for its duration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileModel } from '../compiler/index.js';
import { lowerModel } from '../compiler/frontend/index.js';
import { nodeRules, stepKernel } from '../compiler/ops/index.js';
import { InternalError, ModelError } from '../contract/errors.js';
import { GraphBuilder } from './graph_builder.js';
import { throws } from './throws.js';

/** X -> Relu 'r' -> GRU 'gru' -> Y_h. */
function model(): Uint8Array {
  const g = new GraphBuilder();
  const r = g.node('Relu', [g.input('X', ['seq', 'batch', 2])], [], { name: 'r' });
  const [, h] = g.rnn('GRU', r, 3, 2, { name: 'gru' });
  g.output(h);
  return g.encode();
}

/** Replaces `obj[key]` with `broken` while `f` runs. */
function breaking<T extends object, K extends keyof T>(obj: T, key: K, broken: T[K], f: () => void): void {
  const kept = obj[key];
  obj[key] = broken;
  try {
    f();
  } finally {
    obj[key] = kept;
  }
}

const typeError = () => {
  throw new TypeError("Cannot read properties of undefined (reading 'c')");
};

test('a TypeError in a shape rule is an InternalError naming the node', () => {
  breaking(nodeRules('Relu')!, 'infer', typeError, () => {
    const e = throws(() => lowerModel(model()), InternalError, "Relu (node 'r')", 'TypeError', 'a bug in rnnc');
    assert.ok(e.cause instanceof TypeError, 'the original error is kept as the cause');
  });
});

test('a RangeError in an axis trace or a lowering is an InternalError naming the node', () => {
  const overflow = () => {
    throw new RangeError('Maximum call stack size exceeded');
  };
  breaking(nodeRules('Relu')!, 'trace', overflow, () => {
    throws(() => lowerModel(model()), InternalError, "Relu (node 'r')", 'Maximum call stack size exceeded');
  });
  breaking(nodeRules('Relu')!, 'lower', overflow, () => {
    throws(() => lowerModel(model()), InternalError, "Relu (node 'r')", 'RangeError');
  });
});

test('a plain error while planning or emitting a step is an InternalError naming the step and its node', () => {
  breaking(stepKernel('relu'), 'emit', typeError, () => {
    throws(() => compileModel(model()), InternalError, "step #0 (relu of node 'r')", 'TypeError');
  });
  breaking(stepKernel('rnn'), 'plan', typeError, () => {
    throws(() => compileModel(model()), InternalError, "step #1 (rnn of node 'gru')", 'TypeError');
  });
});

test("rnnc's own errors pass through the wrapping unchanged", () => {
  breaking(nodeRules('Relu')!, 'infer', () => {
    throw new ModelError("Relu (node 'r'): made up for the test");
  }, () => {
    const e = throws(() => lowerModel(model()), ModelError, 'made up for the test');
    assert.not.ok(e instanceof InternalError);
  });
});

test.run();
