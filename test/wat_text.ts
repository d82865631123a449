/** Reading a module's text form in tests (binaryen's printer, compileModel's `text`). */
import * as assert from 'uvu/assert';

/** The text of function `name` in a module's text: from `(func $name` to its closing paren. */
export function functionText(moduleText: string, name: string): string {
  const start = moduleText.indexOf(`(func $${name} `);
  assert.ok(start >= 0, `function ${name} is in the module`);
  let depth = 0;
  for (let i = start; i < moduleText.length; i++) {
    if (moduleText[i] === '(') depth++;
    else if (moduleText[i] === ')' && --depth === 0) return moduleText.slice(start, i + 1);
  }
  throw new Error(`function ${name} is not closed`);
}
