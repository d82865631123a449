/**
 * Run by cache.test.ts as `node dist/test/cache_child.js DIR`, several at once: creates a session of
 * the cache test's model through the artifact cache in DIR, runs it, and prints its output as JSON.
 */
import { InferenceSession, Tensor } from '../api/node.js';
import { cacheModel, cacheFeeds } from './cache_model.js';

const dir = process.argv[2];
const session = await InferenceSession.create(cacheModel(), { cache: dir, workers: 1 });
const out = await session.run(cacheFeeds());
console.log(JSON.stringify([...(out.Y_h as Tensor).data as Float32Array]));
await session.release();
