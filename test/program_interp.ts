/**
 * A float64 interpreter of programs for tests: runs every step in order with plain loops (RNN
 * steps through the reference implementation), so a lowered model can be checked against the
 * outputs its exporter recorded, independently of the wasm emitters.
 */
import type { BufRef, Dim, Program, Operand } from '../compiler/frontend/program.js';
import { isConst } from '../compiler/frontend/program.js';
import { referenceRnn } from './reference.js';

/** Runs `program` for one call; feeds and results by graph input/output name, row-major. */
export function interpretProgram(program: Program, seq: number, batch: number, feeds: Record<string, ArrayLike<number>>): Record<string, Float64Array> {
  const dim = (d: Dim) => (d === 'seq' ? seq : d === 'batch' ? batch : d);
  const dims = (ds: readonly Dim[]) => ds.map(dim);
  const size = (ds: readonly Dim[]) => ds.reduce<number>((p, d) => p * dim(d), 1);
  const bufs = program.buffers.map((b) => new Float64Array(size(b.dims)));
  for (const io of program.inputs) bufs[io.buffer].set(Array.from(feeds[io.name]));
  const read = (o: Operand): Float64Array => (isConst(o)
    ? Float64Array.from(program.constants[o.constant].data)
    : bufs[o.buffer].subarray(0, size(o.dims)));
  const write = (r: BufRef, v: ArrayLike<number>) => bufs[r.buffer].set(Array.from(v).slice(0, size(r.dims)));

  for (const st of program.steps) {
    switch (st.op) {
      case 'gather': {
        const [, E] = st.table.dims;
        const t = read(st.table), idx = read(st.indices);
        write(st.out, Array.from(idx).flatMap((k) => Array.from(t.subarray(k * E, k * E + E))));
        break;
      }
      case 'rnn': {
        const d = st.descriptor;
        let X = read(st.x);
        if (st.inputBatchMajor) X = permute(X, dims(st.x.dims), [1, 0, 2]);
        const opt = (o: Operand | null) => (o ? read(o) : null);
        const r = referenceRnn(d, {
          X, W: read(st.W), R: read(st.R), B: opt(st.B), P: opt(st.P), sequenceLens: opt(st.sequenceLens),
          initialH: opt(st.initialH), initialC: opt(st.initialC), seqLength: seq, batch,
        });
        if (st.y) write(st.y, r.Y);
        if (st.yH) write(st.yH, r.Y_h);
        if (st.yC && r.Y_c) write(st.yC, r.Y_c);
        break;
      }
      case 'gemm': {
        const [K, N] = st.w.dims;
        const a = read(st.a), w = read(st.w), bias = st.bias ? read(st.bias) : null;
        const M = a.length / K;
        const out = new Float64Array(M * N);
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            let s = bias ? bias[n] : 0;
            for (let k = 0; k < K; k++) s += a[m * K + k] * w[k * N + n];
            out[m * N + n] = s;
          }
        }
        write(st.out, out);
        break;
      }
      case 'binary': {
        const a = read(st.a), b = read(st.b);
        const f = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y }[st.kind];
        write(st.out, Array.from({ length: size(st.out.dims) }, (_, i) => f(a[i % a.length], b[i % b.length])));
        break;
      }
      case 'unary': {
        const f = { relu: (x: number) => Math.max(x, 0), tanh: Math.tanh, sigmoid: (x: number) => 1 / (1 + Math.exp(-x)) }[st.kind];
        write(st.out, Array.from(read(st.x), f));
        break;
      }
      case 'softmax': {
        const x = read(st.x);
        const n = dim(st.x.dims[st.x.dims.length - 1]);
        const out = new Float64Array(x.length);
        for (let r = 0; r < x.length; r += n) {
          const row = x.subarray(r, r + n);
          const m = Math.max(...row);
          const sum = row.reduce((s, v) => s + Math.exp(v - m), 0);
          row.forEach((v, i) => { out[r + i] = st.log ? v - m - Math.log(sum) : Math.exp(v - m) / sum; });
        }
        write(st.out, out);
        break;
      }
      case 'transpose':
        write(st.out, permute(read(st.x), dims(st.x.dims), st.perm));
        break;
      case 'concat': {
        const parts = st.inputs.map((o) => ({ v: read(o), ds: dims(o.dims) }));
        const outer = parts[0].ds.slice(0, st.axis).reduce((p, d) => p * d, 1);
        const out: number[] = [];
        for (let i = 0; i < outer; i++) {
          for (const p of parts) {
            const block = p.v.length / outer;
            out.push(...p.v.subarray(i * block, (i + 1) * block));
          }
        }
        write(st.out, out);
        break;
      }
      case 'slice': {
        const x = read(st.x), xd = dims(st.x.dims);
        const ranges = st.ranges.map(([s, e, k]) => [s, dim(e), k] as const);
        const out: number[] = [];
        const walk = (axis: number, at: number) => {
          if (axis === xd.length) return void out.push(x[at]);
          const [s, e, k] = ranges[axis];
          const stride = xd.slice(axis + 1).reduce((p, d) => p * d, 1);
          for (let i = s; k > 0 ? i < e : i > e; i += k) walk(axis + 1, at + i * stride);
        };
        walk(0, 0);
        write(st.out, out);
        break;
      }
      case 'copy':
        write(st.out, read(st.x));
        break;
    }
  }
  return Object.fromEntries(program.outputs.map((o) => [o.name, bufs[o.buffer].slice(0, size(o.dims))]));
}

/** Row-major transpose of data with dims `ds` by `perm`. */
function permute(data: ArrayLike<number>, ds: readonly number[], perm: readonly number[]): Float64Array {
  const outDims = perm.map((p) => ds[p]);
  const strides = ds.map((_, i) => ds.slice(i + 1).reduce((p, d) => p * d, 1));
  const out = new Float64Array(data.length);
  const idx = new Array<number>(outDims.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    out[flat] = data[idx.reduce((acc, v, a) => acc + v * strides[perm[a]], 0)];
    for (let a = outDims.length - 1; a >= 0 && ++idx[a] === outDims[a]; a--) idx[a] = 0;
  }
  return out;
}
