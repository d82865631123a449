/**
 * What bench/browser.ts runs inside the page, passed to page.evaluate: it must be self-contained (no
 * imports, no helpers outside the function), since only its source crosses into the page.
 */

/** One row of the browser bench. */
export interface RowSpec {
  readonly label: string;
  /** The artifact directory and `<model>.onnx` in the page's site. */
  readonly model: string;
  /** token: the demo model, int64 tokens [seq, 1]; step: a streamed LSTM step; seq: one call over `seq` steps. */
  readonly kind: 'token' | 'step' | 'seq';
  readonly seq: number;
  readonly input: number;
  readonly hidden: number;
}

/**
 * Makes every contestant's session for `row` and leaves `window.bench`: `call[id]()` runs one call,
 * `describe()` the rnnc sessions' workers and notes, `release()`. Returns the largest difference
 * between rnnc's and onnxruntime-web's outputs of a first call (zero state), after `warm` calls each.
 */
export async function installPage({ row, contestants, warm }: { row: RowSpec; contestants: string[]; warm: number }): Promise<{ diff: number }> {
  type AnyTensor = { data: ArrayLike<number> };
  type Session = { run(feeds: Record<string, unknown>): Promise<Record<string, AnyTensor>>; release(): Promise<void> };
  const w = window as unknown as {
    runtimes: { rnnc: any; ort: Record<number, any> };
    bench: unknown;
  };
  const { rnnc, ort } = w.runtimes;
  const seq = row.kind === 'seq' ? row.seq : 1;
  // Deterministic inputs: the same for every contestant.
  let x = 12345;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296) * 2 - 1;
  const X = Float32Array.from({ length: seq * row.input }, rand);
  const zeros = new Float32Array(row.hidden);
  const bytes = row.kind === 'token' ? null : new Uint8Array(await (await fetch(`/${row.model}.onnx`)).arrayBuffer());
  const onnxBytes = bytes ?? new Uint8Array(await (await fetch(`/${row.model}.onnx`)).arrayBuffer());

  const call: Record<string, () => Promise<ArrayLike<number>>> = {};
  const sessions: Record<string, { session: Session; rnnc: boolean }> = {};
  for (const id of contestants) {
    if (id.startsWith('rnnc')) {
      const workers = id === 'rnnc 1 worker' ? 1 : id === 'rnnc 2 workers' ? 2 : undefined;
      // 'rnnc .onnx': the ONNX file, as an onnxruntime-web user passes it (compiled in the page, for its engine).
      const s = await rnnc.InferenceSession.create(id === 'rnnc .onnx' ? `/${row.model}.onnx` : `/${row.model}/`, workers ? { workers } : {});
      sessions[id] = { session: s, rnnc: true };
      if (row.kind === 'token') {
        const st = s.stream();
        const tok = new rnnc.Tensor('int32', [3], [1, 1]);
        call[id] = async () => (await st.step({ tokens: tok })).probs.data;
        // The first call of a fresh stream starts from the zero state, as onnxruntime's does.
        (call as any)[`${id}:first`] = async () => (await s.run({ tokens: tok })).probs.data;
      } else if (row.kind === 'step') {
        const st = s.stream();
        const first = { X: new rnnc.Tensor('float32', X, [1, 1, row.input]), initial_h: new rnnc.Tensor('float32', zeros, [1, 1, row.hidden]), initial_c: new rnnc.Tensor('float32', zeros, [1, 1, row.hidden]) };
        let started = false;
        call[id] = async () => {
          const out = await st.step(started ? { X: first.X } : first);
          started = true;
          return out.Y_h.data;
        };
        (call as any)[`${id}:first`] = async () => (await s.run(first)).Y_h.data;
      } else {
        const feeds = { X: new rnnc.Tensor('float32', X, [seq, 1, row.input]), initial_h: new rnnc.Tensor('float32', zeros, [1, 1, row.hidden]), initial_c: new rnnc.Tensor('float32', zeros, [1, 1, row.hidden]) };
        call[id] = async () => (await s.run(feeds)).Y_h.data;
      }
    } else {
      const o = ort[id.endsWith('2 threads') ? 2 : 1];
      const s: Session = await o.InferenceSession.create(onnxBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      sessions[id] = { session: s, rnnc: false };
      if (row.kind === 'token') {
        const feeds = { tokens: new o.Tensor('int64', BigInt64Array.from([3n]), [1, 1]) };
        call[id] = async () => (await s.run(feeds)).probs.data;
      } else {
        // onnxruntime streams by feeding the state back.
        let h = new o.Tensor('float32', zeros, [1, 1, row.hidden]), c = h;
        const Xt = new o.Tensor('float32', X, [seq, 1, row.input]);
        const zero = h;
        call[id] = async () => {
          const out = await s.run({ X: Xt, initial_h: h, initial_c: c });
          if (row.kind === 'step') {
            h = out.Y_h as any;
            c = out.Y_c as any;
          }
          return out.Y_h.data;
        };
        (call as any)[`${id}:first`] = async () => (await s.run({ X: Xt, initial_h: zero, initial_c: zero })).Y_h.data;
      }
    }
  }
  // Outputs of a first call: every rnnc contestant against onnxruntime-web on 1 thread.
  const firstOf = async (id: string): Promise<number[]> => Array.from(await ((call as any)[`${id}:first`] ?? call[id])() as ArrayLike<number>);
  const ref = await firstOf('ort-web 1 thread');
  let diff = 0;
  for (const id of contestants) {
    const got = await firstOf(id);
    if (got.length !== ref.length) return { diff: Infinity };
    got.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - ref[i])); });
  }
  for (const id of contestants) for (let i = 0; i < warm; i++) await call[id]();
  w.bench = {
    call,
    describe: () => {
      const notes: Record<string, string | null> = {}, workers: Record<string, number> = {}, kernels: Record<string, string> = {};
      for (const [id, s] of Object.entries(sessions)) if (s.rnnc) {
        notes[id] = (s.session as any).note;
        workers[id] = (s.session as any).workers;
        kernels[id] = (s.session as any).manifest.kernels.join(', ');
      }
      return { notes, workers, kernels };
    },
    release: async () => { for (const s of Object.values(sessions)) await s.session.release(); },
  };
  return { diff: Number.isNaN(diff) ? Infinity : diff };
}
