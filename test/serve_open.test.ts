/**
 * `rnnc serve` opens a file once and checks what it opened: it never sends bytes from outside the
 * served directory, even while a file or a directory in it is swapped for a symbolic link to the
 * outside between the open and the check, or while requests race such swaps.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startServer } from '../cli/commands/serve.js';
import { byDescriptor, byName, openServed, type Locate } from '../cli/commands/serve_open.js';
import type { SwapperData } from './serve_swapper.js';

const OUTSIDE = 'OUTSIDE-BYTES-MUST-NOT-BE-SERVED';
const INSIDE = 'inside bytes';

/**
 * A GET over a raw socket, returning every byte the server sent: an HTTP client would stop at
 * Content-Length and hide bytes sent past it (a file longer than the one that was measured).
 */
function get(base: string, rawPath: string): Promise<{ status: number; raw: string }> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(u.port), u.hostname, () => {
      socket.write(`GET ${rawPath} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    // A reset connection still hands over what came before it: those bytes are checked too.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(raw)?.[1] ?? 0), raw });
    });
  });
}

/** The site holds race.txt and racedir/f.txt; each has a parked twin: a link to the outside copy. */
async function makeSite(tmp: string): Promise<SwapperData['swaps']> {
  const site = path.join(tmp, 'site'), out = path.join(tmp, 'out');
  await mkdir(path.join(site, 'racedir'), { recursive: true });
  await mkdir(out);
  await writeFile(path.join(out, 'race.txt'), OUTSIDE);
  await writeFile(path.join(out, 'f.txt'), OUTSIDE);
  await writeFile(path.join(site, 'race.txt'), INSIDE);
  await writeFile(path.join(site, 'racedir', 'f.txt'), INSIDE);
  await symlink(path.join(out, 'race.txt'), path.join(tmp, 'race.txt.link'));
  await symlink(out, path.join(tmp, 'racedir.link'));
  return ['race.txt', 'racedir'].map((name) => ({
    served: path.join(site, name), real: path.join(tmp, `${name}.real`), link: path.join(tmp, `${name}.link`),
  }));
}

/** Ways to find where an opened file is: the descriptor's (Linux only) and the name's checked by inode. */
const LOCATORS: [string, Locate][] = [['byName', byName], ...(process.platform === 'linux' ? [['byDescriptor', byDescriptor] as [string, Locate]] : [])];

/**
 * A site whose x.txt is first a link to an outside file, and a locator that puts the real x.txt in
 * its place after the open and before the check: the name then says inside, the descriptor outside.
 */
async function swappedAfterOpen(tmp: string, locate: Locate): Promise<{ site: string; where: Locate }> {
  const site = path.join(tmp, 'site');
  await mkdir(site);
  await writeFile(path.join(tmp, 'secret.txt'), OUTSIDE);
  await writeFile(path.join(tmp, 'x.txt.real'), INSIDE);
  await symlink(path.join(tmp, 'secret.txt'), path.join(site, 'x.txt'));
  const where: Locate = async (handle, target) => {
    await rename(path.join(tmp, 'x.txt.real'), path.join(site, 'x.txt'));
    return locate(handle, target);
  };
  return { site, where };
}

for (const [name, locate] of LOCATORS) {
  test(`${name}: a file opened through a link to the outside is refused, though its name now points inside`, async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'rnnc-serve-open-'));
    try {
      const { site, where } = await swappedAfterOpen(tmp, locate);
      const opened = await openServed(site, ['x.txt'], where);
      if (opened) await opened.handle.close();
      assert.is(opened, null, `served ${opened?.real}`);
      assert.is(await readFile(path.join(site, 'x.txt'), 'utf8'), INSIDE, 'the swap happened');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
}

test('a file opened inside is served from its descriptor, whatever its name points to afterwards', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'rnnc-serve-open-'));
  try {
    const site = path.join(tmp, 'site');
    await mkdir(site);
    await writeFile(path.join(tmp, 'secret.txt'), OUTSIDE);
    await writeFile(path.join(site, 'x.txt'), INSIDE);
    await symlink(path.join(tmp, 'secret.txt'), path.join(tmp, 'x.txt.link'));
    const opened = await openServed(site, ['x.txt']);
    assert.ok(opened, 'x.txt opens');
    await rename(path.join(tmp, 'x.txt.link'), path.join(site, 'x.txt'));
    const bytes = await opened.handle.readFile('utf8');
    await opened.handle.close();
    assert.is(bytes, INSIDE);
    assert.is(opened.size, INSIDE.length);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('a symbolic link swapped in while requests race never leaks an outside byte', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'rnnc-serve-race-'));
  const swaps = await makeSite(tmp);
  const server = await startServer({ root: path.join(tmp, 'site'), port: 0 });
  const stop = new Int32Array(new SharedArrayBuffer(8));
  const data: SwapperData = { swaps, stop, maxSwaps: 2_000_000 };
  const swapper = new Worker(new URL('./serve_swapper.js', import.meta.url), { workerData: data });
  const exited = new Promise((resolve) => swapper.once('exit', resolve));
  const leaks: string[] = [];
  let served = 0;
  try {
    // A bounded number of requests, 8 at a time, over both names.
    for (let round = 0; round < 150; round++) {
      const paths = Array.from({ length: 8 }, (_, i) => (i % 2 ? '/race.txt' : '/racedir/f.txt'));
      for (const [i, r] of (await Promise.all(paths.map((p) => get(server.url, p)))).entries()) {
        if (r.raw.includes('OUTSIDE')) leaks.push(`${paths[i]}: ${JSON.stringify(r.raw.slice(-80))}`);
        if (r.status === 200 && r.raw.endsWith(`\r\n\r\n${INSIDE}`)) served++;
      }
    }
  } finally {
    Atomics.store(stop, 0, 1);
    await exited;
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  }
  assert.is(leaks.length, 0, `${leaks.length} of 1200 responses held outside bytes, e.g. ${leaks[0]}`);
  // The race must have been run: the links were swapped in, and some requests found the real entries.
  assert.ok(Atomics.load(stop, 1) > 0, 'the swapper never swapped');
  assert.ok(served > 0, 'no request found the real file: the test raced nothing');
});

test.run();
