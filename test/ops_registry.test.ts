/**
 * The op registry (compiler/ops/index.ts): every op module in the folder is listed, each ONNX op and
 * step kind has one module, and every step kind a module lowers to has a kernel with a float64
 * interpretation. The "what rnnc compiles" list is made from it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OPS, nodeRules, stepKernel, supportedSummary } from '../compiler/ops/index.js';
import type { OpModule } from '../compiler/ops/types.js';
import { REPO_ROOT } from './paths.js';

const isModule = (v: unknown): v is OpModule => !!v && typeof v === 'object' && 'summary' in v && ('nodes' in v || 'steps' in v);

test('every op module in compiler/ops is in the registry', async () => {
  const dir = path.join(REPO_ROOT, 'dist', 'compiler', 'ops');
  const listed = new Set<unknown>(OPS);
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const exports = await import(pathToFileURL(path.join(dir, file)).href);
    for (const [name, v] of Object.entries(exports)) {
      if (isModule(v)) assert.ok(listed.has(v), `${file} exports the op module '${name}', which ops/index.ts does not list`);
    }
  }
});

test('each ONNX op and step kind resolves to its module; every step kind has an interpretation', () => {
  for (const m of OPS) {
    for (const [op, rules] of Object.entries(m.nodes ?? {})) assert.is(nodeRules(op), rules, op);
    for (const [kind, kernel] of Object.entries(m.steps ?? {})) {
      assert.is(stepKernel(kind), kernel, kind);
      assert.type(kernel.interpret, 'function', `${kind} has a float64 interpretation`);
      assert.type(kernel.emit, 'function', `${kind} has an emitter`);
    }
  }
  assert.is(nodeRules('ConvTranspose'), undefined);
  assert.throws(() => stepKernel('nope'), /step kind 'nope'/);
});

test('the supported-ops list is the registry\'s', () => {
  const text = supportedSummary();
  for (const m of OPS) if (m.summary) assert.ok(text.includes(m.summary), `the list names ${m.summary}`);
  assert.ok(text.startsWith('rnnc compiles LSTM, GRU, RNN'), text);
});

test.run();
