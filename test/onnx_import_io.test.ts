import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readNpy, writeNpy } from '../compiler/io/npy.js';
import { DataType, type TensorProto, onnx } from '../compiler/onnx/proto.js';
import { decodeTensor, encodeTensorProto, readTensorFile } from '../compiler/onnx/tensor.js';
import { loadTestDir } from '../compiler/onnx/testdata.js';
import { InputError, ModelError, UnsupportedError } from '../contract/errors.js';
import { CONFORMANCE, sharedTest } from './paths.js';
import { throws } from './throws.js';

/** Files written by NumPy 2.4 (`np.save`, `np.lib.format.write_array`), base64. */
const NUMPY_FILES: Record<string, string> = {
  f8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAALAAAAAsI7wG0L8qfHSTWJQPw==',
  i4: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAA/v///wMAAAA=',
  i8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDEpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr///9/AAAAAAAAAID/////',
  i8big: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAACAAAAAAA==',
  scalar: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAPBA',
  fortran: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AACAPwAAgD8AAIA/AACAPwAAgD8=',
  be: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAP4AAAD+AAAA=',
  u8: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAQE=',
  v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoNCwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBA',
  v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoNCwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBA',
};
const npy = (k: string) => new Uint8Array(Buffer.from(NUMPY_FILES[k], 'base64'));

test('npy: float32 and int32 round trip, NumPy 1.0 layout', () => {
  const f = new Float32Array([0, 0.5, -1.25, 3e-8, 1e30, 6]);
  const bytes = writeNpy([2, 3], f);
  assert.is((bytes.length - 6 * 4) % 64, 0);
  assert.is(bytes[6], 1);
  const back = readNpy(bytes, 'f.npy');
  assert.equal(back, { dims: [2, 3], dtype: 'float32', data: f });
  const i = new Int32Array([1, -2, 2147483647, -2147483648]);
  assert.equal(readNpy(writeNpy([4], i), 'i.npy'), { dims: [4], dtype: 'int32', data: i });
  assert.equal(readNpy(writeNpy([], new Float32Array([7])), 's.npy'), { dims: [], dtype: 'float32', data: new Float32Array([7]) });
  assert.equal(readNpy(writeNpy([0, 3], new Float32Array(0)), 'e.npy').dims, [0, 3]);
});

test('npy: files NumPy wrote, every dtype and header version', () => {
  assert.equal(readNpy(npy('f8'), 'f8.npy'), { dims: [2, 2], dtype: 'float32', data: new Float32Array([1.5, -2.25, 3e10, 1e-3]) });
  assert.equal(readNpy(npy('i4'), 'i4.npy'), { dims: [3], dtype: 'int32', data: new Int32Array([1, -2, 3]) });
  assert.equal(readNpy(npy('i8'), 'i8.npy'), { dims: [2, 1], dtype: 'int32', data: new Int32Array([2147483647, -2147483648]) });
  assert.equal(readNpy(npy('scalar'), 's.npy'), { dims: [], dtype: 'float32', data: new Float32Array([7.5]) });
  for (const v of ['v2', 'v3']) assert.equal(readNpy(npy(v), `${v}.npy`).data, new Float32Array([0, 1, 2, 3]));
});

test('npy: bad files name the file; the error class is the caller\'s', () => {
  throws(() => readNpy(npy('i8big'), 'big.npy'), InputError, 'big.npy', '2147483648', 'int32');
  throws(() => readNpy(npy('fortran'), 'f.npy'), UnsupportedError, 'f.npy', 'Fortran');
  throws(() => readNpy(npy('be'), 'be.npy'), UnsupportedError, 'be.npy', "'>f4'");
  throws(() => readNpy(npy('u8'), 'u.npy'), UnsupportedError, 'u.npy', "'|u1'", '<f4');
  throws(() => readNpy(new TextEncoder().encode('1,2,3\n4,5,6\n'), 'x.csv'), InputError, 'x.csv', 'not a NumPy .npy file');
  throws(() => readNpy(new Uint8Array(0), 'empty.npy'), InputError, 'empty.npy');
  const good = writeNpy([2, 3], new Float32Array(6));
  throws(() => readNpy(good.subarray(0, good.length - 1), 'cut.npy'), InputError, 'cut.npy', 'truncated', '24');
  throws(() => readNpy(good.subarray(0, 40), 'cut.npy'), InputError, 'cut.npy', 'truncated .npy header');
  const longer = new Uint8Array(good.length + 4);
  longer.set(good);
  throws(() => readNpy(longer, 'long.npy'), InputError, 'long.npy', '4 unexpected bytes');
  throws(() => readNpy(good.subarray(0, 20), 'w.npy', ModelError), ModelError, 'w.npy');
  const broken = Uint8Array.from(good);
  broken.set(new TextEncoder().encode("'shape': (2, x)"), good.indexOf(0x27, 40)); // overwrite from the 'shape' key on
  throws(() => readNpy(broken, 'b.npy'), InputError, 'b.npy', 'malformed .npy header');
  throws(() => writeNpy([2, 2], new Float32Array(3)), InputError, '3 values');
});

test('TensorProto: encode then read back, float32 and int32', () => {
  const f = new Float32Array([1, -2.5, 3e-5, 0, 7, 8]);
  const back = readTensorFile(encodeTensorProto('Y_h', [1, 2, 3], f), 'output_0.pb');
  assert.equal(back, { name: 'Y_h', dims: [1, 2, 3], dtype: 'float32', data: f });
  const i = new Int32Array([3, -1]);
  assert.equal(readTensorFile(encodeTensorProto('', [2], i), 'input_4.pb'), { name: '', dims: [2], dtype: 'int32', data: i });
  throws(() => encodeTensorProto('t', [4], new Float32Array(3)), ModelError, "'t'", '3 values');
});

test('TensorProto: every data type and field rnnc reads', () => {
  const raw = (bytes: number[]) => {
    // Place raw_data at an odd offset, as protobuf decoding of a real file does.
    const buf = new Uint8Array(bytes.length + 1);
    buf.set(bytes, 1);
    return buf.subarray(1);
  };
  const le = (arr: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint16Array) => [...new Uint8Array(arr.buffer)];
  const cases: [TensorProto, 'float32' | 'int32', number[]][] = [
    [{ dims: [2], dataType: DataType.FLOAT, rawData: raw(le(new Float32Array([1.5, -2]))) }, 'float32', [1.5, -2]],
    [{ dims: [2], dataType: DataType.FLOAT, floatData: [0.25, 4] }, 'float32', [0.25, 4]],
    [{ dims: [2], dataType: DataType.DOUBLE, rawData: raw(le(new Float64Array([0.1, 2]))) }, 'float32', [Math.fround(0.1), 2]],
    [{ dims: [1], dataType: DataType.DOUBLE, doubleData: [1e-3] }, 'float32', [Math.fround(1e-3)]],
    [{ dims: [3], dataType: DataType.FLOAT16, rawData: raw(le(new Uint16Array([0x3c00, 0xc000, 0x3555]))) }, 'float32', [1, -2, 0.333251953125]],
    [{ dims: [2], dataType: DataType.INT32, rawData: raw(le(new Int32Array([7, -8]))) }, 'int32', [7, -8]],
    [{ dims: [2], dataType: DataType.INT32, int32Data: [5, 6] }, 'int32', [5, 6]],
    [{ dims: [2], dataType: DataType.INT64, rawData: raw(le(new BigInt64Array([3n, -4n]))) }, 'int32', [3, -4]],
    [{ dims: [2, 1], dataType: DataType.INT64, int64Data: [9, -10] }, 'int32', [9, -10]],
    [{ dims: [0, 4], dataType: DataType.FLOAT }, 'float32', []],
  ];
  for (const [t, dtype, values] of cases) {
    const d = decodeTensor({ name: 'w', ...t });
    assert.is(d.dtype, dtype, `type ${t.dataType}`);
    assert.equal(Array.from(d.data), values, `type ${t.dataType}`);
    assert.equal(d.dims, (t.dims as number[]).slice());
  }
});

test('TensorProto: bad tensors name the tensor and the problem', () => {
  throws(() => decodeTensor({ name: 'w', dims: [2, 2], dataType: DataType.FLOAT, floatData: [1, 2, 3] }), ModelError, "'w'", '3 elements', 'need 4');
  throws(() => decodeTensor({ name: 'w', dims: [2], dataType: DataType.FLOAT, rawData: new Uint8Array(7) }), ModelError, "'w'", '7 bytes');
  throws(() => decodeTensor({ name: 's', dims: [1], dataType: DataType.STRING }), UnsupportedError, "'s'", 'STRING');
  throws(() => decodeTensor({ name: 'b', dims: [1], dataType: DataType.BFLOAT16 }), UnsupportedError, "'b'", 'BFLOAT16');
  throws(() => decodeTensor({ name: 'e', dims: [1], dataType: DataType.FLOAT, dataLocation: 1 }), UnsupportedError, "'e'", 'EXTERNAL');
  throws(() => decodeTensor({ name: 'n', dims: [2], dataType: DataType.INT64, int64Data: [1, 2 ** 40] }), ModelError, "'n'", 'int32');
  throws(() => decodeTensor({ name: 'd', dims: [-1], dataType: DataType.FLOAT }), ModelError, "'d'", 'dim');
  const junk = new TextEncoder().encode('not a tensor at all');
  throws(() => readTensorFile(junk, 'input_9.pb'), InputError, 'input_9.pb');
  throws(() => readTensorFile(new Uint8Array(0), 'input_0.pb', ModelError), ModelError, 'input_0.pb', 'TensorProto');
  const cut = encodeTensorProto('X', [4], new Float32Array(4)).subarray(0, 12);
  throws(() => readTensorFile(cut, 'x.pb'), InputError, 'x.pb');
});

sharedTest('loadTestDir: numeric order, names kept, errors name the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnc-testdir-'));
  try {
    fs.copyFileSync(path.join(CONFORMANCE, 'test_lstm_defaults', 'model.onnx'), path.join(dir, 'model.onnx'));
    for (const k of [0, 2, 10]) {
      const set = path.join(dir, `test_data_set_${k}`);
      fs.mkdirSync(set);
      for (let i = 0; i < 11; i++) {
        fs.writeFileSync(path.join(set, `input_${i}.pb`), encodeTensorProto(i === 3 ? '' : `in${i}`, [1], new Float32Array([i])));
      }
      fs.writeFileSync(path.join(set, 'output_0.pb'), encodeTensorProto('out', [1], new Int32Array([k])));
    }
    const t = loadTestDir(dir);
    assert.equal(t.sets.map((s) => s.name), ['test_data_set_0', 'test_data_set_2', 'test_data_set_10']);
    assert.equal(t.sets[0].inputs.map((x) => x.data[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.is(t.sets[0].inputs[3].name, '');
    assert.equal(Array.from(t.sets[2].outputs[0].data), [10]);
    fs.rmSync(path.join(dir, 'test_data_set_2', 'input_4.pb'));
    throws(() => loadTestDir(dir), ModelError, path.join(dir, 'test_data_set_2', 'input_4.pb'), 'missing');
    fs.writeFileSync(path.join(dir, 'test_data_set_2', 'input_4.pb'), 'garbage!');
    throws(() => loadTestDir(dir), ModelError, path.join(dir, 'test_data_set_2', 'input_4.pb'));
    fs.rmSync(path.join(dir, 'model.onnx'));
    throws(() => loadTestDir(dir), ModelError, path.join(dir, 'model.onnx'), 'ENOENT');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const real = loadTestDir(path.join(CONFORMANCE, 'test_gru_batchwise'));
  assert.equal(real.sets[0].outputs.map((o) => [o.name, o.dims]), [['Y', [3, 1, 1, 6]], ['Y_h', [3, 1, 6]]]);
  assert.ok(onnx.ModelProto.decode(real.modelBytes).graph);
});

test.run();
