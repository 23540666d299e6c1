import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { encodeNpy, encodeNpz } from './npz';

/** An independent reader of what np.load needs: the zip's central directory, local headers and .npy headers. */
function readNpz(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  expect(view.getUint32(eocd, true)).toBe(0x06054b50);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  let at = view.getUint32(eocd + 16, true);
  expect(at + cdSize).toBe(eocd);
  const out: Record<string, { header: string; body: Uint8Array; dataOffset: number }> = {};
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const size = view.getUint32(at + 20, true);
    expect(view.getUint32(at + 24, true)).toBe(size);
    const nameLen = view.getUint16(at + 28, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLen));
    expect(method).toBe(0);
    expect(view.getUint32(local, true)).toBe(0x04034b50);
    expect(view.getUint32(local + 14, true)).toBe(crc);
    expect(new TextDecoder().decode(bytes.subarray(local + 30, local + 30 + nameLen))).toBe(name);
    const bodyStart = local + 30 + nameLen + view.getUint16(local + 28, true);
    const body = bytes.subarray(bodyStart, bodyStart + size);
    expect(crc32(body)).toBe(crc);
    // .npy: magic, version 1.0, header length, header dict, data on a 64-byte boundary.
    expect([...body.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = body[8] | (body[9] << 8);
    expect((10 + headerLen) % 64).toBe(0);
    const header = new TextDecoder().decode(body.subarray(10, 10 + headerLen));
    expect(header.endsWith('\n')).toBe(true);
    out[name] = { header: header.trim(), body, dataOffset: 10 + headerLen };
    at += 46 + nameLen;
  }
  return out;
}

describe('npz export', () => {
  it('writes a zip of .npy files with the right headers and data', () => {
    const tokens = new Float32Array([0.5, -1, 2.25, 3, 4, 5]);
    const states = new Float64Array([Math.PI, -0.1, 1e-300]);
    const lengths = new Int32Array([7, 9]);
    const files = readNpz(encodeNpz({ tokens: { data: tokens, shape: [1, 2, 3] }, states: { data: states, shape: [3] }, lengths: { data: lengths, shape: [2] } }));
    expect(Object.keys(files)).toEqual(['tokens.npy', 'states.npy', 'lengths.npy']);
    expect(files['tokens.npy'].header).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }");
    expect(files['states.npy'].header).toBe("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }");
    expect(files['lengths.npy'].header).toBe("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }");
    const t = files['tokens.npy'];
    expect(new Float32Array(t.body.slice(t.dataOffset).buffer)).toEqual(tokens);
    const s = files['states.npy'];
    expect(new Float64Array(s.body.slice(s.dataOffset).buffer)).toEqual(states);
    const l = files['lengths.npy'];
    expect(new Int32Array(l.body.slice(l.dataOffset).buffer)).toEqual(lengths);
  });

  it('is byte-identical across runs (fixed timestamps)', () => {
    const make = () => encodeNpz({ a: { data: new Uint8Array([1, 2, 3]), shape: [3] } });
    expect(make()).toEqual(make());
  });

  it('refuses a shape that does not match the data and names that are not identifiers', () => {
    expect(() => encodeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow(/does not hold 5 values/);
    expect(() => encodeNpz({ 'a/b': { data: new Uint8Array(1), shape: [1] } })).toThrow(/not an identifier/);
  });

  it('matches the known CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
