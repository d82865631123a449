/**
 * A small schema language for JSON read from files rnnc did not necessarily write (the artifact
 * manifest): each check walks a value and throws a ModelError naming the file, the field's path
 * (`inputs[0].dims[1]`) and what was expected.
 */
import { ModelError } from './errors.js';

/** Checks `v`, found at `path` in the file `where`; throws a ModelError when it does not fit. */
export type Check = (v: unknown, path: string, where: string) => void;

/** Throws the ModelError of a field that does not fit. */
export function fail(where: string, path: string, v: unknown, expected: string): never {
  const shown = v === undefined ? 'missing' : `${JSON.stringify(v)}`;
  throw new ModelError(`${where}: field '${path}' is ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}; expected ${expected}`);
}

/** An integer in [min, max]. */
export const int = (min: number, max: number): Check => (v, p, w) => {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) fail(w, p, v, `an integer in ${min}..${max}`);
};

export const bool: Check = (v, p, w) => {
  if (typeof v !== 'boolean') fail(w, p, v, 'true or false');
};

/** A string of at most `maxLength` characters matching `re` (described as `what`) when given. */
export const text = (maxLength: number, re?: RegExp, what?: string): Check => (v, p, w) => {
  if (typeof v !== 'string' || v.length > maxLength || (re && !re.test(v))) fail(w, p, v, what ?? `a string of at most ${maxLength} characters`);
};

/** One of the given values. */
export const oneOf = (...values: readonly (string | number | boolean)[]): Check => (v, p, w) => {
  if (!values.includes(v as string)) fail(w, p, v, values.map((x) => JSON.stringify(x)).join(' or '));
};

/** A value for which `ok` holds, described as `what`. */
export const is = (ok: (v: unknown) => boolean, what: string): Check => (v, p, w) => {
  if (!ok(v)) fail(w, p, v, what);
};

/** null, or a value passing `c`. */
export const nullable = (c: Check): Check => (v, p, w) => {
  if (v !== null) c(v, p, w);
};

/** An array of `min`..`max` entries, each passing `of`. */
export const array = (of: Check, min = 0, max = 1 << 20): Check => (v, p, w) => {
  if (!Array.isArray(v) || v.length < min || v.length > max) fail(w, p, v, `an array of ${min}..${max} entries`);
  v.forEach((x, i) => of(x, `${p}[${i}]`, w));
};

/** An object with exactly these fields (those in `optional` may be absent), each passing its check. */
export const record = (fields: Readonly<Record<string, Check>>, optional: readonly string[] = []): Check => (v, p, w) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(w, p || '(top level)', v, 'an object');
  const at = (k: string) => (p ? `${p}.${k}` : k);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!Object.hasOwn(fields, k)) throw new ModelError(`${w}: unknown field '${at(k)}'; expected only ${Object.keys(fields).join(', ')}`);
  }
  for (const [k, c] of Object.entries(fields)) {
    if (!Object.hasOwn(o, k) && optional.includes(k)) continue;
    c(o[k], at(k), w);
  }
};
