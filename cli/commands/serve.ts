/**
 * `rnnc serve DIR`: a static dev server for pages that load rnnc artifacts. It sends the headers that
 * make a page cross-origin isolated (COOP/COEP, so workers get shared memory; `--no-isolation` drops
 * them), the right MIME types (application/wasm lets WebAssembly.compileStreaming work), never a file
 * outside DIR, and this rnnc's browser runtime under /rnnc/ (rnnc.js, rnnc-worker.js).
 */
import { stat } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../contract/errors.js';
import { hostAllowed, isLoopback } from './serve_host.js';
import { openServed, requestParts, type OpenedFile } from './serve_open.js';

export interface ServeOptions {
  /** Directory to serve. */
  readonly root: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /**
   * Address or name to listen on (default 127.0.0.1: this machine only), and the one name besides
   * localhost, 127.0.0.1 and [::1] that requests may carry in their Host header.
   */
  readonly host?: string;
  /** Send COOP/COEP (default true). */
  readonly isolation?: boolean;
  /** Called once per request, after the response (for logging). */
  readonly log?: (method: string, url: string, status: number) => void;
}

export interface Server {
  /** Base URL, e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  close(): Promise<void>;
}

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wat': 'text/plain; charset=utf-8',
};

/** MIME type of a file name; anything unknown (weights.bin, .onnx, .npy) is application/octet-stream. */
export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Where the browser bundle is built (dist/browser), relative to this file in dist/cli/commands. */
const RUNTIME_DIR = fileURLToPath(new URL('../../browser', import.meta.url));
const RUNTIME_PREFIX = '/rnnc/';

/** Starts the server; resolves once it listens. */
export async function startServer(o: ServeOptions): Promise<Server> {
  const root = path.resolve(o.root);
  if (!(await stat(root).catch(() => null))?.isDirectory()) throw new InputError(`rnnc serve: ${o.root} is not a directory`);
  const isolation = o.isolation ?? true;
  const listenOn = o.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e: Error) => send(res, 500, `internal error: ${e.message}`));
  });

  function send(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
    if (!res.headersSent) res.writeHead(status, { ...common(), 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(`${text}\n`);
  }

  function common(): Record<string, string> {
    const h: Record<string, string> = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    if (isolation) {
      h['Cross-Origin-Opener-Policy'] = 'same-origin';
      h['Cross-Origin-Embedder-Policy'] = 'require-corp';
      h['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    return h;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    res.on('finish', () => o.log?.(req.method ?? '?', req.url ?? '?', res.statusCode));
    if (!hostAllowed(req.headers.host, listenOn)) {
      const also = isLoopback(listenOn) ? '' : `, ${listenOn}`;
      return send(res, 403, `host not allowed: ${req.headers.host ?? '(no Host header)'} (rnnc serve answers Host localhost, 127.0.0.1, [::1]${also}; start it with --host NAME to answer NAME)`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
    const urlPath = (req.url ?? '/').split(/[?#]/)[0];
    if (!urlPath.startsWith('/')) return send(res, 400, 'bad request');
    const runtime = urlPath.startsWith(RUNTIME_PREFIX);
    const parts = requestParts(runtime ? urlPath.slice(RUNTIME_PREFIX.length) : urlPath);
    const file = parts && await openServed(runtime ? RUNTIME_DIR : root, parts);
    if (!file) return send(res, 404, runtime ? `not found: ${urlPath} (the browser runtime is built by npm run build)` : `not found: ${urlPath}`);
    await sendFile(req, res, file);
  }

  /** Sends the opened file, `size` bytes of it at most (the Content-Length told), then closes it. */
  async function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: OpenedFile) {
    res.writeHead(200, { ...common(), 'Content-Type': mimeType(file.real), 'Content-Length': String(file.size) });
    if (req.method === 'HEAD' || file.size === 0) {
      await file.handle.close();
      return void res.end();
    }
    // The read stream owns the descriptor from here: it closes it when done or destroyed.
    await pipeline(file.handle.createReadStream({ start: 0, end: file.size - 1 }), res).catch(() => res.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, o.port, listenOn)));
    server.listen(o.port, listenOn, () => resolve());
  });
  // The URL names the host as given, so that a browser following it sends a Host the server answers.
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${net.isIPv6(listenOn) ? `[${listenOn}]` : listenOn}:${port}/`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** Why the server could not listen, as an error naming the flag to change; anything else as it came. */
function listenError(e: NodeJS.ErrnoException, port: number, host: string): Error {
  switch (e.code) {
    case 'EADDRINUSE':
      return new InputError(`rnnc serve: port ${port} on ${host} is in use (by another server?); pick another with --port N, or --port 0 for any free port`);
    case 'EACCES':
      return new InputError(`rnnc serve: not allowed to listen on port ${port} (ports below 1024 need privileges); pick another with --port N`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new InputError(`rnnc serve: cannot listen on --host ${host}: it is not an address or name of this machine (${e.code})`);
    default:
      return e;
  }
}

export interface ServeFlags {
  port: number;
  host: string;
  isolation: boolean;
  quiet?: boolean;
}

/** The command: serves until interrupted. */
export async function serveCommand(dir: string, f: ServeFlags): Promise<void> {
  const s = await startServer({
    root: dir, port: f.port, host: f.host, isolation: f.isolation,
    log: f.quiet ? undefined : (method, url, status) => console.log(`${status} ${method} ${url}`),
  });
  console.log(`serving ${path.resolve(dir)} at ${s.url} (runtime at ${s.url}rnnc/)`);
  console.log(f.isolation
    ? 'cross-origin isolated: Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp'
    : 'not cross-origin isolated (--no-isolation): pages run on one worker');
  if (!isLoopback(f.host)) console.warn(`warning: listening on ${f.host}, so other machines can read ${path.resolve(dir)}`);
}
