#!/usr/bin/env node
// A PNG of one section of a suite's report.html, for the figures of docs/results/: the page is copied
// with every other section hidden (CSS only; the charts and data are the page's own) and rendered by
// Debian's headless chromium, as test/report/browser.test.ts does.
//
//   node scripts/report-section-png.mjs <suite>/report.html "Collapse over training" out.png [height]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [page, title, png, height = '1500'] = process.argv.slice(2);
const flags = JSON.parse(fs.readFileSync(new URL('../test/report/chromium-flags.json', import.meta.url), 'utf8'));
if (!page || !title || !png) {
  console.error('usage: report-section-png.mjs <report.html> <section title> <out.png> [height]');
  process.exit(2);
}
const html = fs.readFileSync(page, 'utf8');
const titles = [...html.matchAll(/<section[^>]*><h2>(.*?)<\/h2>/g)].map((m) => m[1]);
const index = titles.indexOf(title);
if (index < 0) {
  console.error(`${page}: no section "${title}"; it has: ${titles.join(', ')}`);
  process.exit(2);
}
// The page header stays; of the sections only the asked one is shown.
const style = `<style>section{display:none}section:nth-of-type(${index + 1}){display:block}</style>`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-figure-'));
try {
  const copy = path.join(tmp, 'page.html');
  fs.writeFileSync(copy, html.replace('</head>', `${style}</head>`));
  const r = spawnSync(
    '/usr/bin/chromium',
    [
      ...flags,
      `--user-data-dir=${path.join(tmp, 'profile')}`,
      `--window-size=1240,${height}`,
      `--screenshot=${path.resolve(png)}`,
      pathToFileURL(copy).href,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (r.error || r.status !== 0) {
    console.error(`chromium failed (apt-get install chromium): ${r.error?.message ?? r.stderr.slice(-500)}`);
    process.exit(1);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
