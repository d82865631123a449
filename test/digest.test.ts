/**
 * fileDigest (contract/artifact_digest.ts) hashes large files in WebAssembly (contract/digest_wasm.ts)
 * and small ones in JS: both loops must give the same digest for every length, alignment and byte.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileDigest, setPairLoop } from '../contract/artifact_digest.js';
import { pairLanes } from '../contract/digest_wasm.js';
import { mulberry32 } from './random.js';

setPairLoop(pairLanes); // as Node's runtime sets it

function bothWays(bytes: Uint8Array): [string, string] {
  setPairLoop(null);
  try {
    const js = fileDigest(bytes);
    setPairLoop(pairLanes);
    return [js, fileDigest(bytes)];
  } finally {
    setPairLoop(pairLanes);
  }
}

test('the WebAssembly loop gives the JS loop\'s digest: lengths around its threshold and past a page, offsets 0..3', () => {
  const rng = mulberry32(17);
  const data = Uint8Array.from({ length: 300_000 }, () => Math.floor(rng() * 256));
  for (const length of [65_532, 65_535, 65_536, 65_537, 65_543, 131_072 - 16, 131_072 + 5, 299_990]) {
    for (const offset of [0, 1, 2, 3]) {
      const [js, wasm] = bothWays(data.subarray(offset, offset + length));
      assert.is(wasm, js, `length ${length} at offset ${offset}`);
    }
  }
});

test('one changed word anywhere in a large file changes its digest, in either loop', () => {
  const rng = mulberry32(18);
  const data = Uint8Array.from({ length: 1 << 20 }, () => Math.floor(rng() * 256));
  const base = fileDigest(data);
  for (const at of [0, 4, 1000, (1 << 20) - 8, (1 << 20) - 1]) {
    const changed = data.slice();
    changed[at] ^= 0x10;
    const [js, wasm] = bothWays(changed);
    assert.is(wasm, js);
    assert.is.not(wasm, base, `a flipped bit at byte ${at}`);
  }
});

test('the WebAssembly loop runs here, and the digest of a known input is the one the JS loop always gave', () => {
  const words = Int32Array.from({ length: 1 << 14 }, (_, i) => i * 7919);
  assert.ok(pairLanes(words, words.length, [1, 2, 3, 4]) !== null, 'this engine runs the WebAssembly loop');
  // Computed by the JS loop alone (the format artifacts record): a changed loop would break every artifact's digests.
  const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) & 0xff);
  assert.is(fileDigest(bytes), '8281040913598dc2');
  // And fileDigest does hand a large file to the pair loop.
  setPairLoop(() => [0, 0, 0, 0]);
  try {
    assert.is.not(fileDigest(bytes), '8281040913598dc2');
  } finally {
    setPairLoop(pairLanes);
  }
});

test.run();
