/**
 * A WebAssembly module as rnnc builds it: an expression table (each node its children and its
 * pre-encoded opcode and immediates), imports, functions, exports and a start function; `encode`
 * writes the binary. Labels and callees are names until then: branch depths and function indices are
 * resolved while writing, so functions may call one another in any order of definition.
 */
import { InternalError } from '../../../contract/errors.js';
import { ByteWriter } from './bytes.js';
import { EMPTY_BLOCK, OP, VALTYPE } from './opcodes.js';

/** Value types used by the kernels. */
export type ValType = 'i32' | 'i64' | 'f32' | 'v128';
/** What an expression leaves on the stack: a value, nothing, or never returns (br, return, unreachable). */
export type ExprType = ValType | 'none' | 'unreachable';

/** How a node is written. */
export const enum Kind {
  /** Children in order, then `code`. */
  Plain,
  /** Children in order, no block around them (an unlabelled block: nothing branches to it). */
  Seq,
  Block,
  Loop,
  /** Children: condition, then, [else]. */
  If,
  /** `br` (no children) or `br_if` (the condition) to the innermost enclosing `label`. */
  Br,
  /** Children are the arguments of `label`. */
  Call,
}

interface Node {
  readonly kind: Kind;
  readonly type: ExprType;
  readonly kids: readonly number[];
  readonly code: readonly number[];
  readonly label: string | null;
}

interface Signature { readonly params: readonly ValType[]; readonly result: ValType | null }
interface Func extends Signature { readonly name: string; readonly vars: readonly ValType[]; readonly body: number }
interface FuncImport extends Signature { readonly name: string; readonly module: string; readonly field: string }
interface MemoryImport { readonly module: string; readonly field: string; readonly initial: number; readonly maximum: number; readonly shared: boolean }

const NO_KIDS: readonly number[] = [];

export class WasmModule {
  /** Node 0 is never an expression: callers may use 0 for "nothing". */
  private readonly nodes: Node[] = [{ kind: Kind.Seq, type: 'none', kids: NO_KIDS, code: NO_KIDS, label: null }];
  private readonly imports: FuncImport[] = [];
  private memory: MemoryImport | null = null;
  private readonly funcs: Func[] = [];
  private readonly exports: { readonly func: string; readonly as: string }[] = [];
  private start: string | null = null;
  private readonly names = new Set<string>();

  /** Adds a node; returns its index. */
  node(kind: Kind, type: ExprType, kids: readonly number[], code: readonly number[] = NO_KIDS, label: string | null = null): number {
    this.nodes.push({ kind, type, kids, code, label });
    return this.nodes.length - 1;
  }
  typeOf(e: number): ExprType { return this.nodes[e].type; }

  importMemory(m: MemoryImport): void { this.memory = m; }
  importFunction(f: FuncImport): void { this.unique(f.name); this.imports.push(f); }
  addFunction(f: Func): void { this.unique(f.name); this.funcs.push(f); }
  /** Calls name functions: two of one name would be a call to either. */
  private unique(name: string): void {
    if (this.names.has(name)) throw new InternalError(`function '${name}' is added to the module twice`);
    this.names.add(name);
  }
  exportFunction(func: string, as: string): void { this.exports.push({ func, as }); }
  setStart(func: string): void { this.start = func; }

  /** The binary module; with `names`, a name section gives every function its name (for the text form). */
  encode(names = false): Uint8Array {
    const index = new Map<string, number>();
    [...this.imports, ...this.funcs].forEach((f, i) => index.set(f.name, i));
    const funcIndex = (name: string) => {
      const i = index.get(name);
      if (i === undefined) throw new InternalError(`call to or export of function '${name}', which the module neither defines nor imports`);
      return i;
    };
    const types: Signature[] = [];
    const typeKey = new Map<string, number>();
    const typeOf = (s: Signature) => {
      const key = `${s.params.join(',')}>${s.result ?? ''}`;
      let i = typeKey.get(key);
      if (i === undefined) typeKey.set(key, (i = types.push(s) - 1));
      return i;
    };
    const importTypes = this.imports.map(typeOf), funcTypes = this.funcs.map(typeOf);

    const w = new ByteWriter();
    w.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    w.section(1, (s) => {
      s.u32(types.length);
      for (const t of types) {
        s.byte(0x60);
        s.u32(t.params.length);
        for (const p of t.params) s.byte(VALTYPE[p]);
        if (t.result) s.bytes([1, VALTYPE[t.result]]);
        else s.byte(0);
      }
    });
    w.section(2, (s) => {
      s.u32(this.imports.length + (this.memory ? 1 : 0));
      this.imports.forEach((f, i) => {
        s.name(f.module); s.name(f.field); s.byte(0x00); s.u32(importTypes[i]);
      });
      const m = this.memory;
      if (m) {
        s.name(m.module); s.name(m.field); s.byte(0x02);
        s.byte(m.shared ? 0x03 : 0x01); s.u32(m.initial); s.u32(m.maximum);
      }
    });
    w.section(3, (s) => {
      s.u32(funcTypes.length);
      for (const t of funcTypes) s.u32(t);
    });
    w.section(7, (s) => {
      s.u32(this.exports.length);
      for (const e of this.exports) { s.name(e.as); s.byte(0x00); s.u32(funcIndex(e.func)); }
    });
    if (this.start !== null) w.section(8, (s) => s.u32(funcIndex(this.start!)));
    w.section(10, (s) => {
      s.u32(this.funcs.length);
      for (const f of this.funcs) {
        const body = new ByteWriter();
        writeLocals(body, f.vars);
        this.expr(body, f.body, [], funcIndex, f.name);
        body.byte(OP.end[0]);
        const bytes = body.finish();
        s.u32(bytes.length);
        s.bytes(bytes);
      }
    });
    if (names) w.section(0, (s) => {
      s.name('name');
      const sub = new ByteWriter();
      const all = [...this.imports, ...this.funcs];
      sub.u32(all.length);
      all.forEach((f, i) => { sub.u32(i); sub.name(f.name); });
      s.byte(1);
      s.u32(sub.length);
      s.bytes(sub.finish());
    });
    return w.finish();
  }

  /** Writes expression e; `labels` holds the enclosing labels, innermost last (null: unnamed). */
  private expr(w: ByteWriter, e: number, labels: (string | null)[], funcIndex: (name: string) => number, fn: string): void {
    const n = this.nodes[e];
    const kids = (from = 0) => { for (let i = from; i < n.kids.length; i++) this.expr(w, n.kids[i], labels, funcIndex, fn); };
    switch (n.kind) {
      case Kind.Plain: kids(); w.bytes(n.code); return;
      case Kind.Seq: kids(); return;
      case Kind.Block: case Kind.Loop:
        w.byte(n.kind === Kind.Block ? OP.block[0] : OP.loop[0]);
        w.byte(blockType(n.type));
        labels.push(n.label);
        kids();
        labels.pop();
        w.byte(OP.end[0]);
        return;
      case Kind.If:
        this.expr(w, n.kids[0], labels, funcIndex, fn);
        w.byte(OP.if[0]);
        w.byte(blockType(n.type));
        labels.push(null);
        this.expr(w, n.kids[1], labels, funcIndex, fn);
        if (n.kids.length > 2) {
          w.byte(OP.else[0]);
          this.expr(w, n.kids[2], labels, funcIndex, fn);
        }
        labels.pop();
        w.byte(OP.end[0]);
        return;
      case Kind.Br: {
        kids();
        const depth = labels.lastIndexOf(n.label);
        if (depth < 0) throw new InternalError(`function '${fn}': a branch to label '${n.label}' outside any block or loop of that name`);
        w.byte(n.kids.length ? OP.br_if[0] : OP.br[0]);
        w.u32(labels.length - 1 - depth);
        return;
      }
      case Kind.Call:
        kids();
        w.byte(OP.call[0]);
        w.u32(funcIndex(n.label!));
        return;
    }
  }
}

/** The block type byte of a structured instruction whose result is `t`. */
function blockType(t: ExprType): number {
  return t === 'none' || t === 'unreachable' ? EMPTY_BLOCK : VALTYPE[t];
}

/** A function's local declarations: runs of one type as (count, type). */
function writeLocals(w: ByteWriter, vars: readonly ValType[]): void {
  const runs: [number, ValType][] = [];
  for (const v of vars) {
    const last = runs[runs.length - 1];
    if (last && last[1] === v) last[0]++;
    else runs.push([1, v]);
  }
  w.u32(runs.length);
  for (const [count, type] of runs) { w.u32(count); w.byte(VALTYPE[type]); }
}
