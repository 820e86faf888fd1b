import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SystemPackage } from '../helpers/system.js';
// Headless, offline and quiet: no first-run work, no network services (refused on a closed network);
// a virtual-time budget lets the page's scripts finish before the DOM is dumped or the screenshot
// taken. Shared with scripts/report-section-png.mjs.
import CHROMIUM_FLAGS from './chromium-flags.json' with { type: 'json' };

/** Debian's chromium; `.ci/run` installs it. Tests using it skip without it (test/helpers/system.ts). */
export const CHROMIUM: SystemPackage = {
  path: '/usr/bin/chromium',
  apt: 'chromium',
  use: 'the report.html browser tests',
  executable: true,
};

/** Chromium with CHROMIUM_FLAGS and a throw-away profile. */
function chromium(args: string[], page: string): string {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM.path,
      [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args, pathToFileURL(page).href],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 },
    );
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
    return r.stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** The page's DOM after its scripts ran. */
export function dumpDom(page: string): string {
  return chromium(['--dump-dom'], page);
}

/** A PNG of the page's first `height` CSS pixels at `width` wide. */
export function screenshot(page: string, png: string, width: number, height: number): void {
  chromium([`--window-size=${width},${height}`, `--screenshot=${png}`], page);
  if (!fs.existsSync(png)) throw new Error(`chromium wrote no screenshot to ${png}`);
}
