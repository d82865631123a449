/**
 * Structured mutations of declared types and tensors: a dim of a graph input, output or value_info,
 * an element type, a tensor's data type, dims or data (initializers and tensor attributes such as
 * Constant values, where shapes, axes and indices live).
 */
import { DataType, type TensorProto } from '../../compiler/onnx/proto.js';
import { chance, pick, randInt, type Rng } from '../random.js';
import {
  bigOf, boundaryFloat, boundaryInt, declaredCount, elementIndex, getInt, graphOf, int64, pickOr, setElement,
  storedCount, tensorsOf, valueInfos, type ProtoMutator,
} from './proto_util.js';

/** Element types worth trying: the ones rnnc reads, others ONNX has, and numbers it does not. */
const ELEMENT_TYPES = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 16, 99, -1];
const DIM_PARAMS = ['seq', 'batch', '', 'N', 'batch_size', 'sequence', 'seq '];

const dim: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const x = pickOr(rng, valueInfos(graphOf(model)).filter((i) => i.v.type?.tensorType));
    if (!x) return null;
    const tt = x.v.type!.tensorType!;
    const r = randInt(rng, 0, 9);
    if (r === 0 || !tt.shape) {
      tt.shape = r === 0 ? null : { dim: [{ dimValue: 1 }] };
      return `${x.where}: ${r === 0 ? 'drop the shape' : 'give a shape [1]'}`;
    }
    const dims = (tt.shape.dim ??= []);
    if (r === 1 || dims.length === 0) {
      dims.push({ dimValue: 1 });
      return `${x.where}: append a dim 1`;
    }
    const i = randInt(rng, 0, dims.length - 1);
    const d = dims[i];
    const before = d.dimParam ? `'${d.dimParam}'` : String(bigOf(d.dimValue));
    if (r === 2) {
      dims.splice(i, 1);
      return `${x.where}: remove dim ${i} (${before})`;
    }
    if (r <= 6) {
      const v = boundaryInt(rng, bigOf(d.dimValue));
      dims[i] = { dimValue: int64(v) };
      return `${x.where}: dim ${i} ${before} -> ${v}`;
    }
    const p = pick(rng, DIM_PARAMS);
    dims[i] = { dimParam: p };
    return `${x.where}: dim ${i} ${before} -> '${p}'`;
  },
};

const elemType: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const x = pickOr(rng, valueInfos(graphOf(model)).filter((i) => i.v.type?.tensorType));
    if (!x) return null;
    const tt = x.v.type!.tensorType!;
    const before = tt.elemType;
    tt.elemType = pick(rng, ELEMENT_TYPES);
    return `${x.where}: elem_type ${before} -> ${tt.elemType}`;
  },
};

const tensorType: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const x = pickOr(rng, tensorsOf(graphOf(model)));
    if (!x) return null;
    const before = x.t.dataType;
    x.t.dataType = pick(rng, ELEMENT_TYPES);
    return `${x.where}: data_type ${before} -> ${x.t.dataType}`;
  },
};

const tensorDims: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const x = pickOr(rng, tensorsOf(graphOf(model)));
    if (!x) return null;
    const dims = (x.t.dims ?? []).map(bigOf);
    const before = `[${dims.join(', ')}]`;
    const r = randInt(rng, 0, 4);
    if (r === 0) dims.push(chance(rng, 0.5) ? 1n : boundaryInt(rng));
    else if (r === 1 && dims.length) dims.splice(randInt(rng, 0, dims.length - 1), 1);
    else if (r === 2) dims.length = 0;
    else if (dims.length) {
      const i = randInt(rng, 0, dims.length - 1);
      dims[i] = boundaryInt(rng, dims[i]);
    } else dims.push(boundaryInt(rng));
    x.t.dims = dims.map(int64);
    return `${x.where}: dims ${before} -> [${dims.join(', ')}]`;
  },
};

/** Changes one element to a boundary value: shapes, axes, indices and starts live in int tensors. */
function mutateElement(rng: Rng, t: TensorProto, where: string): string | null {
  const n = storedCount(t);
  if (n === 0) return null;
  const i = elementIndex(rng, n);
  const old = getInt(t, i);
  const v = old !== null ? boundaryInt(rng, old) : boundaryFloat(rng);
  if (!setElement(t, i, v)) return null;
  return `${where}: element ${i} ${old ?? ''} -> ${v}`;
}

/** Makes the stored data disagree with the dims, or moves it where rnnc must refuse it. */
function mutateStorage(rng: Rng, t: TensorProto, where: string): string {
  const r = randInt(rng, 0, 4);
  if (r === 0 && t.rawData?.length) {
    const n = randInt(rng, 0, t.rawData.length - 1);
    t.rawData = t.rawData.slice(0, n);
    return `${where}: raw_data cut to ${n} bytes`;
  }
  if (r === 1) {
    const extra = randInt(rng, 1, 9);
    t.rawData = new Uint8Array((t.rawData?.length ?? 0) + extra);
    return `${where}: raw_data of ${t.rawData.length} zero bytes (${declaredCount(t)} elements declared)`;
  }
  if (r === 2) {
    t.rawData = new Uint8Array(0);
    t.floatData = Array.from({ length: randInt(rng, 0, 3) }, () => 0.5);
    return `${where}: data moved to float_data of ${t.floatData.length} values`;
  }
  if (r === 3) {
    t.dataLocation = 1;
    t.externalData = [{ key: 'location', value: 'weights.bin' }, { key: 'length', value: '16' }];
    return `${where}: data_location EXTERNAL (weights.bin)`;
  }
  t.floatData = [1, 2, 3];
  return `${where}: float_data [1, 2, 3] beside raw_data of ${t.rawData?.length ?? 0} bytes`;
}

const tensorData: ProtoMutator = {
  preserves: false,
  apply(rng, model) {
    const x = pickOr(rng, tensorsOf(graphOf(model)));
    if (!x) return null;
    const isInt = x.t.dataType === DataType.INT64 || x.t.dataType === DataType.INT32;
    if (chance(rng, isInt ? 0.8 : 0.5)) {
      const what = mutateElement(rng, x.t, x.where);
      if (what) return what;
    }
    return mutateStorage(rng, x.t, x.where);
  },
};

export const TYPE_MUTATORS: Readonly<Record<string, ProtoMutator>> = {
  'proto:dim': dim,
  'proto:elem-type': elemType,
  'proto:tensor-type': tensorType,
  'proto:tensor-dims': tensorDims,
  'proto:tensor-data': tensorData,
};
