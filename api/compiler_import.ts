/**
 * The compiler, imported only when a model (not an artifact) is to be compiled. Its binaryen and wabt
 * are optional dependencies, so that loading artifacts installs without them (`npm install rnnc
 * --omit=optional`): where they are missing, compiling says so and how to add them.
 */
import { UnsupportedError } from '../contract/errors.js';

const OPTIONAL = ['binaryen', 'wabt'];

/** The error to show for a failed import of the compiler: names the missing package, or null for another failure. */
export function compilerMissing(e: unknown): UnsupportedError | null {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  if (code !== 'ERR_MODULE_NOT_FOUND') return null;
  const missing = OPTIONAL.find((name) => (e as Error).message.includes(`'${name}'`));
  if (!missing) return null;
  return new UnsupportedError(`compiling an ONNX model needs rnnc's optional dependencies ${OPTIONAL.join(' and ')}, and '${missing}' is not installed `
    + `(rnnc was installed without optional dependencies?); add them with \`npm install ${OPTIONAL.join(' ')}\`, or load an artifact made by \`rnnc compile\` elsewhere`);
}

/** Imports the compiler, or throws compilerMissing's error. */
export async function importCompiler(): Promise<typeof import('../compiler/index.js')> {
  try {
    return await import('../compiler/index.js');
  } catch (e) {
    throw compilerMissing(e) ?? e;
  }
}
