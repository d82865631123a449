/**
 * The WebAssembly types rnnc's declarations name, for programs type-checked without the DOM library
 * ("lib": ["ES2022"]; Node's types do not declare WebAssembly either). The interfaces are empty, so
 * they merge with the DOM library's full ones where that is present; rnnc's own code sees those.
 */
declare global {
  namespace WebAssembly {
    interface Module {}
    interface Memory {}
    interface Instance {}
  }
}

/**
 * The imports of an rnnc module, as WebAssembly.instantiate takes them (the DOM library's
 * WebAssembly.Imports is a type alias, which a declaration cannot provide where it is missing).
 */
export type ModuleImports = Record<string, Record<string, unknown>>;
