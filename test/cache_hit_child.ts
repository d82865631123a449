/**
 * Run by cache_hit.test.ts as `node [flags] dist/test/cache_hit_child.js CACHE MODEL FEEDS`: creates a
 * session of the ONNX file MODEL through the artifact cache in CACHE, runs it on FEEDS (JSON of
 * `{ name: [type, dims, values] }`) and prints every output's values as JSON. It imports only the
 * package's entry, so under hide_compiler.ts's flags it runs only from what the cache holds.
 */
import { InferenceSession, Tensor } from '../api/node.js';

const [cache, model, given] = process.argv.slice(2);
const feeds = Object.fromEntries(Object.entries(JSON.parse(given) as Record<string, ['float32' | 'int64', number[], number[]]>).map(([name, [type, dims, values]]) =>
  [name, type === 'int64' ? new Tensor('int64', BigInt64Array.from(values, BigInt), dims) : new Tensor('float32', Float32Array.from(values), dims)]));
const session = await InferenceSession.create(model, { cache, workers: 1 });
const out = await session.run(feeds);
console.log(JSON.stringify(Object.fromEntries(Object.entries(out).map(([name, t]) => [name, [...(t as Tensor).data as Float32Array]]))));
await session.release();
