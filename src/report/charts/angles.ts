import type { ReportGroup } from '../groups.js';
import { runsByPipeline, type RunFiles } from '../read-suite.js';
import { commonOptions, type ChartSpec, type Section } from './types.js';

interface Histogram {
  /** bin start (degrees) -> [bin end, summed count] */
  bins: Map<number, [number, number]>;
  theta: number | null;
}

/** The x axis ends at the next multiple of 10° at least this far right of the last occupied bin (and θ). */
const X_MARGIN_DEG = 5;

function sumOverSeeds(
  runs: RunFiles[],
  groupOf: (r: RunFiles) => ReportGroup,
  split: string,
  level: string,
): Map<ReportGroup, Histogram> {
  const hists = new Map<ReportGroup, Histogram>();
  for (const run of runs) {
    const g = groupOf(run);
    const h = hists.get(g) ?? { bins: new Map(), theta: null };
    h.theta ??= run.thetaDeg;
    for (const b of run.angles ?? []) {
      if (b.split !== split || b.level !== level || !Number.isFinite(b.count)) continue;
      const [, count] = h.bins.get(b.start) ?? [b.end, 0];
      h.bins.set(b.start, [b.end, count + b.count]);
    }
    if (h.bins.size > 0) hists.set(g, h);
  }
  return hists;
}

function angleChart(id: string, title: string, hists: Map<ReportGroup, Histogram>): ChartSpec {
  let xMax = 0;
  let yMax = 0;
  const datasets = [...hists].flatMap(([g, h]) => {
    const bins = [...h.bins].sort((a, b) => a[0] - b[0]);
    const total = bins.reduce((a, [, [, c]]) => a + c, 0);
    const points = bins.map(([start, [end, count]]) => {
      if (count > 0) xMax = Math.max(xMax, end);
      return { x: (start + end) / 2, y: total > 0 ? (100 * count) / total : 0 };
    });
    yMax = Math.max(yMax, ...points.map((p) => p.y));
    const curve = {
      label: g.label,
      data: points,
      borderColor: g.color,
      backgroundColor: g.color,
      pointRadius: 0,
      borderWidth: 2,
    };
    if (h.theta === null) return [curve];
    xMax = Math.max(xMax, h.theta);
    // θ as a vertical dashed segment of the group's colour: a dataset, so Chart.js draws it.
    const marker = {
      label: `θ = ${Number(h.theta.toFixed(1))}° (${g.label})`,
      data: [
        { x: h.theta, y: 0 },
        { x: h.theta, y: 100 },
      ],
      borderColor: g.color,
      backgroundColor: g.color,
      borderDash: [6, 4],
      pointRadius: 0,
      borderWidth: 1.5,
    };
    return [curve, marker];
  });
  // Markers run to y = 100%; clip them at the top of the tallest histogram.
  const yTop = Math.min(100, Math.ceil(yMax * 1.1) || 100);
  return {
    id,
    config: {
      type: 'line',
      data: { datasets },
      options: {
        ...commonOptions(title),
        scales: {
          x: {
            type: 'linear',
            min: 0,
            max: Math.min(180, Math.ceil((xMax + X_MARGIN_DEG) / 10) * 10),
            title: { display: true, text: 'angle (degrees)' },
          },
          y: { min: 0, max: yTop, title: { display: true, text: '% of features (summed over seeds)' } },
        },
      },
    },
  };
}

/**
 * One chart per pipeline and (split, level) in the runs' angles.csv, one curve per group with its
 * cone half-angle θ.
 */
export function anglesSection(runs: RunFiles[], groupOf: (r: RunFiles) => ReportGroup): Section {
  const pipelines = runsByPipeline(runs);
  const charts = [...pipelines].flatMap(([pipeline, pipelineRuns]) => {
    const combos = new Map<string, [string, string]>();
    for (const run of pipelineRuns)
      for (const b of run.angles ?? []) combos.set(JSON.stringify([b.split, b.level]), [b.split, b.level]);
    // The test split first: it is what the geometry metrics describe.
    const ordered = [...combos.values()].sort((a, b) => Number(b[0] === 'test') - Number(a[0] === 'test'));
    return ordered.map(([split, level]) => {
      const title = `${pipelines.size > 1 ? `${pipeline}: ` : ''}Angle between each ${split} feature and its class direction (${level} level)`;
      return { title, hists: sumOverSeeds(pipelineRuns, groupOf, split, level) };
    });
  });
  return {
    title: 'The cone made visible: feature angles',
    intro:
      'Histogram (2° bins) of the angle between each feature and its class direction (the ETF row for ETF methods, the classifier row otherwise), ' +
      'counts summed over seeds and normalised to percent of features. Collapsed features pile up near 0°; cone features spread out to the dashed half-angle θ.',
    charts: charts.map((c, i) => angleChart(`angles-${i}`, c.title, c.hists)),
  };
}
