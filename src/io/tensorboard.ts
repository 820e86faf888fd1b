import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * TensorBoard event files (`events.out.tfevents.<time>.<host>.<pid>`): scalars that TensorBoard,
 * `tensorboard.backend.event_processing` or `tbparse` read, written without TensorFlow. No npm
 * package writes them and is kept up (the TFRecord packages write tf.Example records, not events),
 * so this is the format itself: a TFRecord file (per record: uint64 length, masked CRC-32C of the
 * length, the bytes, masked CRC-32C of the bytes; little-endian) of `tensorflow.Event` protobufs,
 * the first carrying `file_version: "brain.Event:2"`, the others a `Summary` of `simple_value`s.
 * The file is appended to (TensorBoard follows it live); a record cut short by a kill is dropped
 * by readers at its CRC. A resumed run appends to a new file, which TensorBoard merges by step.
 */
export const EVENT_FILE_PREFIX = 'events.out.tfevents.';

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord uses. */
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 bits and add a constant, so a CRC of CRCs is not trivial. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function tfRecord(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, tail]);
}

// Protobuf encoding of the few fields used (field numbers from tensorflow/core/util/event.proto and
// tensorflow/core/framework/summary.proto).
function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return Buffer.from(out);
}

const key = (field: number, wireType: number) => varint((field << 3) | wireType);

function lengthDelimited(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([key(field, 2), varint(bytes.length), bytes]);
}

/** Event { double wall_time = 1; int64 step = 2; string file_version = 3 | Summary summary = 5; } */
function event(wallTime: number, step: number, body: Buffer): Buffer {
  const time = Buffer.alloc(8);
  time.writeDoubleLE(wallTime, 0);
  return Buffer.concat([key(1, 1), time, key(2, 0), varint(step), body]);
}

/** Summary { repeated Value value = 1; }, Value { string tag = 1; float simple_value = 2; } */
function scalarSummary(scalars: Record<string, number>): Buffer {
  const values = Object.entries(scalars)
    .filter(([, v]) => Number.isFinite(v))
    .map(([tag, v]) => {
      const f = Buffer.alloc(4);
      f.writeFloatLE(v, 0);
      return lengthDelimited(1, Buffer.concat([lengthDelimited(1, Buffer.from(tag, 'utf8')), key(2, 5), f]));
    });
  return lengthDelimited(5, Buffer.concat(values));
}

/** Appends scalar events to a new event file in `dir`, the file-version record first. */
export class EventFileWriter {
  readonly file: string;

  constructor(dir: string, now = Date.now()) {
    this.file = path.join(dir, `${EVENT_FILE_PREFIX}${Math.floor(now / 1000)}.${os.hostname()}.${process.pid}`);
    fs.writeFileSync(
      this.file,
      tfRecord(event(now / 1000, 0, lengthDelimited(3, Buffer.from('brain.Event:2', 'utf8')))),
    );
  }

  /** One event at `step` holding every finite scalar (NaN means "not measured" and is left out). */
  scalars(step: number, scalars: Record<string, number>, now = Date.now()): void {
    if (!Object.values(scalars).some(Number.isFinite)) return;
    fs.appendFileSync(this.file, tfRecord(event(now / 1000, step, scalarSummary(scalars))));
  }
}
