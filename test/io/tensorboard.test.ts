import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { resolveSpec } from '../../src/config/load.js';
import { readCsv } from '../../src/io/csv.js';
import { RUN_FILES } from '../../src/io/run-layout.js';
import { EVENT_FILE_PREFIX, EventFileWriter, maskedCrc32c } from '../../src/io/tensorboard.js';
import { pretrain } from '../../src/pipelines/pretrain.js';
import { tinySpec } from '../helpers/tiny-spec.js';

// An independent reader of the format, from its definition: TFRecord framing (tensorflow/core/lib/io/record_writer.cc)
// with a bitwise CRC-32C, and a generic protobuf decoder applied to event.proto / summary.proto field numbers.

function crc32cBitwise(bytes: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return ~c >>> 0;
}
const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

function records(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const len = Number(buf.readBigUInt64LE(at));
    expect(buf.readUInt32LE(at + 8), 'length CRC').toBe(mask(crc32cBitwise(buf.subarray(at, at + 8))));
    const data = buf.subarray(at + 12, at + 12 + len);
    expect(buf.readUInt32LE(at + 12 + len), 'data CRC').toBe(mask(crc32cBitwise(data)));
    out.push(data);
    at += 16 + len;
  }
  return out;
}

type Field = { field: number; wire: number; value: bigint | Buffer };
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[at++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  const take = (n: number) => {
    at += n;
    return buf.subarray(at - n, at);
  };
  while (at < buf.length) {
    const k = Number(varint());
    const [field, wire] = [k >> 3, k & 7];
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1) out.push({ field, wire, value: take(8) });
    else if (wire === 5) out.push({ field, wire, value: take(4) });
    else if (wire === 2) out.push({ field, wire, value: take(Number(varint())) });
    else throw new Error(`wire type ${wire}`);
  }
  return out;
}

interface Event {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: Record<string, number>;
}
function readEvents(file: string): Event[] {
  return records(fs.readFileSync(file)).map((r) => {
    const parts = fields(r);
    const get = (n: number) => parts.find((f) => f.field === n)?.value;
    const scalars: Record<string, number> = {};
    const summary = get(5) as Buffer | undefined;
    for (const v of summary ? fields(summary).filter((f) => f.field === 1) : []) {
      const vf = fields(v.value as Buffer);
      const tag = (vf.find((f) => f.field === 1)!.value as Buffer).toString('utf8');
      scalars[tag] = (vf.find((f) => f.field === 2 && f.wire === 5)!.value as Buffer).readFloatLE(0);
    }
    return {
      wallTime: (get(1) as Buffer).readDoubleLE(0),
      step: Number((get(2) as bigint | undefined) ?? 0n),
      fileVersion: (get(3) as Buffer | undefined)?.toString('utf8'),
      scalars,
    };
  });
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-tensorboard-'));

describe('TensorBoard event files', () => {
  it('frame records with the masked CRC-32C of the format (known vector)', () => {
    // CRC-32C of "123456789" is 0xE3069283 (RFC 3720, B.4); the reader's own CRC agrees.
    expect(crc32cBitwise(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(maskedCrc32c(Buffer.from('123456789'))).toBe(mask(0xe3069283));
  });

  it('hold the file version, then one event per call with every finite scalar', () => {
    const dir = fs.mkdtempSync(path.join(root, 'w-'));
    const w = new EventFileWriter(dir, 1_700_000_000_500);
    w.scalars(1, { 'train/loss': 0.75, 'test/accuracy (%)': NaN }, 1_700_000_001_000);
    w.scalars(300, { 'train/loss': 0.25, 'track/test/fine/nc1': 1e-3 }, 1_700_000_002_000);
    w.scalars(301, { only: NaN });
    expect(path.basename(w.file)).toMatch(new RegExp(`^${EVENT_FILE_PREFIX.replace(/\./g, '\\.')}1700000000\\.`));
    const events = readEvents(w.file);
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ fileVersion: 'brain.Event:2', step: 0, wallTime: 1_700_000_000.5 });
    expect(events[1]).toEqual({
      wallTime: 1_700_000_001,
      step: 1,
      fileVersion: undefined,
      scalars: { 'train/loss': 0.75 },
    });
    expect(events[2].step).toBe(300);
    expect(events[2].scalars['train/loss']).toBe(0.25);
    expect(events[2].scalars['track/test/fine/nc1']).toBeCloseTo(1e-3, 9);
  });
});

describe('a run with tensorboard: true', () => {
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it('writes its metrics.csv and trajectory.csv numbers per epoch, accuracies in percent, without changing the run id', async () => {
    const raw = tinySpec({
      name: 'tb',
      output: path.join(root, 'run'),
      backend: 'wasm',
      track: { every: 2, subset: 1000, probes: ['linear'] },
    });
    const run = await pretrain(resolveSpec({ ...raw, tensorboard: true }, 'tb.yaml'));
    expect(run.runId).toBe((await pretrain(resolveSpec(raw, 'tb.yaml'))).runId); // not hashed: the same run (already done)
    const [file] = fs.readdirSync(run.runDir).filter((f) => f.startsWith(EVENT_FILE_PREFIX));
    const events = readEvents(path.join(run.runDir, file)).slice(1);
    const metrics = readCsv(path.join(run.runDir, RUN_FILES.metrics));
    const trajectory = readCsv(path.join(run.runDir, RUN_FILES.trajectory));
    const at = (step: number, tag: string) => events.find((e) => e.step === step && tag in e.scalars)?.scalars[tag];
    for (const m of metrics) {
      const e = Number(m.epoch);
      expect(at(e, 'train/loss')).toBeCloseTo(Number(m.train_loss), 5);
      expect(at(e, 'train/accuracy (%)')).toBeCloseTo(100 * Number(m.train_accuracy), 4);
      expect(at(e, 'lr')).toBeCloseTo(Number(m.lr), 6);
    }
    // Tracked epochs 2 and 3: the fine linear probe in percent, nc1 as it is.
    for (const r of trajectory.filter((x) => x.split === 'test' && x.level === 'fine')) {
      expect(at(Number(r.epoch), 'track/test/fine/linear (%)')).toBeCloseTo(100 * Number(r.linear), 4);
      expect(at(Number(r.epoch), 'track/test/fine/nc1')).toBeCloseTo(Number(r.nc1), 4);
    }
    expect(events.filter((e) => 'track/test/fine/nc1' in e.scalars).map((e) => e.step)).toEqual([2, 3]);
  });
});
