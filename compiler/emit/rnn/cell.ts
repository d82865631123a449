/**
 * What each cell computes once its gate pre-activations are in registers: the algorithm, kept apart
 * from how the pre-activations were blocked and accumulated (the schedule, in step.ts). Every
 * function works on one group of four hidden units of one batch row.
 */
import type { Activation, CellDescriptor } from '../../cells/descriptor.js';
import type { Local } from '../ir.js';
import { emitActivation } from '../activations.js';
import type { Straight } from '../vec.js';

/** The activations of direction `dir`: [f, g, h] (LSTM), [f, g] (GRU), [f] (RNN). */
export function directionActivations(d: CellDescriptor, dir: number): readonly Activation[] {
  const per = d.cell === 'lstm' ? 3 : d.cell === 'gru' ? 2 : 1;
  return d.activations.slice(dir * per, dir * per + per);
}

function clip(v: Straight, d: CellDescriptor, x: Local): Local {
  if (d.clip === null) return x;
  const b = v.b;
  return v.let(b.vpmin(b.vpmax(v.get(x), b.vconst(-d.clip)), b.vconst(d.clip)));
}

/** activation(clip(x)) */
function gate(v: Straight, d: CellDescriptor, a: Activation, x: Local): Local {
  return emitActivation(v, a, clip(v, d, x));
}

/** LSTM gate pre-activations (ONNX order i, o, f, c) and the state they update. */
export interface LstmIn {
  readonly i: Local; readonly o: Local; readonly f: Local; readonly c: Local;
  readonly cPrev: Local;
  /** Peephole weights for i, o, f, when the node has them. */
  readonly peep: readonly [Local, Local, Local] | null;
}

/** LSTM: C = f*C' + i*g(c); H = o*h(C), with peepholes and input_forget. Returns [H, C]. */
export function lstmCell(v: Straight, d: CellDescriptor, acts: readonly Activation[], x: LstmIn): [Local, Local] {
  const b = v.b;
  const [fa, ga, ha] = acts;
  const withPeep = (pre: Local, p: Local | undefined, c: Local) =>
    p ? v.let(b.vadd(v.get(pre), b.vmul(v.get(p), v.get(c)))) : pre;
  const it = gate(v, d, fa, withPeep(x.i, x.peep?.[0], x.cPrev));
  const ft = d.inputForget
    ? v.let(b.vsub(b.vconst(1), v.get(it)))
    : gate(v, d, fa, withPeep(x.f, x.peep?.[2], x.cPrev));
  const ct = gate(v, d, ga, x.c);
  const C = v.let(b.vadd(b.vmul(v.get(ft), v.get(x.cPrev)), b.vmul(v.get(it), v.get(ct))));
  const ot = gate(v, d, fa, withPeep(x.o, x.peep?.[1], C));
  const hC = emitActivation(v, ha, C);
  return [v.let(b.vmul(v.get(ot), v.get(hC))), C];
}

/** GRU z and r gates. Returns [z, r]. */
export function gruUpdateReset(v: Straight, d: CellDescriptor, acts: readonly Activation[], zPre: Local, rPre: Local): [Local, Local] {
  return [gate(v, d, acts[0], zPre), gate(v, d, acts[0], rPre)];
}

/**
 * GRU candidate and output. With linear_before_reset the candidate is g(xh + r*(hR + Rbh)), the
 * recurrent part given as `recurrent` and the input part as `input`; otherwise `input` already holds
 * the whole pre-activation and `r`/`recurrent` are null. Returns H = (1-z)*h~ + z*H'.
 */
export function gruOutput(v: Straight, d: CellDescriptor, acts: readonly Activation[], z: Local, hPrev: Local,
  input: Local, r: Local | null, recurrent: Local | null): Local {
  const b = v.b;
  const pre = r && recurrent ? v.let(b.vadd(v.get(input), b.vmul(v.get(r), v.get(recurrent)))) : input;
  const hh = gate(v, d, acts[1], pre);
  // (1-z)*hh + z*hPrev = hh + z*(hPrev - hh)
  return v.let(b.vadd(v.get(hh), b.vmul(v.get(z), b.vsub(v.get(hPrev), v.get(hh)))));
}

/** Simple RNN: H = f(pre). */
export function rnnCell(v: Straight, d: CellDescriptor, acts: readonly Activation[], pre: Local): Local {
  return gate(v, d, acts[0], pre);
}
