import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/io/npy.js';

/**
 * An independent reader that follows the .npy 1.0 format description byte by byte
 * (numpy.lib.format): magic, version, little-endian uint16 header length, a Python dict literal
 * padded with spaces and ending in '\n' so that the data starts on a 64-byte boundary.
 */
function independentRead(bytes: Buffer): { descr: string; fortran: boolean; shape: number[]; data: DataView } {
  expect([...bytes.subarray(0, 6)]).toEqual([0x93, ...Buffer.from('NUMPY')]);
  expect(bytes[6]).toBe(1);
  expect(bytes[7]).toBe(0);
  const headerLen = bytes[8] + 256 * bytes[9];
  expect((10 + headerLen) % 64).toBe(0);
  const header = bytes.subarray(10, 10 + headerLen).toString('latin1');
  expect(header.endsWith('\n')).toBe(true);
  expect(header.startsWith('{')).toBe(true);
  const literal = header
    .trimEnd()
    .replace(/'/g, '"')
    .replace('False', 'false')
    .replace('True', 'true')
    .replace(
      /\(([^)]*)\)/,
      (_, inner: string) =>
        `[${inner
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .join(',')}]`,
    )
    .replace(/,\s*}$/, '}');
  const dict = JSON.parse(literal) as { descr: string; fortran_order: boolean; shape: number[] };
  return {
    descr: dict.descr,
    fortran: dict.fortran_order,
    shape: dict.shape,
    data: new DataView(bytes.buffer, bytes.byteOffset + 10 + headerLen, bytes.length - 10 - headerLen),
  };
}

describe('npy', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-npy-'));

  it('writes float32 N×d that an independent reader decodes value by value', () => {
    const data = Float32Array.from({ length: 3 * 5 }, (_, i) => i * 0.5 - 3.25);
    const file = path.join(dir, 'f.npy');
    writeNpy(file, data, [3, 5]);
    const r = independentRead(fs.readFileSync(file));
    expect(r.descr).toBe('<f4');
    expect(r.fortran).toBe(false);
    expect(r.shape).toEqual([3, 5]);
    expect(r.data.byteLength).toBe(15 * 4);
    for (let i = 0; i < data.length; i++) expect(r.data.getFloat32(4 * i, true)).toBe(data[i]);
  });

  it('writes 1-D int32 labels with the (n,) shape tuple', () => {
    const data = Int32Array.from([5, 0, 4, 1, 9, -1]);
    const file = path.join(dir, 'i.npy');
    writeNpy(file, data, [6]);
    const text = fs.readFileSync(file).subarray(10, 80).toString('latin1');
    expect(text).toContain("'shape': (6,)");
    const r = independentRead(fs.readFileSync(file));
    expect(r.descr).toBe('<i4');
    for (let i = 0; i < data.length; i++) expect(r.data.getInt32(4 * i, true)).toBe(data[i]);
  });

  it('round-trips through its own reader', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i));
    const file = path.join(dir, 'r.npy');
    writeNpy(file, data, [2, 3, 4]);
    const back = readNpy(file);
    expect(back.dtype).toBe('<f4');
    expect(back.shape).toEqual([2, 3, 4]);
    expect([...back.data]).toEqual([...data]);
  });

  it('rejects a bad magic, a truncated file and a float64 array with the file name', () => {
    const good = fs.readFileSync(path.join(dir, 'r.npy'));
    const bad = path.join(dir, 'bad.npy');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('XXXXXX'), good.subarray(6)]));
    expect(() => readNpy(bad)).toThrow(/bad\.npy: not a valid \.npy file \(bad magic\)/);
    fs.writeFileSync(bad, good.subarray(0, good.length - 4));
    expect(() => readNpy(bad)).toThrow(/expected 96 data bytes/);
    fs.writeFileSync(bad, Buffer.from(good.toString('latin1').replace("'<f4'", "'<f8'"), 'latin1'));
    expect(() => readNpy(bad)).toThrow(/dtype <f8/);
  });
});
