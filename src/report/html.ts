import type { Aggregates } from './aggregate.js';
import type { Section, SectionTable } from './charts/types.js';
import { DRAW_CHARTS_JS } from './draw-charts.js';
import type { ReportGroup } from './groups.js';
import type { SuiteData } from './read-suite.js';
import { formatMetric } from '../util/units.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that is safe inside <script type="application/json">: no `<` can close the element or open
 * a comment, and the line separators that older JS parsers reject are escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A library's source inlined into <script>: a literal `</script` or `<!--` in it would end or confuse the element. */
function scriptTag(source: string): string {
  return `<script>${source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')}</script>`;
}

function numbersTable(agg: Aggregates, groups: ReportGroup[]): string {
  const head = `<tr><th>metric</th>${groups.map((g) => `<th><span class="swatch" style="background:${g.color}"></span>${escapeHtml(g.label)}</th>`).join('')}</tr>`;
  const rows = [...agg].map(([metric, byGroup]) => {
    const cells = groups.map((g) => {
      const s = byGroup.get(g.key);
      return `<td>${s ? `${formatMetric(metric, s.mean, s.std)} <small>(n=${s.n})</small>` : '–'}</td>`;
    });
    return `<tr><th>${escapeHtml(metric)}</th>${cells.join('')}</tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

function tableHtml(t: SectionTable): string {
  return (
    `<table><caption>${escapeHtml(t.caption)}</caption><tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>` +
    `${t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</table>`
  );
}

function sectionHtml(s: Section): string {
  const small = Boolean(s.small);
  const canvases = s.charts
    .map((c) => `<div class="chart${small ? ' small' : ''}"><canvas id="${escapeHtml(c.id)}"></canvas></div>`)
    .join('');
  const tables = (s.tables ?? [])
    .filter((t) => t.rows.length > 0)
    .map(tableHtml)
    .join('');
  return `<section><h2>${escapeHtml(s.title)}</h2><p>${escapeHtml(s.intro)}</p><div class="grid${small ? ' small' : ''}">${canvases}</div>${tables}</section>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1240px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 4px;border-bottom:1px solid #ddd}
p{margin:4px 0 10px;color:#444}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
.grid.small{grid-template-columns:repeat(auto-fill,minmax(280px,1fr))}.chart{position:relative;height:330px}
.chart.small{height:250px}table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}caption{text-align:left;margin:14px 0 4px;color:#444}.swatch{display:inline-block;width:10px;height:10px;margin-right:5px}
.notes li{color:#8a4b00}code{font-size:12px}`;

export interface PageParts {
  suite: SuiteData;
  groups: ReportGroup[];
  agg: Aggregates;
  sections: Section[];
  /** Paired differences to the baseline with their intervals (differences.ts), when the suite has a baseline. */
  differences: SectionTable | null;
  /** What the suite's tuning chose (tuning.ts), when it tuned. */
  tuning?: SectionTable | null;
  /** Library sources to inline, in load order. */
  libraries: string[];
}

/** The whole self-contained page: styles, data and scripts inline, nothing fetched. */
export function renderHtml(p: PageParts): string {
  const { suite } = p;
  const seeds = new Set(suite.runs.map((r) => r.cell.seed)).size;
  const datasets = [...new Set(suite.runs.map((r) => r.cell.dataset))].join(', ');
  const specs = p.sections.flatMap((s) => s.charts);
  const unfinished = suite.runs.filter((r) => r.unfinished !== null);
  const inProgress =
    unfinished.length === 0
      ? ''
      : `<section class="progress"><h2>In progress</h2><p>Runs not in summary.csv yet: their training curves and collapse over training show the epochs so far; the bars and the numbers are of finished runs only. Run <code>cone report</code> again (or wait for the next finished cell) to refresh.</p><ul>${unfinished
          .map(
            (r) =>
              `<li><code>${escapeHtml(r.runId)}</code>: ${escapeHtml(r.unfinished!)}, ${r.epochs?.length ?? 0} epoch(s) so far</li>`,
          )
          .join('')}</ul></section>`;
  const notes =
    suite.notes.length === 0
      ? ''
      : `<section class="notes"><h2>Not shown</h2><ul>${suite.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>cone report: ${escapeHtml(suite.name)}</title><style>${STYLE}</style></head>
<body data-charts-total="${specs.length}">
<h1>cone report: ${escapeHtml(suite.name)}</h1>
<p>${suite.runs.length - unfinished.length} finished runs${unfinished.length ? ` and ${unfinished.length} in progress` : ''} from <code>${escapeHtml(suite.dir)}</code>: dataset ${escapeHtml(datasets)}, ${p.groups.length} method/grid groups, ${seeds} seed(s).</p>
${inProgress}
${p.tuning ? `<section><h2>Tuning</h2>${tableHtml(p.tuning)}</section>` : ''}
${p.sections
  .filter((s) => s.charts.length > 0)
  .map(sectionHtml)
  .join('\n')}
<section><h2>Numbers</h2><p>Mean ± sample standard deviation over seeds, from summary.csv; accuracies and fractions in percent.</p>${numbersTable(p.agg, p.groups)}</section>
${p.differences && p.differences.rows.length > 0 ? `<section><h2>Differences to the baseline</h2>${tableHtml(p.differences)}</section>` : ''}
${notes}
<script type="application/json" id="chart-data">${jsonForScript(specs)}</script>
${p.libraries.map(scriptTag).join('\n')}
${scriptTag(DRAW_CHARTS_JS)}
</body></html>
`;
}
