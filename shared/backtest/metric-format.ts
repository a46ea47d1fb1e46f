/**
 * How a backtest's numbers read, everywhere they are shown: the report and the compare table
 * in the window, the HTML and CSV exports, the CLI. ONE module, so a metric has the same plain
 * name, unit and rounding in all of them:
 *
 * - fractions (returns, drawdown, win rate, exposure, volatility) as percent, 2 decimals;
 * - ratios (Sharpe, Sortino, Calmar, profit factor, turnover) to 2 decimals, probabilities
 *   (PSR, DSR) to 3;
 * - durations as d/h/m/s (`3d 4h`, `2h 05m`), never raw milliseconds;
 * - money in the quote currency to 2 decimals with thousands separators; counts as integers;
 * - undefined values (null on the wire, NaN, Infinity) as a dash, never 0.
 */

export type MetricUnit = 'percent' | 'ratio' | 'probability' | 'duration' | 'quote' | 'count' | 'flag';

export interface MetricInfo {
  readonly key: string;
  /** The plain name a trader reads. */
  readonly label: string;
  readonly unit: MetricUnit;
}

/** Every metric of a run, in the order a report lists them. */
export const METRICS: readonly MetricInfo[] = [
  { key: 'totalReturn', label: 'Total return', unit: 'percent' },
  { key: 'annualizedReturn', label: 'Annualised return', unit: 'percent' },
  { key: 'volatility', label: 'Volatility (annualised)', unit: 'percent' },
  { key: 'sharpe', label: 'Sharpe ratio', unit: 'ratio' },
  { key: 'sortino', label: 'Sortino ratio', unit: 'ratio' },
  { key: 'calmar', label: 'Calmar ratio', unit: 'ratio' },
  { key: 'maxDrawdown', label: 'Max drawdown', unit: 'percent' },
  { key: 'maxDrawdownDurationMs', label: 'Longest drawdown', unit: 'duration' },
  { key: 'maxDrawdownPeriods', label: 'Longest drawdown (bars)', unit: 'count' },
  { key: 'trades', label: 'Trades', unit: 'count' },
  { key: 'winRate', label: 'Win rate', unit: 'percent' },
  { key: 'profitFactor', label: 'Profit factor', unit: 'ratio' },
  { key: 'averageTrade', label: 'Average trade (net)', unit: 'quote' },
  { key: 'averageHoldingMs', label: 'Average holding time', unit: 'duration' },
  { key: 'turnover', label: 'Turnover (x mean equity)', unit: 'ratio' },
  { key: 'exposure', label: 'Time in the market', unit: 'percent' },
  { key: 'feesPaid', label: 'Fees paid', unit: 'quote' },
  { key: 'slippage', label: 'Slippage cost', unit: 'quote' },
  { key: 'ruined', label: 'Ruined (equity reached zero)', unit: 'flag' },
  { key: 'reducedOrders', label: 'Orders reduced for buying power', unit: 'count' },
  { key: 'refusedOrders', label: 'Orders refused for buying power', unit: 'count' },
  { key: 'liquidations', label: 'Liquidations', unit: 'count' },
  { key: 'fundingPaid', label: 'Funding paid (negative: received)', unit: 'quote' },
  { key: 'fundingEvents', label: 'Funding times applied', unit: 'count' },
  { key: 'psr', label: 'Probabilistic Sharpe (P[SR > 0])', unit: 'probability' },
  { key: 'dsr', label: 'Deflated Sharpe', unit: 'probability' },
  { key: 'sharpeLower', label: 'Sharpe 95% interval, lower', unit: 'ratio' },
  { key: 'sharpeUpper', label: 'Sharpe 95% interval, upper', unit: 'ratio' },
  { key: 'decay', label: 'Sharpe decay (in-sample minus out-of-sample)', unit: 'ratio' },
];

const BY_KEY = new Map(METRICS.map((info) => [info.key, info]));

/** What a metric is: its plain name and unit (an unknown key reads as itself, a ratio). */
export function metricInfo(key: string): MetricInfo {
  return BY_KEY.get(key) ?? { key, label: key, unit: 'ratio' };
}

export function metricLabel(key: string): string {
  return metricInfo(key).label;
}

/** A metric's value as shown; '—' where it is undefined. */
export function formatMetric(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const unit = metricInfo(key).unit;
  switch (unit) {
    case 'percent':
      return formatPercent(value);
    case 'ratio':
      return fixed(value, 2);
    case 'probability':
      return fixed(value, 3);
    case 'duration':
      return formatDuration(value);
    case 'quote':
      return value.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    case 'count':
      return Math.round(value).toLocaleString('en');
    case 'flag':
      return value > 0 ? 'yes' : 'no';
    default:
      return unit satisfies never;
  }
}

/** Fixed decimals without a negative zero (-0.00 reads as a loss that is not there). */
function fixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? (0).toFixed(decimals) : text;
}

/** A fraction as percent with 2 decimals: 0.0125 -> `1.25%`. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  return `${fixed(fraction * 100, 2)}%`;
}

/** `3d 4h`, `2h 05m`, `12m 5s`, `40s`: a holding time or a drawdown's length. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/**
 * A run's metrics as rows in report order (known metrics first, in METRICS order, then any
 * other key as it came), each with its label and the text shown.
 */
export function metricRows(
  metrics: Readonly<Record<string, number | null | undefined>>,
): { key: string; label: string; value: number | null; text: string }[] {
  const keys = Object.keys(metrics);
  const known = METRICS.filter((info) => keys.includes(info.key)).map((info) => info.key);
  const rest = keys.filter((key) => !BY_KEY.has(key));
  return [...known, ...rest].map((key) => {
    const raw = metrics[key];
    const value = raw === undefined || raw === null || !Number.isFinite(raw) ? null : raw;
    return { key, label: metricLabel(key), value, text: formatMetric(key, value) };
  });
}
