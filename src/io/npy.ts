import fs from 'node:fs';
import { RunError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/**
 * NumPy .npy format 1.0 (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 * Written by hand: it is a 10-byte preamble and a Python-dict header, and no maintained npm package
 * reads and writes it without pulling in a tensor library of its own.
 */
const MAGIC = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"
const VERSION_MAJOR = 1;
const VERSION_MINOR = 0;
const PREAMBLE_BYTES = 10; // magic (6) + version (2) + header length (uint16 LE)
const HEADER_ALIGN = 64;

export type NpyArray =
  | { data: Float32Array; shape: number[]; dtype: '<f4' }
  | { data: Int32Array; shape: number[]; dtype: '<i4' };

function dtypeOf(data: Float32Array | Int32Array): '<f4' | '<i4' {
  return data instanceof Float32Array ? '<f4' : '<i4';
}

export function encodeNpy(data: Float32Array | Int32Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(`encodeNpy: shape [${shape}] holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtypeOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so data starts on a 64-byte boundary; the header ends with '\n'.
  const unpadded = PREAMBLE_BYTES + header.length + 1;
  header += ' '.repeat((HEADER_ALIGN - (unpadded % HEADER_ALIGN)) % HEADER_ALIGN) + '\n';
  const out = new Uint8Array(PREAMBLE_BYTES + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = VERSION_MAJOR;
  out[7] = VERSION_MINOR;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), PREAMBLE_BYTES);
  // Typed arrays are little-endian on every platform Node runs on.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), PREAMBLE_BYTES + header.length);
  return out;
}

export function writeNpy(file: string, data: Float32Array | Int32Array, shape: number[]): void {
  writeFileAtomic(file, encodeNpy(data, shape));
}

/** dtype and shape of an .npy file, and where its data starts; `size` is the whole file's length in bytes. */
interface NpyHeader {
  dtype: '<f4' | '<i4';
  shape: number[];
  dataStart: number;
}

/** Reads the preamble and header from the file's first bytes and checks the data length against `size`. */
function parseNpyHeader(bytes: Uint8Array, size: number, file: string): NpyHeader {
  const fail = (what: string): never => {
    throw new RunError(`${file}: not a valid .npy file (${what})`);
  };
  if (bytes.length < PREAMBLE_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) fail('bad magic');
  const major = bytes[6];
  if (major !== 1 && major !== 2) fail(`unsupported format version ${major}`);
  if (major === 2 && bytes.length < PREAMBLE_BYTES + 2) fail('truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = (major === 1 ? PREAMBLE_BYTES : PREAMBLE_BYTES + 2) + headerLen;
  if (bytes.length < dataStart) fail('truncated header');
  const header = Buffer.from(bytes.subarray(dataStart - headerLen, dataStart)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail('unreadable header');
  if (fortran === 'True') fail('fortran_order arrays are not supported');
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (descr !== '<f4' && descr !== '<i4') fail(`dtype ${descr}; expected float32 '<f4' or int32 '<i4'`);
  if (size - dataStart !== count * 4)
    fail(`expected ${count * 4} data bytes for shape [${shape}], found ${size - dataStart}`);
  return { dtype: descr as NpyHeader['dtype'], shape, dataStart };
}

export function decodeNpy(bytes: Uint8Array, file = '<buffer>'): NpyArray {
  const { dtype, shape, dataStart } = parseNpyHeader(bytes, bytes.length, file);
  // Copy into a fresh, aligned buffer: the data offset need not be 4-byte aligned in the input, and
  // a Node Buffer's slice() is a view into a shared pool, not a copy.
  const raw = new Uint8Array(bytes.subarray(dataStart)).buffer;
  return dtype === '<f4'
    ? { data: new Float32Array(raw), shape, dtype: '<f4' }
    : { data: new Int32Array(raw), shape, dtype: '<i4' };
}

/** Largest header read by readNpyHeader: a format-1 header's length field is 16 bits. */
const MAX_HEADER_BYTES = PREAMBLE_BYTES + 0xffff;

/** dtype and shape of an .npy file without reading its data (its length is checked against the shape). */
export function readNpyHeader(file: string): Pick<NpyArray, 'dtype' | 'shape'> {
  if (!fs.existsSync(file)) throw new RunError(`${file}: file not found`);
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const bytes = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
    fs.readSync(fd, bytes, 0, bytes.length, 0);
    const { dtype, shape } = parseNpyHeader(bytes, size, file);
    return { dtype, shape };
  } finally {
    fs.closeSync(fd);
  }
}

export function readNpy(file: string): NpyArray {
  if (!fs.existsSync(file)) throw new RunError(`${file}: file not found`);
  return decodeNpy(fs.readFileSync(file), file);
}
