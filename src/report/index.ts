import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { aggregate } from './aggregate.js';
import { accuracySection } from './charts/accuracy.js';
import { anglesSection } from './charts/angles.js';
import { collapseSection } from './charts/collapse.js';
import { curvesSection } from './charts/curves.js';
import { geometrySection } from './charts/geometry.js';
import { differencesTable } from './differences.js';
import { groupsOf } from './groups.js';
import { renderHtml } from './html.js';
import { readSuite, type RunFiles } from './read-suite.js';
import { tuningTable } from './tuning.js';
import { SUITE_FILES } from '../io/run-layout.js';

const require = createRequire(import.meta.url);

/**
 * Chart.js draws the charts (canvas, ~200 kB as one UMD file, no network at run time) and
 * chartjs-chart-error-bars adds the mean ± std whiskers; both are inlined so report.html works
 * offline. Their UMD builds sit beside the CommonJS entry points that `require.resolve` finds
 * (neither package exports the UMD path itself).
 */
function chartLibraries(): string[] {
  const chartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  const errorBars = path.join(path.dirname(require.resolve('chartjs-chart-error-bars')), 'index.umd.min.js');
  return [chartJs, errorBars].map((f) => fs.readFileSync(f, 'utf8'));
}

/**
 * Write `<suiteDir>/report.html` from summary.csv and the run folders it names; returns the report's path.
 * `baseline`: the method the paired differences are taken to (undefined: ce when the suite ran it, as a suite's default).
 */
export async function writeReport(suiteDir: string, baseline?: string | null): Promise<string> {
  const suite = readSuite(suiteDir);
  // Runs not in summary.csv yet (a suite still running) have their groups too.
  const { groups, groupOf } = groupsOf([...suite.rows, ...suite.runs.map((r) => r.cell)]);
  const runGroup = (r: RunFiles) => groupOf(r.cell);
  const agg = aggregate(suite.rows);
  const base = baseline === undefined ? 'ce' : baseline;
  if (baseline && !suite.rows.some((r) => r.method === baseline))
    suite.notes.push(`paired differences: summary.csv has no cells of the baseline ${baseline}`);
  const html = renderHtml({
    suite,
    groups,
    agg,
    // The question first: how collapse over training goes with fine-grained transfer (suites with `track`).
    sections: [
      collapseSection(suite.runs, runGroup),
      accuracySection(agg, groups),
      geometrySection(agg, groups),
      anglesSection(suite.runs, runGroup),
      curvesSection(suite.runs, runGroup),
    ],
    differences: differencesTable(suite.rows, groups, base),
    tuning: tuningTable(suiteDir, suite.notes),
    libraries: chartLibraries(),
  });
  const file = path.join(suiteDir, SUITE_FILES.report);
  writeFileAtomic(file, html);
  return file;
}
