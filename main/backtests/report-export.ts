import type { BacktestRunDetail } from '../../shared/api/domains/backtests.js';
import {
  formatDuration,
  formatMetric,
  metricLabel,
  metricRows,
} from '../../shared/backtest/metric-format.js';

// A stored run written out for people without the workstation: a CSV for spreadsheets and one
// HTML file that opens anywhere, offline, forever. Hence no scripts, no fonts, no CDN: every
// plot is an inline SVG drawn here, every string escaped.

type Round = BacktestRunDetail['trades'][number];

// ---------------------------------------------------------------------------------- CSV

/** One RFC 4180 field: quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? numberText(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Full precision, so the CSV parses back to the very same doubles. */
function numberText(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

function csvRow(fields: readonly (string | number | boolean | null)[]): string {
  return fields.map(csvField).join(',');
}

const iso = (ts: number): string => (Number.isFinite(ts) ? new Date(ts).toISOString() : '');

function latencyText(value: number | readonly number[]): string {
  return typeof value === 'number' ? String(value) : `${value.length} samples`;
}

/** The run's identity and costs as (field, value) pairs: the head of both exports. */
function runInfo(detail: BacktestRunDetail): [string, string | number][] {
  const { costs } = detail;
  return [
    ['id', detail.id],
    ['kind', detail.kind],
    ['mode', detail.mode],
    ['strategy', detail.strategy],
    ['instrument', detail.instrument],
    ['timeframe', detail.timeframe],
    ['from', iso(detail.from)],
    ['to', iso(detail.to)],
    ['created', iso(detail.createdAt)],
    ['params', JSON.stringify(detail.params)],
    ['featureSetHash', detail.featureSetHash ?? ''],
    ['costs.initialCash', costs.initialCash],
    ['costs.fees.maker', costs.fees.maker],
    ['costs.fees.taker', costs.fees.taker],
    ['costs.slippageBps', costs.slippageBps],
    ['costs.candleFill', costs.candleFill],
    ['costs.riskFreeRate', costs.riskFreeRate],
    ['costs.latency.submitMs', latencyText(costs.latency.submitMs)],
    ['costs.latency.cancelMs', latencyText(costs.latency.cancelMs)],
    ['costs.latency.model', costs.latency.model ?? 'given'],
    ['costs.account', JSON.stringify(costs.account)],
    ['costs.sizing', JSON.stringify(costs.sizing)],
    ['costs.lot', costs.lot],
    ['costs.tick', costs.tick],
  ];
}

export const TRADE_COLUMNS = [
  'direction',
  'entry_time',
  'exit_time',
  'holding_ms',
  'quantity',
  'entry_price',
  'exit_price',
  'pnl',
  'fees',
  'net_pnl',
  'slippage',
] as const;

function tradeFields(t: Round): (string | number)[] {
  return [
    t.direction,
    iso(t.entryTs),
    iso(t.exitTs),
    t.holdingMs,
    t.quantity,
    t.entryPrice,
    t.exitPrice,
    t.pnl,
    t.fees,
    t.netPnl,
    t.slippage,
  ];
}

/**
 * The run as CSV in four sections, each opened by a `section,<name>` row and its header and
 * closed by an empty line: run (info and costs), metrics (name, plain label, exact value and
 * the value as shown with its unit; undefined metrics are empty), trades (one row per round
 * trip, prices as filled), equity (ISO time, equity).
 */
export function renderRunCsv(detail: BacktestRunDetail): string {
  const lines: string[] = [];
  lines.push(csvRow(['section', 'run']), csvRow(['field', 'value']));
  for (const [field, value] of runInfo(detail)) lines.push(csvRow([field, value]));
  lines.push('', csvRow(['section', 'metrics']), csvRow(['name', 'label', 'value', 'shown']));
  for (const row of metricRows(detail.metrics)) lines.push(csvRow([row.key, row.label, row.value, row.text]));
  lines.push('', csvRow(['section', 'trades']), csvRow(TRADE_COLUMNS));
  for (const trade of detail.trades) lines.push(csvRow(tradeFields(trade)));
  lines.push('', csvRow(['section', 'equity']), csvRow(['ts', 'equity']));
  const curve = detail.curve;
  if (curve !== null) curve.ts.forEach((ts, i) => lines.push(csvRow([iso(ts), curve.equity[i] ?? null])));
  return `${lines.join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------------------------- SVG

/** Text safe inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

interface Frame {
  readonly width: number;
  readonly height: number;
  /** Room for the axis labels. */
  readonly left: number;
  readonly bottom: number;
}

const FRAME: Frame = { width: 720, height: 200, left: 64, bottom: 20 };

function extent(values: readonly number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  // A flat series still needs a height to be drawn in: a little around its value, in its scale.
  const pad = lo === 0 ? 0.01 : Math.abs(lo) * 0.05;
  return lo === hi ? [lo - pad, hi + pad] : [lo, hi];
}

const coordinate = (value: number): string => (Math.round(value * 100) / 100).toString();

/** Drawdown below the running peak at each point, as a fraction (0 at a new high, -0.1 ten percent under). */
export function drawdownSeries(equity: readonly number[]): number[] {
  let peak = Number.NEGATIVE_INFINITY;
  return equity.map((e) => {
    if (e > peak) peak = e;
    return peak > 0 ? e / peak - 1 : 0;
  });
}

/**
 * The `d` of a polyline through (x, y), scaled into the frame: `M` then one `L` per further
 * point, so a curve of n points has exactly n commands.
 */
export function linePath(
  x: readonly number[],
  y: readonly number[],
  yRange: readonly [number, number] = extent(y),
  frame: Frame = FRAME,
): string {
  const [x0, x1] = extent(x);
  const [y0, y1] = yRange;
  const plotW = frame.width - frame.left - 4;
  const plotH = frame.height - frame.bottom - 8;
  const parts: string[] = [];
  for (let i = 0; i < x.length; i++) {
    const px = frame.left + (((x[i] ?? x0) - x0) / (x1 - x0)) * plotW;
    const py = 4 + (1 - ((y[i] ?? y0) - y0) / (y1 - y0)) * plotH;
    parts.push(`${i === 0 ? 'M' : 'L'}${coordinate(px)},${coordinate(py)}`);
  }
  return parts.join(' ');
}

function axisLabels(lo: string, hi: string, left: string, right: string, frame: Frame): string {
  const baseline = frame.height - frame.bottom;
  return [
    `<line class="axis" x1="${frame.left}" y1="${baseline}" x2="${frame.width - 4}" y2="${baseline}"/>`,
    `<text x="${frame.left - 4}" y="12" text-anchor="end">${escapeHtml(hi)}</text>`,
    `<text x="${frame.left - 4}" y="${baseline}" text-anchor="end">${escapeHtml(lo)}</text>`,
    `<text x="${frame.left}" y="${frame.height - 4}">${escapeHtml(left)}</text>`,
    `<text x="${frame.width - 4}" y="${frame.height - 4}" text-anchor="end">${escapeHtml(right)}</text>`,
  ].join('');
}

const short = (value: number, digits = 2): string =>
  Number.isFinite(value) ? value.toLocaleString('en', { maximumFractionDigits: digits }) : '—';

/** Points a plot draws at most: beyond a few per pixel a path only adds bytes, not detail. */
export const PLOT_POINTS = 2000;

/**
 * Which points of a long series to draw: in each of maxPoints / 2 buckets its lowest and its
 * highest point (in time order), so no trough or peak - the worst drawdown above all - is
 * thinned away; the first and last points always. All of them when there are at most maxPoints.
 */
export function plotIndices(values: readonly number[], maxPoints: number = PLOT_POINTS): number[] {
  const n = values.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const size = Math.ceil(n / Math.floor(maxPoints / 2));
  const keep = new Set<number>([0, n - 1]);
  for (let start = 0; start < n; start += size) {
    let low = start;
    let high = start;
    for (let i = start + 1; i < Math.min(n, start + size); i++) {
      if ((values[i] ?? 0) < (values[low] ?? 0)) low = i;
      if ((values[i] ?? 0) > (values[high] ?? 0)) high = i;
    }
    keep.add(low).add(high);
  }
  return [...keep].sort((a, b) => a - b);
}

/** A line chart of one series over time, thinned to PLOT_POINTS (the CSV keeps every point). */
export function lineChartSvg(
  title: string,
  ts: readonly number[],
  values: readonly number[],
  format: (v: number) => string,
): string {
  const [lo, hi] = extent(values);
  const first = ts[0];
  const last = ts[ts.length - 1];
  const keep = plotIndices(values);
  const x = keep.map((i) => ts[i] ?? Number.NaN);
  const y = keep.map((i) => values[i] ?? Number.NaN);
  return (
    `<svg class="chart" data-chart="${escapeHtml(title)}" viewBox="0 0 ${FRAME.width} ${FRAME.height}" role="img" aria-label="${escapeHtml(title)}">` +
    axisLabels(
      format(lo),
      format(hi),
      first === undefined ? '' : iso(first).slice(0, 16).replace('T', ' '),
      last === undefined ? '' : iso(last).slice(0, 16).replace('T', ' '),
      FRAME,
    ) +
    `<path class="line" d="${linePath(x, y, [lo, hi])}"/>` +
    '</svg>'
  );
}

export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** Equal-width bins over the samples' range; the last bin is closed on the right. */
export function histogramBins(samples: readonly number[], bins: number): HistogramBin[] {
  const finite = samples.filter(Number.isFinite);
  if (finite.length === 0) return [];
  const [lo, hi] = extent(finite);
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) {
    const at = Math.min(bins - 1, Math.floor((v - lo) / width));
    counts[at] = (counts[at] ?? 0) + 1;
  }
  return counts.map((count, i) => ({ from: lo + i * width, to: lo + (i + 1) * width, count }));
}

/** A histogram of Monte Carlo samples with the actual run's value as a vertical line. */
export function histogramSvg(
  title: string,
  samples: readonly number[],
  actual: number | null,
  format: (v: number) => string,
): string {
  const bins = histogramBins(samples, 30);
  const frame = FRAME;
  const first = bins[0];
  const lastBin = bins[bins.length - 1];
  if (first === undefined || lastBin === undefined) return '';
  const lo = Math.min(first.from, actual ?? first.from);
  const hi = Math.max(lastBin.to, actual ?? lastBin.to);
  const top = Math.max(...bins.map((b) => b.count));
  const plotW = frame.width - frame.left - 4;
  const plotH = frame.height - frame.bottom - 8;
  const x = (v: number): number => frame.left + ((v - lo) / (hi - lo || 1)) * plotW;
  const rects = bins
    .map((b) => {
      const h = (b.count / top) * plotH;
      return `<rect class="bin" x="${coordinate(x(b.from))}" y="${coordinate(4 + plotH - h)}" width="${coordinate(Math.max(0.5, x(b.to) - x(b.from) - 1))}" height="${coordinate(h)}"/>`;
    })
    .join('');
  const marker =
    actual === null || !Number.isFinite(actual)
      ? ''
      : `<line class="actual" x1="${coordinate(x(actual))}" y1="4" x2="${coordinate(x(actual))}" y2="${4 + plotH}"/>` +
        `<text class="actual-label" x="${coordinate(x(actual) + 3)}" y="14">this run ${escapeHtml(format(actual))}</text>`;
  return (
    `<svg class="chart" data-chart="${escapeHtml(title)}" viewBox="0 0 ${frame.width} ${frame.height}" role="img" aria-label="${escapeHtml(title)}">` +
    axisLabels('0', String(top), format(lo), format(hi), frame) +
    rects +
    marker +
    '</svg>'
  );
}

/** Two parameters of a sweep that vary, for the heatmap axes; null below two. */
export function heatmapAxes(rows: NonNullable<BacktestRunDetail['sweep']>['rows']): [string, string] | null {
  const varying: string[] = [];
  const names = Object.keys(rows[0]?.params ?? {});
  for (const name of names) {
    const values = new Set(rows.map((r) => JSON.stringify(r.params[name])));
    if (values.size > 1) varying.push(name);
  }
  const [a, b] = varying;
  return a === undefined || b === undefined ? null : [a, b];
}

/** Colour of a cell from red (worst) through grey to green (best). */
function heatColour(t: number): string {
  const red = Math.round(229 - t * (229 - 31));
  const green = Math.round(72 + t * (181 - 72));
  const blue = Math.round(77 + t * (122 - 77));
  return `rgb(${red},${green},${blue})`;
}

/**
 * The sweep as a grid over two parameters, each cell the metric of that configuration (the
 * best over the other parameters when more than two vary).
 */
export function heatmapSvg(
  sweep: NonNullable<BacktestRunDetail['sweep']>,
  axes: [string, string],
  metric: string,
): string {
  const [xName, yName] = axes;
  const label = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const xs = [...new Set(sweep.rows.map((r) => label(r.params[xName])))];
  const ys = [...new Set(sweep.rows.map((r) => label(r.params[yName])))];
  const cells = new Map<string, number>();
  for (const row of sweep.rows) {
    const value = row.metrics[metric];
    if (value === null || value === undefined) continue;
    const key = `${label(row.params[xName])}\u0000${label(row.params[yName])}`;
    const before = cells.get(key);
    if (before === undefined || value > before) cells.set(key, value);
  }
  const [lo, hi] = extent([...cells.values()]);
  const cellW = 56;
  const cellH = 24;
  const left = 64;
  const top = 8;
  const width = left + xs.length * cellW + 8;
  const height = top + ys.length * cellH + 36;
  const parts: string[] = [];
  ys.forEach((y, j) => {
    parts.push(`<text x="${left - 4}" y="${top + j * cellH + 16}" text-anchor="end">${escapeHtml(y)}</text>`);
    xs.forEach((x, i) => {
      const value = cells.get(`${x}\u0000${y}`);
      const fill = value === undefined ? '#2a323d' : heatColour((value - lo) / (hi - lo));
      parts.push(
        `<rect class="cell" x="${left + i * cellW}" y="${top + j * cellH}" width="${cellW - 2}" height="${cellH - 2}" fill="${fill}"><title>${escapeHtml(`${xName}=${x} ${yName}=${y}: ${value === undefined ? '—' : short(value, 4)}`)}</title></rect>`,
        `<text class="cell-value" x="${left + i * cellW + cellW / 2}" y="${top + j * cellH + 16}" text-anchor="middle">${value === undefined ? '—' : escapeHtml(short(value, 2))}</text>`,
      );
    });
  });
  xs.forEach((x, i) => {
    parts.push(
      `<text x="${left + i * cellW + cellW / 2}" y="${top + ys.length * cellH + 14}" text-anchor="middle">${escapeHtml(x)}</text>`,
    );
  });
  parts.push(
    `<text x="${left}" y="${height - 4}">${escapeHtml(`${metric} over ${xName} (across) and ${yName} (down)`)}</text>`,
  );
  return `<svg class="heatmap" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`${metric} heatmap`)}">${parts.join('')}</svg>`;
}

// ---------------------------------------------------------------------------------- HTML

/** Two decimals, or three significant digits where two decimals would read 0.00%. */
const percent = (v: number): string => {
  const pct = v * 100;
  return `${pct === 0 || Math.abs(pct) >= 0.01 ? pct.toFixed(2) : pct.toPrecision(3)}%`;
};
const money = (v: number): string => short(v, 2);

function table(head: readonly string[], rows: readonly (readonly string[])[], className: string): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('');
  return `<table class="${className}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A metric as the report shows it (shared/backtest/metric-format.ts): unit, rounding, '—' where undefined. */
export function metricText(name: string, value: number | null | undefined): string {
  return formatMetric(name, value);
}

const STYLE = `
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b2129;background:#fff;max-width:1000px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:24px 0 8px;border-bottom:1px solid #d5dbe3;padding-bottom:2px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:4px 0}
th,td{border:1px solid #d5dbe3;padding:2px 8px;text-align:right}th{background:#f1f4f7}
td:first-child,th:first-child{text-align:left}
svg{display:block;width:100%;max-width:760px;height:auto;margin:4px 0 12px;font-size:10px;fill:#5a6572}
.chart .line{fill:none;stroke:#2f6fcf;stroke-width:1.2}
.chart .axis{stroke:#8c97a6;stroke-width:0.6}
.chart .bin{fill:#8fb4e6}.chart .actual{stroke:#e5484d;stroke-width:1.5}.chart .actual-label{fill:#e5484d}
.drawdown .line{stroke:#e5484d}
.heatmap{max-width:none;width:auto}.heatmap .cell-value{fill:#fff;font-size:10px}
.note{color:#5a6572}
`;

function honestySection(detail: BacktestRunDetail): string {
  const parts: string[] = [];
  const honesty = detail.honesty;
  const dsr = detail.walkForward?.deflatedSharpe ?? detail.sweep?.deflatedSharpe ?? null;
  const rows: string[][] = [];
  if (honesty !== null) {
    rows.push([metricLabel('psr'), metricText('psr', honesty.probabilisticSharpe)]);
    rows.push([
      'Sharpe 95% interval (block bootstrap)',
      `${metricText('sharpe', honesty.sharpeInterval.lower)} .. ${metricText('sharpe', honesty.sharpeInterval.upper)}`,
    ]);
  }
  if (detail.sweep !== null || detail.walkForward !== null)
    rows.push(['Deflated Sharpe (over the configurations tried)', metricText('dsr', dsr)]);
  if (rows.length > 0) parts.push(table(['Test', 'Value'], rows, 'honesty'));
  const mc = honesty?.monteCarlo ?? null;
  if (mc !== null) {
    const finalPnl =
      detail.curve === null || detail.curve.equity.length === 0
        ? null
        : (detail.curve.equity[detail.curve.equity.length - 1] ?? 0) - detail.costs.initialCash;
    parts.push(
      `<p class="note">Monte Carlo over the trades, ${mc.runs} runs; the red line is this run.</p>`,
      histogramSvg('Monte Carlo max drawdown', mc.maxDrawdown, detail.metrics.maxDrawdown ?? null, percent),
      histogramSvg('Monte Carlo final PnL', mc.finalPnl, finalPnl, money),
    );
  }
  return parts.length === 0 ? '' : `<h2>Statistical honesty</h2>${parts.join('')}`;
}

function sweepSection(detail: BacktestRunDetail): string {
  const sweep = detail.sweep;
  if (sweep === null) return '';
  const axes = heatmapAxes(sweep.rows);
  const names = Object.keys(sweep.rows[0]?.params ?? {});
  const metricNames = ['sharpe', 'totalReturn', 'maxDrawdown', 'trades', 'ruined'];
  const rows = sweep.rows.map((r) => [
    String(r.index),
    ...names.map((n) => JSON.stringify(r.params[n])),
    ...metricNames.map((m) => metricText(m, r.metrics[m])),
    metricText('psr', r.probabilisticSharpe),
  ]);
  const skipped =
    sweep.skipped.length === 0
      ? ''
      : `<p class="note">${sweep.skipped.length} combination(s) of the grid skipped (not run, not trials):</p>` +
        table(
          ['Parameters', 'Reason'],
          sweep.skipped.map((k) => [JSON.stringify(k.params), k.reason]),
          'skipped',
        );
  return (
    `<h2>Sweep: ${sweep.trials} configurations on ${sweep.workers} workers</h2>` +
    `<p class="note">Best configuration (never a ruined one): ${sweep.best === null ? '—' : `#${sweep.best}`}; deflated Sharpe ${escapeHtml(metricText('dsr', sweep.deflatedSharpe))}.</p>` +
    (axes === null ? '' : heatmapSvg(sweep, axes, 'sharpe')) +
    table(['#', ...names, ...metricNames.map(metricLabel), metricLabel('psr')], rows, 'sweep') +
    skipped
  );
}

function walkForwardSection(detail: BacktestRunDetail): string {
  const wf = detail.walkForward;
  if (wf === null) return '';
  const rows = wf.folds.map((f, i) => [
    String(i + 1),
    iso(f.trainFrom),
    iso(f.trainTo),
    iso(f.testFrom),
    iso(f.testTo),
    f.bestIndex === null ? 'none: every configuration ruined' : JSON.stringify(f.bestParams),
    metricText('sharpe', f.inSampleSharpe),
    metricText('sharpe', f.outOfSample.sharpe),
    metricText('totalReturn', f.outOfSample.totalReturn),
  ]);
  return (
    `<h2>Walk-forward: ${wf.folds.length} folds, ${wf.trials} configurations each</h2>` +
    `<p class="note">Sharpe decay (in-sample minus out-of-sample): ${escapeHtml(metricText('decay', wf.sharpeDecay))}; deflated Sharpe of the stitched out-of-sample curve: ${escapeHtml(metricText('dsr', wf.deflatedSharpe))}.</p>` +
    table(
      [
        'Fold',
        'Train from',
        'Train to',
        'Test from',
        'Test to',
        'Chosen',
        'IS Sharpe',
        'OOS Sharpe',
        'OOS return',
      ],
      rows,
      'folds',
    )
  );
}

/**
 * The run as ONE self-contained HTML page: inline CSS, inline SVG plots (equity, drawdown,
 * Monte Carlo histograms, the sweep heatmap), metrics and trades tables. No script, no link
 * to anything outside the file; every string from the run is escaped.
 */
export function renderRunHtml(detail: BacktestRunDetail): string {
  const title = `Backtest #${detail.id}: ${detail.strategy} on ${detail.instrument} ${detail.timeframe}`;
  const info = table(
    ['Field', 'Value'],
    runInfo(detail).map(([field, value]) => [field, String(value)]),
    'run',
  );
  const curve = detail.curve;
  const plots =
    curve === null || curve.ts.length === 0
      ? '<p class="note">No equity curve (a sweep has one per configuration; see the table).</p>'
      : `<h2>Equity</h2>${lineChartSvg('Equity', curve.ts, curve.equity, money)}` +
        `<h2>Drawdown</h2><div class="drawdown">${lineChartSvg('Drawdown', curve.ts, drawdownSeries(curve.equity), percent)}</div>`;
  const metrics = table(
    ['Metric', 'Value'],
    metricRows(detail.metrics).map((row) => [row.label, row.text]),
    'metrics',
  );
  const trades =
    detail.trades.length === 0
      ? '<p class="note">No round trips.</p>'
      : table(
          TRADE_COLUMNS,
          detail.trades.map((t) =>
            // Prices as filled (exact); the holding time as d/h/m.
            tradeFields(t).map((field, k) =>
              TRADE_COLUMNS[k] === 'holding_ms' && typeof field === 'number'
                ? formatDuration(field)
                : String(field),
            ),
          ),
          'trades',
        );
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="note">${escapeHtml(`${detail.kind} run, ${detail.mode} mode, ${iso(detail.from)} .. ${iso(detail.to)}`)}</p>`,
    plots,
    `<h2>Metrics</h2>${metrics}`,
    honestySection(detail),
    sweepSection(detail),
    walkForwardSection(detail),
    `<h2>Trades (${detail.trades.length})</h2>${trades}`,
    `<h2>Run and costs</h2>${info}`,
    '</body></html>',
    '',
  ].join('\n');
}
