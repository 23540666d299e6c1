// A NumPy .npz writer with no dependency: each array becomes a .npy file (format 1.0) inside a zip
// archive whose entries are stored uncompressed with their CRC-32, which is exactly what np.load reads.
import { crc32 } from './crc32';

export type NpyData = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

export interface NpyArray {
  data: NpyData;
  /** Row-major (C order) shape; its product must equal data.length. */
  shape: readonly number[];
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** NumPy pads the header so that the data starts on a 64-byte boundary. */
const NPY_ALIGN = 64;
const NPY_PREAMBLE = 10; // magic (6) + version (2) + header length (2)

function descr(data: NpyData): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint32Array) return '<u4';
  return '|u1';
}

/** Encodes one array as a .npy file (little-endian, C order). */
export function encodeNpy({ data, shape }: NpyArray): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || count !== data.length) {
    throw new Error(`npy shape: (${shape.join(', ')}) does not hold ${data.length} values`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const padded = Math.ceil((NPY_PREAMBLE + dict.length + 1) / NPY_ALIGN) * NPY_ALIGN - NPY_PREAMBLE;
  const header = dict.padEnd(padded - 1, ' ') + '\n';
  const out = new Uint8Array(NPY_PREAMBLE + header.length + data.byteLength);
  out.set(NPY_MAGIC, 0);
  out[6] = 1; // format version 1.0
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[NPY_PREAMBLE + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), NPY_PREAMBLE + header.length);
  return out;
}

const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_OF_CENTRAL_DIR = 22;
const ZIP_VERSION = 20; // 2.0
/** MS-DOS date of 1980-01-01 (time 00:00): a fixed stamp keeps the archive byte-identical across runs. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const MAX_ZIP32 = 0xffffffff;

/** Encodes named arrays as an .npz (a zip of `<name>.npy`, stored), loadable with `np.load(file)`. */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  const enc = new TextEncoder();
  const entries = Object.entries(arrays).map(([name, arr]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`npz array name: "${name}" is not an identifier`);
    const body = encodeNpy(arr);
    return { name: enc.encode(`${name}.npy`), body, crc: crc32(body) };
  });
  let localSize = 0;
  let centralSize = 0;
  for (const e of entries) {
    localSize += LOCAL_HEADER + e.name.length + e.body.length;
    centralSize += CENTRAL_HEADER + e.name.length;
  }
  if (localSize + centralSize + END_OF_CENTRAL_DIR > MAX_ZIP32) throw new Error('npz: archive exceeds 4 GiB (zip64 is not written)');

  const out = new Uint8Array(localSize + centralSize + END_OF_CENTRAL_DIR);
  const view = new DataView(out.buffer);
  let at = 0;
  const offsets: number[] = [];
  for (const e of entries) {
    offsets.push(at);
    view.setUint32(at, 0x04034b50, true);
    view.setUint16(at + 4, ZIP_VERSION, true);
    view.setUint16(at + 6, 0, true); // flags
    view.setUint16(at + 8, 0, true); // method: stored
    view.setUint16(at + 10, 0, true); // time
    view.setUint16(at + 12, DOS_DATE, true);
    view.setUint32(at + 14, e.crc, true);
    view.setUint32(at + 18, e.body.length, true); // compressed size
    view.setUint32(at + 22, e.body.length, true); // uncompressed size
    view.setUint16(at + 26, e.name.length, true);
    view.setUint16(at + 28, 0, true); // extra length
    out.set(e.name, at + LOCAL_HEADER);
    out.set(e.body, at + LOCAL_HEADER + e.name.length);
    at += LOCAL_HEADER + e.name.length + e.body.length;
  }
  const centralStart = at;
  entries.forEach((e, i) => {
    view.setUint32(at, 0x02014b50, true);
    view.setUint16(at + 4, ZIP_VERSION, true); // made by
    view.setUint16(at + 6, ZIP_VERSION, true); // needed
    view.setUint16(at + 8, 0, true);
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, 0, true);
    view.setUint16(at + 14, DOS_DATE, true);
    view.setUint32(at + 16, e.crc, true);
    view.setUint32(at + 20, e.body.length, true);
    view.setUint32(at + 24, e.body.length, true);
    view.setUint16(at + 28, e.name.length, true);
    // extra length, comment length, disk number, internal and external attributes stay 0
    view.setUint32(at + 42, offsets[i], true);
    out.set(e.name, at + CENTRAL_HEADER);
    at += CENTRAL_HEADER + e.name.length;
  });
  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 8, entries.length, true); // entries on this disk
  view.setUint16(at + 10, entries.length, true); // entries in total
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return out;
}
