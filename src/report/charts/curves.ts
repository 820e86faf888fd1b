import type { ReportGroup } from '../groups.js';
import { runsByPipeline, type EpochRow, type RunFiles } from '../read-suite.js';
import { displayValue } from '../../util/units.js';
import { commonOptions, type ChartSpec, type Section } from './types.js';

/** Seeds of one group share its colour and differ by dash pattern and point marker. */
const DASHES = [[], [6, 3], [2, 2], [10, 3, 2, 3]];
const POINT_STYLES = ['circle', 'rect', 'triangle', 'crossRot'] as const;

function curveChart(
  id: string,
  title: string,
  yTitle: string,
  runs: RunFiles[],
  groupOf: (r: RunFiles) => ReportGroup,
  value: (e: EpochRow) => number,
): ChartSpec {
  const seedIndex = new Map<ReportGroup, number>();
  const datasets = runs.map((r) => {
    const g = groupOf(r);
    const i = seedIndex.get(g) ?? 0;
    seedIndex.set(g, i + 1);
    return {
      label: `${g.label} s${r.cell.seed}`,
      // Epochs without an evaluation stay gaps (null), which spanGaps bridges.
      data: (r.epochs ?? []).map((e) => ({ x: e.epoch, y: Number.isFinite(value(e)) ? value(e) : null })),
      borderColor: g.color,
      backgroundColor: g.color,
      borderDash: DASHES[i % DASHES.length],
      pointStyle: POINT_STYLES[i % POINT_STYLES.length],
      borderWidth: 2,
      pointRadius: 3,
      spanGaps: true,
    };
  });
  const base = commonOptions(title);
  return {
    id,
    config: {
      type: 'line',
      data: { datasets },
      options: {
        ...base,
        // Legend entries show the marker (and so the seed) instead of a dashed box.
        plugins: { ...base.plugins, legend: { position: 'bottom', labels: { usePointStyle: true } } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          y: { title: { display: true, text: yTitle } },
        },
      },
    },
  };
}

/** Train loss and test accuracy per epoch, one line per run (metrics.csv), one pair of charts per pipeline. */
export function curvesSection(runs: RunFiles[], groupOf: (r: RunFiles) => ReportGroup): Section {
  const pipelines = runsByPipeline(runs.filter((r) => r.epochs && r.epochs.length > 0));
  const charts = [...pipelines].flatMap(([pipeline, pipelineRuns], i) => {
    const prefix = pipelines.size > 1 ? `${pipeline}: ` : '';
    return [
      curveChart(
        `curve-loss-${i}`,
        `${prefix}Train loss per epoch`,
        'train loss',
        pipelineRuns,
        groupOf,
        (e) => e.trainLoss,
      ),
      curveChart(
        `curve-acc-${i}`,
        `${prefix}Test accuracy per epoch (training level)`,
        'test accuracy (%)',
        pipelineRuns,
        groupOf,
        (e) => displayValue('test_accuracy', e.testAccuracy),
      ),
    ];
  });
  return {
    title: 'Training curves',
    intro: 'One line per run: colour is the method (and grid value), dash pattern and marker the seed.',
    charts,
  };
}
