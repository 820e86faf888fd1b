import { readFileSync } from 'node:fs';
import { BufferReader, NameRegistry, Parser } from 'pickleparser';
import { RunError } from '../errors.js';

/*
 * One split (`train` or `test`) of the CIFAR-100 python version (cifar-100-python.tar.gz): a dict
 * pickled by Python 2's cPickle (protocol 2) with b'data', a numpy uint8 array of N rows of image
 * bytes, and b'fine_labels' / b'coarse_labels', lists of N ints. pickleparser interprets the
 * opcodes; the numpy globals are registered here so that the array comes back as its raw bytes.
 */

/** What the real files were written with: unpickling is checked against this. */
const PICKLE_PROTOCOL = 2;
const PICKLE_PROTO_OPCODE = 0x80;
/** numpy's typestr for unsigned bytes, the dtype of b'data'. */
const UINT8_TYPESTR = 'u1';
const TARBALL = 'cifar-100-python.tar.gz';

/** A split as stored: image rows unconverted (CHW), labels unchecked for range. */
export interface PickledSplit {
  n: number;
  rows: Uint8Array;
  fine: Int32Array;
  coarse: Int32Array;
}

/**
 * Python 2 str values (keys, names and the array's raw bytes) are byte strings. pickleparser
 * decodes them as 'ascii', which TextDecoder treats as windows-1252; decoding them as latin1
 * instead keeps one char per byte, as Python 3 does with pickle.load(..., encoding='latin1').
 */
class Latin1Reader extends BufferReader {
  override string(size: number, encoding: 'ascii' | 'utf-8'): string {
    if (encoding === 'utf-8') return super.string(size, encoding);
    const bytes = this.bytes(size);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/** numpy.dtype as its pickle rebuilds it: dtype(typestr, align, copy), then BUILD with its state. */
class NumpyDtype {
  constructor(readonly typestr: unknown) {}
  /** The state (byte order, field names, ...) does not matter for a one-byte type. */
  __setstate__(): void {}
}

/** numpy.ndarray as its pickle rebuilds it: _reconstruct(ndarray, (0,), 'b'), then BUILD with its state. */
class NumpyArray {
  shape: unknown;
  dtype: unknown;
  fortranOrder: unknown;
  raw: unknown;
  /** state = (version, shape, dtype, is_fortran, raw bytes) */
  __setstate__(state: unknown[]): void {
    [, this.shape, this.dtype, this.fortranOrder, this.raw] = state;
  }
}

function numpyRegistry(): NameRegistry {
  return new NameRegistry()
    .register('numpy.core.multiarray', '_reconstruct', () => new NumpyArray())
    .register('numpy', 'dtype', (typestr: unknown) => new NumpyDtype(typestr));
}

function refusal(file: string, what: string): RunError {
  return new RunError(`${file}: ${what}; re-extract the CIFAR-100 python version (${TARBALL})`);
}

function unpickle(file: string): unknown {
  const bytes = readFileSync(file);
  if (bytes[0] !== PICKLE_PROTO_OPCODE || bytes[1] !== PICKLE_PROTOCOL) {
    throw refusal(file, `not a protocol-${PICKLE_PROTOCOL} pickle`);
  }
  try {
    return new Parser({ nameResolver: numpyRegistry(), unpicklingTypeOfDictionary: 'Map' }).read(
      new Latin1Reader(bytes),
    );
  } catch (e) {
    const why = (e as Error).message.replace(/\s+/g, ' ');
    throw refusal(file, `unreadable pickle (${why})`);
  }
}

function labelList(file: string, dict: Map<unknown, unknown>, key: string, n: number): Int32Array {
  const list = dict.get(key);
  if (!Array.isArray(list) || list.length !== n || !list.every(Number.isInteger)) {
    const got = Array.isArray(list) ? `${list.length} entries` : typeof list;
    throw refusal(file, `b'${key}' must be a list of ${n} ints, one per image (got ${got})`);
  }
  return Int32Array.from(list);
}

/** Reads a split pickle whose images must be `rowBytes` bytes each; fails with one line naming the file. */
export function readPickledSplit(file: string, rowBytes: number): PickledSplit {
  const dict = unpickle(file);
  if (!(dict instanceof Map)) throw refusal(file, 'not a pickled dict');
  const data = dict.get('data');
  if (!(data instanceof NumpyArray)) throw refusal(file, "b'data' is not a numpy array");
  const typestr = data.dtype instanceof NumpyDtype ? data.dtype.typestr : undefined;
  if (typestr !== UINT8_TYPESTR)
    throw refusal(file, `b'data' has dtype ${String(typestr)}, expected ${UINT8_TYPESTR} (uint8)`);
  const shape = data.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !Number.isInteger(shape[0]) || shape[1] !== rowBytes) {
    throw refusal(
      file,
      `b'data' has shape ${Array.isArray(shape) ? `[${shape.join(', ')}]` : typeof shape}, expected [N, ${rowBytes}]`,
    );
  }
  if (data.fortranOrder !== false) throw refusal(file, "b'data' is not in row-major (C) order");
  const n: number = shape[0];
  if (typeof data.raw !== 'string' || data.raw.length !== n * rowBytes) {
    const got = typeof data.raw === 'string' ? `${data.raw.length} bytes` : typeof data.raw;
    throw refusal(file, `b'data' holds ${got}, expected ${n}·${rowBytes} = ${n * rowBytes}`);
  }
  return {
    n,
    rows: Buffer.from(data.raw, 'latin1'),
    fine: labelList(file, dict, 'fine_labels', n),
    coarse: labelList(file, dict, 'coarse_labels', n),
  };
}
