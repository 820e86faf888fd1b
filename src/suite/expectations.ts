import { closest, distance } from 'fastest-levenshtein';
import { UsageError } from '../errors.js';
import { SpecError } from '../config/load.js';
import { gridValuesText, matchingGroups, metricStat, pairedDifference, type Group } from './aggregate.js';
import { tInterval, type MeanInterval } from '../util/stats.js';
import type { Expectation, Suite } from './schema.js';
import { displayValue, formatDisplay, isPercentMetric } from '../util/units.js';

/**
 * An expectation compares seed means: `metric(method) op metric(method)` or `metric(method) op number`,
 * with op one of > < >= <=; `*` as the left method means every method. With a margin m,
 * `a > b` means a > b + m and `a < b` means a < b − m. It is checked in every group
 * (dataset × grid overrides) of the left method. With `interval: L` it is checked on the t interval
 * at level L of a − b over seeds (paired by seed when b is a method) instead of the means: `a > b`
 * holds when the whole interval is above m, `a < b` when it is below −m. Values, intervals,
 * thresholds and margins are in display units (src/util/units.ts): accuracies and fractions in percent.
 */
const TERM = String.raw`([\w.@\-]+)\(([\w\-*]+)\)`;
const PATTERN = new RegExp(String.raw`^\s*${TERM}\s*(>=|<=|>|<)\s*(?:${TERM}|(-?[\d.]+(?:e-?\d+)?))\s*$`);

interface Parsed {
  metric: string;
  method: string;
  op: '>' | '<' | '>=' | '<=';
  right: { metric: string; method: string } | number;
}

export function parseExpectation(e: Expectation, where: string): Parsed {
  const m = PATTERN.exec(e.check);
  if (!m)
    throw new UsageError(
      `${where}: expectation '${e.check}' is not of the form 'metric(method) > metric(method)' or 'metric(method) > number'`,
    );
  const right = m[6] !== undefined ? Number(m[6]) : { metric: m[4], method: m[5] };
  // 1e999 reads as Infinity: no measured value could pass or fail against it.
  if (typeof right === 'number' && !Number.isFinite(right))
    throw new UsageError(`${where}: expectation '${e.check}': threshold ${m[6]} is not a finite number`);
  return { metric: m[1], method: m[2], op: m[3] as Parsed['op'], right };
}

/** " (did you mean 'x'?)" when a known name is a likely typo of `name`. */
function suggestion(name: string, known: string[]): string {
  const guess = known.length ? closest(name, known) : undefined;
  return guess && distance(name, guess) <= Math.max(2, Math.floor(name.length / 3))
    ? ` (did you mean '${guess}'?)`
    : '';
}

/**
 * The metrics and methods the expectations name, and the baseline, must exist in the suite: a typo
 * is refused when the suite is loaded (exit 2), not found "not measured" after every cell trained.
 * `metrics` are the pipeline's metric names, `methods` those of the suite's cells.
 */
export function checkSuiteNames(
  suite: Pick<Suite, 'file' | 'expectations' | 'baseline'>,
  metrics: string[],
  methods: string[],
): void {
  const problems: string[] = [];
  const methodList = `methods of this suite: ${methods.join(', ')}`;
  suite.expectations.forEach((e, i) => {
    const where = `${suite.file}: expectations.${i}`;
    const p = parseExpectation(e, where);
    const terms = [
      { metric: p.metric, method: p.method, side: 'left' },
      ...(typeof p.right === 'number' ? [] : [{ ...p.right, side: 'right' }]),
    ];
    if (typeof p.right === 'number' && isPercentMetric(p.metric) && p.right > 0 && p.right < 1)
      problems.push(
        `${where}: '${e.check}': ${p.metric} is in percent (0-100); ${p.right} looks like a fraction, write ${+(100 * p.right).toPrecision(6)}`,
      );
    for (const t of terms) {
      if (!metrics.includes(t.metric))
        problems.push(`${where}: unknown metric '${t.metric}' in '${e.check}'${suggestion(t.metric, metrics)}`);
      if (!(methods.includes(t.method) || (t.method === '*' && t.side === 'left')))
        problems.push(
          `${where}: unknown method '${t.method}' in '${e.check}'${suggestion(t.method, methods)}; ${methodList}`,
        );
    }
  });
  if (suite.baseline !== null && !methods.includes(suite.baseline))
    problems.push(
      `${suite.file}: baseline: unknown method '${suite.baseline}'${suggestion(suite.baseline, methods)}; ${methodList}`,
    );
  if (problems.length) throw new SpecError([...new Set(problems)]);
}

export interface ExpectationOutcome {
  check: string;
  /** The left metric: its unit is the unit of left, right and margin (percent for accuracies and fractions). */
  metric: string;
  group: string;
  left: number;
  right: number;
  margin: number;
  /** With `interval`: a − b over seeds (paired by seed when b is a method) and its t interval; null when no seed had both. */
  difference?: MeanInterval | null;
  pass: boolean;
  detail: string;
}

function compare(a: number, op: Parsed['op'], b: number, margin: number): boolean {
  switch (op) {
    case '>':
      return a > b + margin;
    case '>=':
      return a >= b + margin;
    case '<':
      return a < b - margin;
    case '<=':
      return a <= b - margin;
  }
}

/** The interval's near end (for > and >=, its low end; for < and <=, its high end) against 0 with the margin. */
function compareInterval(d: MeanInterval, op: Parsed['op'], margin: number): boolean {
  return compare(op === '>' || op === '>=' ? d.low : d.high, op, 0, margin);
}

/** An interval of a metric's differences (stored units) in display units: percent for accuracies and fractions. */
function inDisplayUnits(metric: string, d: MeanInterval | null): MeanInterval | null {
  if (!d) return null;
  const f = (x: number) => displayValue(metric, x);
  return { ...d, mean: f(d.mean), std: f(d.std), low: f(d.low), high: f(d.high) };
}

function groupLabel(g: Group): string {
  return [g.dataset, gridValuesText(g.overrides)].filter(Boolean).join(', ');
}

export function evaluateExpectations(
  expectations: Expectation[],
  groups: Group[],
  where: string,
): ExpectationOutcome[] {
  const out: ExpectationOutcome[] = [];
  for (const e of expectations) {
    const p = parseExpectation(e, where);
    const lefts = groups.filter((g) => p.method === '*' || g.method === p.method);
    const rightMetric = typeof p.right === 'number' ? p.metric : p.right.metric;
    if (lefts.length === 0) {
      out.push({
        check: e.check,
        metric: p.metric,
        group: '-',
        left: NaN,
        right: NaN,
        margin: e.margin,
        pass: false,
        detail: `no cells of method ${p.method}`,
      });
      continue;
    }
    for (const g of lefts) {
      const left = displayValue(p.metric, metricStat(g, p.metric)?.mean ?? NaN);
      const leftLabel = p.method === '*' ? `${groupLabel(g)}, ${g.method}` : groupLabel(g);
      const rights: { label: string; value: number; difference: () => MeanInterval | null; detail: string }[] =
        typeof p.right === 'number'
          ? [
              {
                label: leftLabel,
                value: p.right,
                difference: () =>
                  tInterval(
                    g.results.map((x) => displayValue(p.metric, x.metrics[p.metric] ?? NaN) - (p.right as number)),
                    e.interval,
                  ),
                detail: '',
              },
            ]
          : matchingGroups(groups, g, p.right.method).map((r) => ({
              label: groupLabel({ ...r, overrides: { ...g.overrides, ...r.overrides } }),
              value: displayValue(rightMetric, metricStat(r, rightMetric)?.mean ?? NaN),
              difference: () => inDisplayUnits(p.metric, pairedDifference(g, r, p.metric, e.interval, rightMetric)),
              detail: '',
            }));
      if (rights.length === 0)
        rights.push({
          label: leftLabel,
          value: NaN,
          difference: () => null,
          detail: `no cells of method ${(p.right as { method: string }).method} to compare with`,
        });
      for (const r of rights) {
        let detail = r.detail;
        if (!Number.isFinite(left)) detail ||= `${p.metric} was not measured for ${g.method}`;
        if (!Number.isFinite(r.value))
          detail ||= `${typeof p.right === 'number' ? '' : p.right.metric} was not measured`;
        const measuredBoth = Number.isFinite(left) && Number.isFinite(r.value);
        const outcome = { check: e.check, metric: p.metric, group: r.label, left, right: r.value, margin: e.margin };
        if (e.interval === undefined) {
          out.push({ ...outcome, pass: measuredBoth && compare(left, p.op, r.value, e.margin), detail });
          continue;
        }
        const difference = measuredBoth ? r.difference() : null;
        if (measuredBoth && !(difference && difference.n >= 2))
          detail ||= `an interval needs 2 or more seeds${typeof p.right === 'number' ? '' : ' measured for both methods'}`;
        const pass =
          measuredBoth && difference !== null && difference.n >= 2 && compareInterval(difference, p.op, e.margin);
        out.push({ ...outcome, difference, pass, detail });
      }
    }
  }
  return out;
}

/** `difference +0.0063, 95% t interval [−0.0116, +0.0218], 2 of 3 seeds of its sign`. */
export function formatInterval(d: MeanInterval, value: (x: number) => string = (x) => x.toPrecision(3)): string {
  const signed = (x: number) => (x > 0 ? '+' : '') + value(x);
  const range =
    d.n > 1 ? `${Math.round(d.level * 100)}% t interval [${signed(d.low)}, ${signed(d.high)}]` : 'no interval';
  return `${signed(d.mean)}, ${range}, ${d.agree} of ${d.n} seeds of its sign`;
}

export function formatOutcome(o: ExpectationOutcome): string {
  const f = (x: number) => (Number.isFinite(x) ? formatDisplay(o.metric, x) : 'NaN');
  const nums =
    `${f(o.left)} vs ${f(o.right)}${o.margin ? ` (margin ${f(o.margin)})` : ''}` +
    (o.difference ? `; difference ${formatInterval(o.difference, f)}` : '');
  return `${o.pass ? 'PASS' : 'FAIL'} ${o.check} [${o.group}]: ${nums}${o.detail ? ` — ${o.detail}` : ''}`;
}
