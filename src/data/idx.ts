import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { RunError } from '../errors.js';

/*
 * IDX (the MNIST file format): a 4-byte magic [0, 0, type, ndims], ndims big-endian uint32
 * dimension sizes, then the values row-major. Only type 0x08 (unsigned byte) is used by the
 * image datasets read here.
 */
const IDX_TYPE_OFFSET = 2;
const IDX_NDIMS_OFFSET = 3;
const IDX_TYPE_UBYTE = 0x08;
const IDX_MAGIC_BYTES = 4;
const IDX_DIM_BYTES = 4;
const GZIP_MAGIC = [0x1f, 0x8b];

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Reads the file, un-gzipping it when it starts with the gzip magic. */
function readMaybeGzipped(file: string): Buffer {
  const raw = readFileSync(file);
  if (raw[0] !== GZIP_MAGIC[0] || raw[1] !== GZIP_MAGIC[1]) return raw;
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new RunError(`${file}: corrupt gzip data (${(e as Error).message})`);
  }
}

/** Reads an unsigned-byte IDX file (plain or .gz) with `ndims` dimensions, checking magic and size. */
export function readIdxUbyte(file: string, ndims: number): IdxArray {
  const buf = readMaybeGzipped(file);
  const headerBytes = IDX_MAGIC_BYTES + ndims * IDX_DIM_BYTES;
  if (buf.length < IDX_MAGIC_BYTES)
    throw new RunError(`${file}: truncated IDX header (${buf.length} bytes, need ${headerBytes})`);
  const magic = buf.readUInt32BE(0);
  const expectedMagic = (IDX_TYPE_UBYTE << 8) | ndims;
  if (buf[0] !== 0 || buf[1] !== 0 || buf[IDX_TYPE_OFFSET] !== IDX_TYPE_UBYTE || buf[IDX_NDIMS_OFFSET] !== ndims) {
    throw new RunError(
      `${file}: bad IDX magic 0x${magic.toString(16).padStart(8, '0')} (expected 0x${expectedMagic.toString(16).padStart(8, '0')}: unsigned bytes, ${ndims} dimension(s))`,
    );
  }
  if (buf.length < headerBytes)
    throw new RunError(`${file}: truncated IDX header (${buf.length} bytes, need ${headerBytes})`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(buf.readUInt32BE(IDX_MAGIC_BYTES + i * IDX_DIM_BYTES));
  const expectedBytes = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (buf.length < expectedBytes) {
    throw new RunError(`${file}: truncated (${buf.length} bytes, header dims ${dims.join('x')} need ${expectedBytes})`);
  }
  if (buf.length > expectedBytes) {
    throw new RunError(
      `${file}: ${buf.length - expectedBytes} bytes after the data that header dims ${dims.join('x')} describe`,
    );
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, expectedBytes - headerBytes) };
}
