/**
 * The byte level of the WebAssembly binary format: a growable buffer with LEB128 integers, f32
 * constants, names and length-prefixed sections (https://webassembly.github.io/spec/core/binary/).
 */

/** Unsigned LEB128 of a u32. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return out;
}

/** Signed LEB128 of an i32. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Signed LEB128 of an i64. */
export function sleb64(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asIntN(64, n);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const f32View = new DataView(new ArrayBuffer(4));
/** The four little-endian bytes of x rounded to f32. */
export function f32Bytes(x: number): number[] {
  f32View.setFloat32(0, x, true);
  return [f32View.getUint8(0), f32View.getUint8(1), f32View.getUint8(2), f32View.getUint8(3)];
}

const utf8 = new TextEncoder();

/** An append-only byte buffer that doubles when full. */
export class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }
  bytes(bs: ArrayLike<number>): void {
    this.room(bs.length);
    for (let i = 0; i < bs.length; i++) this.buf[this.length++] = bs[i];
  }
  u32(n: number): void { this.bytes(uleb(n)); }
  /** A name: its UTF-8 length, then its bytes. */
  name(s: string): void {
    const b = utf8.encode(s);
    this.u32(b.length);
    this.bytes(b);
  }
  /** The bytes written so far (a copy). */
  finish(): Uint8Array { return this.buf.slice(0, this.length); }
  /** Appends section `id` with the contents `fill` writes, length-prefixed. */
  section(id: number, fill: (w: ByteWriter) => void): void {
    const body = new ByteWriter();
    fill(body);
    this.byte(id);
    this.u32(body.length);
    this.bytes(body.buf.subarray(0, body.length));
  }
}
