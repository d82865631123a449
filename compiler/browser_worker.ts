/**
 * The compiler in a browser (bundled as dist/browser/rnnc-compiler.js, a module Web Worker): the
 * runtime starts it only when a page hands `InferenceSession.create` an ONNX model rather than an
 * artifact, so pages that load artifacts never download the compiler (about 100 KiB gzipped; rnnc encodes
 * its modules itself, binaryen is not in it). Each message is one model to
 * compile; the answer is the artifact's manifest and files as bytes (transferred, not copied), or
 * the error's class name and message so the page rethrows the same kind.
 */
import { lowerModel } from './frontend/index.js';
import { compileProgram } from './module/artifact.js';
import { internalAt } from '../contract/errors.js';
import type { Manifest } from '../contract/manifest.js';
import type { CompileRequest } from '../contract/compile_request.js';


/** The answer: an artifact made of plain bytes, or the error (first, once, that the worker listens). */
export type CompileReply = { readonly ready: true } | Compiled;
type Compiled =
  | { readonly manifest: Manifest; readonly wasm: Uint8Array; readonly wasmThreads: Uint8Array | null; readonly image: Uint8Array }
  | { readonly error: { readonly name: string; readonly message: string } };

/** The parts of a DedicatedWorkerGlobalScope used here (tsconfig has the DOM lib, not WebWorker). */
const scope = globalThis as unknown as {
  onmessage: ((e: { data: CompileRequest }) => void) | null;
  postMessage(message: CompileReply, transfer?: ArrayBuffer[]): void;
};

scope.onmessage = (e) => {
  const reply = compile(e.data);
  const transfer = 'error' in reply ? [] : [reply.wasm, reply.wasmThreads, reply.image].flatMap((b) => (b ? [b.buffer as ArrayBuffer] : []));
  scope.postMessage(reply, transfer);
};
// Ready once this module has run: a request sent earlier could find no listener.
scope.postMessage({ ready: true });

/** compileModel's path (lower, then plan and emit), without the Node file writer it sits beside. */
function compile(req: CompileRequest): Compiled {
  try {
    const { program, summary } = lowerModel(req.bytes, { batch: req.batch, source: req.source, shapes: req.shapes, bind: req.bind });
    const opts = { name: req.source, source: req.source, batch: req.batch, threads: req.threads, cores: req.cores, relaxedSimd: !!req.relaxedSimd };
    const { artifact } = internalAt(req.source, () => compileProgram(program, opts, summary));
    return { manifest: artifact.manifest, wasm: artifact.wasm as Uint8Array, wasmThreads: artifact.wasmThreads as Uint8Array | null, image: artifact.image };
  } catch (err) {
    const { name, message } = err instanceof Error ? err : { name: 'Error', message: String(err) };
    return { error: { name, message } };
  }
}
