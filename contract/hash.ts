/** A stable 64-bit FNV-1a hash of a string, as 16 hex digits: keys of plans, modules and artifacts. */
export function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * A 64-bit digest of bytes (weights, images), as 16 hex digits: two 32-bit FNV-1a lanes with
 * different offsets, the length folded in. Fast on megabytes; a key, not a cryptographic hash.
 */
export function digestBytes(bytes: Uint8Array): string {
  let a = 0x811c9dc5, b = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i] ^ (i & 0xff), 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
