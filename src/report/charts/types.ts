import type { ChartConfiguration } from 'chart.js';
// Brings the error-bar chart types into Chart.js's type registry.
import type {} from 'chartjs-chart-error-bars';

/** One chart of the page: a canvas id, and the Chart.js configuration drawn on it (JSON only, no functions). */
export interface ChartSpec {
  id: string;
  config: ChartConfiguration<'barWithErrorBars' | 'line' | 'scatter'>;
}

export interface Section {
  title: string;
  /** One or two sentences that say how to read the charts. */
  intro: string;
  charts: ChartSpec[];
  /** Many small charts (small multiples) rather than a few large ones. */
  small?: boolean;
  /** Tables of numbers shown under the charts (plain text cells). */
  tables?: SectionTable[];
}

export interface SectionTable {
  caption: string;
  head: string[];
  rows: string[][];
}

/** Options every chart shares: no animation, so a chart is fully drawn when its constructor returns. */
export function commonOptions(title: string, subtitle = '') {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: {
      title: { display: true, text: title, font: { size: 14 } },
      subtitle: { display: subtitle !== '', text: subtitle },
      legend: { position: 'bottom' as const },
    },
  };
}
