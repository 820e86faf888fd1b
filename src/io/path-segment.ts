import { UsageError } from '../errors.js';

/** Longest name most file systems take for one file or folder (bytes of UTF-8). */
const MAX_SEGMENT_BYTES = 255;

/**
 * Why `value` cannot be the name of one file or folder inside a folder cone works in, or null when
 * it can. A name read from a file or a flag (a suite name, a run id) is joined to a path: `..`, `/`
 * or `\` would lead outside that folder, `""` and `.` would be the folder itself, control characters
 * (newline, tab) would hide in listings and break the lines of summaries.
 */
export function pathSegmentProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `must be a name (got ${JSON.stringify(value)})`;
  const shown = JSON.stringify(value);
  if (value === '' || value === '.' || value === '..') return `${shown} is not a folder name of its own`;
  if (/[/\\]/.test(value)) return `${shown} must be one folder name, without '/' or '\\'`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return `${shown} must not hold control characters (newline, tab, ...)`;
  // A lone surrogate has no UTF-8 bytes: the file system would get another name.
  if (Buffer.from(value, 'utf8').toString('utf8') !== value) return `${shown} is not valid Unicode text`;
  if (Buffer.byteLength(value) > MAX_SEGMENT_BYTES) return `${shown} is longer than ${MAX_SEGMENT_BYTES} bytes`;
  return null;
}

/** `value` when it is one safe file or folder name; otherwise a UsageError (exit 2) `<where>: <why>`. */
export function requirePathSegment(value: string, where: string): string {
  const problem = pathSegmentProblem(value);
  if (problem) throw new UsageError(`${where}: ${problem}`);
  return value;
}
