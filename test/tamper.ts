/** Ways to tamper with an artifact in tests: every single edit of a JSON document, a custom section appended to a module. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One edit of a document: what was changed, the top-level field it is in, the edited copy. */
export interface Tampering {
  readonly what: string;
  readonly field: string;
  readonly json: Json;
}

const REMOVE = Symbol('remove');

/** A copy of `root` with the value at `path` replaced (or removed). */
function edited(root: Json, path: readonly (string | number)[], value: Json | typeof REMOVE): Json {
  const copy = structuredClone(root);
  let at = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value !== REMOVE) at[last] = value;
  else if (Array.isArray(at)) at.splice(last as number, 1);
  else delete at[last];
  return copy;
}

/** Other values of a leaf: nearby numbers, a changed string, the other boolean, wrong types. */
function replacements(v: Json): Json[] {
  if (typeof v === 'number') return [v + 1, v - 1, v + 16, String(v)];
  if (typeof v === 'string') return [`${v}x`, '', 7];
  if (typeof v === 'boolean') return [!v, Number(v)];
  return ['model.wasm', 0];
}

/**
 * Every single edit of `root`: each leaf replaced by other values, each object given an unknown
 * field and each of its fields removed, each array given one entry more and one less.
 */
export function* tamperings(root: Json, v: Json = root, path: readonly (string | number)[] = []): Generator<Tampering> {
  const what = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').slice(1) || '(top level)';
  const field = path.length ? String(path[0]) : '(top level)';
  if (Array.isArray(v)) {
    yield { what: `${what}: one entry more`, field, json: edited(root, path, [...v, v.length ? structuredClone(v[v.length - 1]) : 0]) };
    if (v.length) yield { what: `${what}: one entry less`, field, json: edited(root, path, v.slice(0, -1)) };
    for (let i = 0; i < v.length; i++) yield* tamperings(root, v[i], [...path, i]);
  } else if (v !== null && typeof v === 'object') {
    yield { what: `${what}: an unknown field`, field, json: edited(root, [...path, 'extra'], 1) };
    for (const k of Object.keys(v)) {
      yield { what: `${what}.${k} removed`.replace(/^\(top level\)\./, ''), field: path.length ? field : k, json: edited(root, [...path, k], REMOVE) };
      yield* tamperings(root, v[k], [...path, k]);
    }
  } else {
    for (const value of replacements(v)) yield { what: `${what} = ${JSON.stringify(value)}`, field, json: edited(root, path, value) };
  }
}

/** `wasm` with a custom section `name` holding `payload` appended. */
export function withSection(wasm: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const body = [...leb128(name.length), ...new TextEncoder().encode(name), ...payload];
  return Uint8Array.from([...wasm, 0, ...leb128(body.length), ...body]);
}

/** Unsigned LEB128, the wasm binary format's integers. */
export function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n >>>= 7;
  } while (n);
  return out;
}
