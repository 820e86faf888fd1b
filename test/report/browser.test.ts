import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonForScript } from '../../src/report/html.js';
import { writeReport } from '../../src/report/index.js';
import { ROOT } from '../helpers/cli.js';
import { missingSystemPackage } from '../helpers/system.js';
import { CHROMIUM, dumpDom, screenshot } from './chromium.js';
import { writeFixtureSuite } from './fixture.js';

/** 3 accuracy families + 4 geometry metrics + 1 angle histogram + 3 collapse charts + 2 pipelines × (loss, accuracy). */
const EXPECTED_CHARTS = 15;
/** Tall enough for the whole fixture page at this width. */
const SHOT = { width: 1280, height: 3560 };
/** The first two group colours (ce, cone) of the page's palette. */
const GROUP_RGB = [
  [0x00, 0x72, 0xb2],
  [0xd5, 0x5e, 0x00],
];

function bodyAttr(dom: string, name: string): string | undefined {
  return new RegExp(`<body[^>]*\\s${name}="([^"]*)"`).exec(dom)?.[1];
}

function dataPixelsPerCanvas(dom: string): Record<string, number> {
  return Object.fromEntries(
    [...dom.matchAll(/<canvas id="([^"]+)"[^>]*data-data-pixels="(\d+)"/g)].map((m) => [m[1], Number(m[2])]),
  );
}

describe.skipIf(missingSystemPackage(CHROMIUM))('report.html in headless Chromium', () => {
  let tmp: string;
  let report: string;
  const cwd = process.cwd();
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-report-browser-'));
    // Relative to a results/ folder as a user would run it, so the page (and the kept screenshot) names results/fixture.
    process.chdir(tmp);
    writeFixtureSuite('results/fixture');
    report = path.resolve(await writeReport('results/fixture'));
  });
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('draws every chart: each canvas has its data colours inside the plot area', () => {
    const dom = dumpDom(report);
    expect(bodyAttr(dom, 'data-report-error')).toBeUndefined();
    expect(bodyAttr(dom, 'data-charts-total')).toBe(String(EXPECTED_CHARTS));
    expect(bodyAttr(dom, 'data-charts-drawn')).toBe(String(EXPECTED_CHARTS));
    const pixels = dataPixelsPerCanvas(dom);
    expect(Object.keys(pixels)).toHaveLength(EXPECTED_CHARTS);
    // A 2-px line over a few epochs already covers well over a thousand device pixels; the scatter's
    // 12 points of radius 4 about 600.
    for (const [id, n] of Object.entries(pixels))
      expect(n, id).toBeGreaterThan(id.startsWith('collapse-scatter') ? 300 : 1000);
  });

  it('counts no data pixels when the charts have no data (the check can fail)', () => {
    const html = fs.readFileSync(report, 'utf8');
    const empty = html.replace(
      /(<script type="application\/json" id="chart-data">)([^<]*)(<\/script>)/,
      (_, open, json: string, close) => {
        const specs = JSON.parse(json) as { config: { data: { datasets: { data: unknown[] }[] } } }[];
        for (const s of specs) for (const d of s.config.data.datasets) d.data = [];
        return `${open}${jsonForScript(specs)}${close}`;
      },
    );
    const file = path.join(tmp, 'empty.html');
    fs.writeFileSync(file, empty);
    const dom = dumpDom(file);
    expect(bodyAttr(dom, 'data-report-error')).toBeUndefined();
    expect(bodyAttr(dom, 'data-charts-drawn')).toBe('0');
    expect(Object.values(dataPixelsPerCanvas(dom))).toEqual(new Array(EXPECTED_CHARTS).fill(0));
  });

  it("renders a screenshot with both methods' colours (CONE_UPDATE_SCREENSHOT=1 keeps it in docs/)", () => {
    const png = path.join(tmp, 'report.png');
    screenshot(report, png, SHOT.width, SHOT.height);
    const img = PNG.sync.read(fs.readFileSync(png));
    expect([img.width, img.height]).toEqual([SHOT.width, SHOT.height]);
    const seen = GROUP_RGB.map(() => 0);
    for (let i = 0; i < img.data.length; i += 4) {
      GROUP_RGB.forEach((c, k) => {
        if (Math.abs(img.data[i] - c[0]) + Math.abs(img.data[i + 1] - c[1]) + Math.abs(img.data[i + 2] - c[2]) < 30)
          seen[k]++;
      });
    }
    for (const n of seen) expect(n).toBeGreaterThan(5000);
    if (process.env.CONE_UPDATE_SCREENSHOT === '1') fs.copyFileSync(png, path.join(ROOT, 'docs/report-screenshot.png'));
  });
});
