/**
 * The compiler, imported only when a model (not an artifact) is to be compiled. It needs none of
 * rnnc's optional dependencies: binaryen (its optimizer, `optimize: 'full'`) loads on demand and
 * says itself when it is missing (compiler/emit/wasm/binaryen.ts); wabt prints the text form
 * (`--wat`). Where one of them is missing, the error says so and how to add it.
 */
import { UnsupportedError } from '../contract/errors.js';

const OPTIONAL: Readonly<Record<string, string>> = { binaryen: "binaryen's optimizer (--optimize full)", wabt: 'the text form (--wat)' };

/** The error to show for a failed import of the compiler or its printer: names the missing package, or null for another failure. */
export function compilerMissing(e: unknown): UnsupportedError | null {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  if (code !== 'ERR_MODULE_NOT_FOUND') return null;
  const missing = Object.keys(OPTIONAL).find((name) => (e as Error).message.includes(`'${name}'`));
  if (!missing) return null;
  return new UnsupportedError(`${OPTIONAL[missing]} needs rnnc's optional dependency '${missing}', which is not installed `
    + `(rnnc was installed without optional dependencies?); add it with \`npm install ${missing}\`, or leave that option out: compiling needs neither`);
}

/** Imports the compiler, or throws compilerMissing's error. */
export async function importCompiler(): Promise<typeof import('../compiler/index.js')> {
  try {
    return await import('../compiler/index.js');
  } catch (e) {
    throw compilerMissing(e) ?? e;
  }
}

/** Imports the text printer (wabt), or throws compilerMissing's error. */
export async function importPrinter(): Promise<typeof import('../compiler/module/wat.js')> {
  try {
    return await import('../compiler/module/wat.js');
  } catch (e) {
    throw compilerMissing(e) ?? e;
  }
}
