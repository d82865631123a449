/** Asserting that a call throws one of rnnc's error classes with a message naming the right things. */
import * as assert from 'uvu/assert';

/**
 * Calls `fn`, asserts it throws an instance of `cls` whose message contains every one of `parts`,
 * and returns the error.
 */
// eslint-disable-next-line @typescript-eslint/ban-types
export function throws(fn: () => unknown, cls: Function, ...parts: string[]): Error {
  try {
    fn();
  } catch (e) {
    const err = e as Error;
    if (!(err instanceof cls)) {
      assert.unreachable(`expected ${cls.name}, got ${err?.name}: ${err?.message}`);
    }
    for (const p of parts) {
      assert.ok(err.message.includes(p), `message lacks ${JSON.stringify(p)}: ${err.message}`);
    }
    return err;
  }
  return assert.unreachable(`expected ${cls.name}, but nothing was thrown`) as never;
}

/** Awaits `p`, asserts it rejects with an instance of `cls` whose message matches `pattern`; returns the error. */
// eslint-disable-next-line @typescript-eslint/ban-types
export async function rejects(p: Promise<unknown>, cls: Function, pattern: RegExp): Promise<Error> {
  let err: Error;
  try {
    await p;
  } catch (e) {
    err = e as Error;
    if (!(err instanceof cls)) assert.unreachable(`expected ${cls.name}, got ${err?.name}: ${err?.message}`);
    assert.match(err.message, pattern);
    return err;
  }
  return assert.unreachable(`expected ${cls.name} matching ${pattern}, but the promise resolved`) as never;
}
