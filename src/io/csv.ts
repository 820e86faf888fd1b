import fs from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { RunError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

export type Row = Record<string, string | number | boolean | null | undefined>;

/** Write rows with a fixed column order (extra keys of a row are ignored, missing ones left empty). */
export function writeCsv(file: string, rows: Row[], columns: string[]): void {
  writeFileAtomic(file, stringify(rows, { header: true, columns }));
}

/** Columns in first-seen order across rows, for tables whose columns depend on the data. */
export function columnsOf(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export function readCsv(file: string): Record<string, string>[] {
  if (!fs.existsSync(file)) throw new RunError(`${file}: file not found`);
  try {
    return parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true });
  } catch (e) {
    throw new RunError(`${file}: not a readable CSV (${(e as Error).message})`);
  }
}
