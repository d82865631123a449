/**
 * `rnnc serve`: COOP/COEP on (and off with isolation: false), MIME types, 404s, no path escaping the
 * served directory (plain, encoded and through a symbolic link), no dotfile, the runtime bundle
 * under /rnnc/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, type ServeOptions, type Server } from '../cli/commands/serve.js';
import { hostAllowed } from '../cli/commands/serve_host.js';
import { InputError } from '../contract/errors.js';
import { assertCliError, rnnc } from './subprocess.js';

interface Got { status: number; headers: http.IncomingHttpHeaders; body: string }

/** A raw GET: the path goes out exactly as given (fetch would normalize `..` away). */
function get(base: string, rawPath: string, method = 'GET', headers: http.OutgoingHttpHeaders = {}): Promise<Got> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let dir = '', outside = '', server: Server, plain: Server;

test.before(async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'rnnc-serve-'));
  dir = path.join(tmp, 'site');
  outside = path.join(tmp, 'secret.txt');
  await mkdir(path.join(dir, 'model'), { recursive: true });
  await writeFile(outside, 'TOP-SECRET-CONTENT');
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(path.join(dir, 'main.js'), 'export {};');
  await writeFile(path.join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(path.join(dir, 'model', 'manifest.json'), '{}');
  await writeFile(path.join(dir, 'model', 'model.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  await writeFile(path.join(dir, 'model', 'weights.bin'), new Uint8Array(16));
  await symlink(outside, path.join(dir, 'link.txt'));
  await writeFile(path.join(dir, '.env'), 'DOTFILE-CONTENT');
  await mkdir(path.join(dir, '.git'));
  await writeFile(path.join(dir, '.git', 'config'), 'DOTFILE-CONTENT');
  await writeFile(path.join(dir, '.git', 'index.html'), 'DOTFILE-CONTENT');
  await writeFile(path.join(dir, 'model', '.hidden.json'), 'DOTFILE-CONTENT');
  await symlink('.env', path.join(dir, 'env.txt'));
  server = await startServer({ root: dir, port: 0 });
  plain = await startServer({ root: dir, port: 0, isolation: false });
});

test.after(async () => {
  await server.close();
  await plain.close();
  await rm(path.dirname(dir), { recursive: true, force: true });
});

test('listens on loopback by default, on the port asked (0: a free one)', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.is.not(server.url, plain.url);
});

test('MIME types: html, js, json, wasm, svg, octet-stream', async () => {
  const cases: [string, string][] = [
    ['/', 'text/html'], ['/index.html', 'text/html'], ['/main.js', 'text/javascript'],
    ['/model/manifest.json', 'application/json'], ['/model/model.wasm', 'application/wasm'],
    ['/icon.svg', 'image/svg+xml'], ['/model/weights.bin', 'application/octet-stream'],
  ];
  for (const [p, type] of cases) {
    const r = await get(server.url, p);
    assert.is(r.status, 200, p);
    assert.is(String(r.headers['content-type']).split(';')[0], type, p);
  }
  const wasm = await get(server.url, '/model/model.wasm');
  assert.is(wasm.headers['content-length'], '8');
});

test('COOP/COEP on every response, including 404s; none with isolation off', async () => {
  for (const p of ['/', '/model/model.wasm', '/missing.js']) {
    const r = await get(server.url, p);
    assert.is(r.headers['cross-origin-opener-policy'], 'same-origin', p);
    assert.is(r.headers['cross-origin-embedder-policy'], 'require-corp', p);
    const q = await get(plain.url, p);
    assert.is(q.headers['cross-origin-opener-policy'], undefined, p);
    assert.is(q.headers['cross-origin-embedder-policy'], undefined, p);
  }
});

test('404 for missing files; 405 for other methods; HEAD has no body', async () => {
  assert.is((await get(server.url, '/nope.html')).status, 404);
  assert.is((await get(server.url, '/model/nope.wasm')).status, 404);
  assert.is((await get(server.url, '/', 'POST')).status, 405);
  const head = await get(server.url, '/index.html', 'HEAD');
  assert.is(head.status, 200);
  assert.is(head.body, '');
});

test('no path escapes the directory: .., encoded .., backslashes, NUL, symbolic links', async () => {
  const name = path.basename(outside);
  for (const p of [`/../${name}`, `/model/../../${name}`, `/%2e%2e/${name}`, `/%2E%2E%2F${name}`, `/..%2f${name}`,
    `/model/..%5c..%5c${name}`, `/%00`, '/%zz', '/link.txt', '/model/%2e%2e/%2e%2e/secret.txt']) {
    const r = await get(server.url, p);
    assert.ok(r.status === 404 || r.status === 400, `${p}: status ${r.status}`);
    assert.not.match(r.body, 'TOP-SECRET-CONTENT', p);
  }
});

test('dotfiles and dot folders are not served, by name, encoded, or through a link', async () => {
  for (const p of ['/.env', '/%2eenv', '/%2Eenv', '/.git/config', '/.git/', '/.git', '/model/.hidden.json',
    '/model/%2ehidden.json', '/env.txt', '/./.env']) {
    const r = await get(server.url, p);
    assert.is(r.status, 404, p);
    assert.not.match(r.body, 'DOTFILE-CONTENT', p);
  }
  assert.is((await get(server.url, '/./index.html')).status, 200, 'a "." segment is no dotfile');
});

test('only loopback names are answered in Host, with any port (DNS rebinding gets 403)', async () => {
  const port = new URL(server.url).port;
  for (const host of [`127.0.0.1:${port}`, 'localhost', `LOCALHOST:${port}`, '[::1]:8080', '127.0.0.1']) {
    assert.is((await get(server.url, '/index.html', 'GET', { Host: host })).status, 200, host);
  }
  for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.nip.io',
    '10.0.0.5', '[::2]', 'localhost:80:80']) {
    const r = await get(server.url, '/index.html', 'GET', { Host: host });
    assert.is(r.status, 403, host);
    assert.not.match(r.body, '<title>', host);
    assert.match(r.body, '--host', host);
    assert.is(r.headers['cross-origin-opener-policy'], 'same-origin', host);
  }
});

test('the URL printed names the host given, so following it sends a Host that is answered', async () => {
  const named = await startServer({ root: dir, port: 0, host: 'localhost' });
  try {
    assert.match(named.url, /^http:\/\/localhost:\d+\/$/);
    assert.is((await get(named.url, '/index.html')).status, 200);
  } finally {
    await named.close();
  }
});

test('--host NAME adds NAME to the names answered; every interface answers IP addresses, never names', () => {
  const cases: [string, string, boolean][] = [
    ['devbox.lan:8080', 'devbox.lan', true], ['DEVBOX.LAN', 'devbox.lan', true], ['other.lan', 'devbox.lan', false],
    ['localhost:8080', 'devbox.lan', true], ['192.168.1.5:8080', '192.168.1.5', true], ['192.168.1.6', '192.168.1.5', false],
    ['192.168.1.6:8080', '0.0.0.0', true], ['[fe80::1]:8080', '::', true], ['evil.example', '0.0.0.0', false],
    ['[fe80::1]', '[fe80::1]', true], ['', '127.0.0.1', false],
  ];
  for (const [header, host, ok] of cases) assert.is(hostAllowed(header, host), ok, `Host ${header} on --host ${host}`);
  assert.is(hostAllowed(undefined, '127.0.0.1'), false, 'no Host header');
});

test('rnnc serve --help documents --host and the Host check', async () => {
  const r = await rnnc(['serve', '--help']);
  assert.is(r.code, 0, r.stderr);
  const help = r.stdout.replace(/\s+/g, ' ');
  assert.match(help, '--host <name>');
  assert.match(help, 'localhost, 127.0.0.1 and [::1] that requests may carry as Host');
});

/** The error startServer rejects with; listening is a failure of the test. */
async function listenError(o: ServeOptions): Promise<Error> {
  const s = await startServer(o).catch((e: Error) => e);
  if (!(s instanceof Error)) await s.close();
  assert.instance(s, Error, `listened on ${'url' in s ? s.url : ''}`);
  return s as Error;
}

test('a busy port is an InputError naming the port and --port', async () => {
  const port = Number(new URL(server.url).port);
  const e = await listenError({ root: dir, port });
  assert.instance(e, InputError);
  assert.match(e.message, `port ${port} on 127.0.0.1 is in use`);
  assert.match(e.message, '--port');
});

test('rnnc serve on a busy port exits non-zero with one rnnc error line, no stack', async () => {
  const port = new URL(server.url).port;
  assertCliError(await rnnc(['serve', dir, '--port', port, '-q']), 'InputError', `port ${port}`, '--port');
});

test('--host that is no address of this machine is an InputError naming --host', async () => {
  const e = await listenError({ root: dir, port: 0, host: '192.0.2.1' });
  assert.instance(e, InputError);
  assert.match(e.message, '--host 192.0.2.1');
});

test('the browser runtime is served under /rnnc/', async () => {
  const r = await get(server.url, '/rnnc/rnnc.js');
  assert.is(r.status, 200, 'dist/browser/rnnc.js (npm run build:browser)');
  assert.is(String(r.headers['content-type']).split(';')[0], 'text/javascript');
  assert.is((await get(server.url, '/rnnc/rnnc-worker.js')).status, 200);
  assert.is((await get(server.url, '/rnnc/../cli/cli.js')).status, 404);
  assert.is((await get(server.url, '/rnnc/%2e%2e/cli/cli.js')).status, 404);
});

test.run();
