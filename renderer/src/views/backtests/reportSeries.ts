import type { BacktestRunDetail, SweepSummary } from '../../../../shared/api/domains/backtests.js';
import { formatDuration, formatMetric, formatPercent } from '../../../../shared/backtest/metric-format.js';

export type RoundTrip = BacktestRunDetail['trades'][number];

/** Drawdown below the running peak at each point, a fraction: 0 at a new high, -0.1 ten percent under. */
export function drawdownOf(equity: readonly number[]): number[] {
  let peak = Number.NEGATIVE_INFINITY;
  return equity.map((e) => {
    if (e > peak) peak = e;
    return peak > 0 ? e / peak - 1 : 0;
  });
}

/** Equity as a multiple of the cash the run started with, so runs of any size share one axis. */
export function normalisedEquity(detail: BacktestRunDetail): number[] {
  const cash = detail.costs.initialCash;
  return (detail.curve?.equity ?? []).map((e) => e / cash);
}

/** Final PnL of a run in quote currency; null without a curve. */
export function finalPnl(detail: BacktestRunDetail): number | null {
  const equity = detail.curve?.equity ?? [];
  const last = equity[equity.length - 1];
  return last === undefined ? null : last - detail.costs.initialCash;
}

export interface TradeMarkers {
  readonly ts: number[];
  readonly price: number[];
  readonly text: string[];
}

/**
 * Entry and exit points of the round trips, split by side: a long enters with a buy and exits
 * with a sell, a short the other way round.
 */
export function tradeMarkers(trades: readonly RoundTrip[]): {
  longEntries: TradeMarkers;
  shortEntries: TradeMarkers;
  exits: TradeMarkers;
} {
  const make = (): TradeMarkers => ({ ts: [], price: [], text: [] });
  const longEntries = make();
  const shortEntries = make();
  const exits = make();
  for (const t of trades) {
    const entry = t.direction === 'long' ? longEntries : shortEntries;
    entry.ts.push(t.entryTs);
    entry.price.push(t.entryPrice);
    entry.text.push(`${t.direction} ${t.quantity} @ ${t.entryPrice}`);
    exits.ts.push(t.exitTs);
    exits.price.push(t.exitPrice);
    exits.text.push(`exit ${t.direction} @ ${t.exitPrice} · net ${t.netPnl.toFixed(2)}`);
  }
  return { longEntries, shortEntries, exits };
}

export type TradeColumn =
  | 'direction'
  | 'entryTs'
  | 'exitTs'
  | 'holdingMs'
  | 'quantity'
  | 'entryPrice'
  | 'exitPrice'
  | 'pnl'
  | 'fees'
  | 'slippage'
  | 'netPnl';

/** Trades ordered by one column, ascending or descending; the original order breaks ties. */
export function sortTrades(
  trades: readonly RoundTrip[],
  column: TradeColumn,
  descending: boolean,
): RoundTrip[] {
  const sign = descending ? -1 : 1;
  return trades
    .map((trade, index) => ({ trade, index }))
    .sort((a, b) => {
      const x = a.trade[column];
      const y = b.trade[column];
      const order =
        typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return order === 0 ? a.index - b.index : sign * order;
    })
    .map((entry) => entry.trade);
}

export type SweepRow = SweepSummary['rows'][number];

/** Parameter names of a sweep in order, and those that take more than one value. */
export function sweepParams(rows: readonly SweepRow[]): { all: string[]; varying: string[] } {
  const all = Object.keys(rows[0]?.params ?? {});
  const varying = all.filter((name) => new Set(rows.map((r) => paramLabel(r.params[name]))).size > 1);
  return { all, varying };
}

export function paramLabel(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface HeatmapGrid {
  readonly xs: readonly string[];
  readonly ys: readonly string[];
  /** cells[y][x]: the metric, or null where no configuration (or an undefined metric) sits. */
  readonly cells: readonly (readonly (number | null)[])[];
  readonly min: number | null;
  readonly max: number | null;
}

/**
 * A metric of a sweep over two parameters; where other parameters vary too, a cell holds the
 * best value over them (what the best configuration with those two values reaches).
 */
export function heatmapGrid(rows: readonly SweepRow[], x: string, y: string, metric: string): HeatmapGrid {
  const numeric = (labels: string[]): string[] =>
    labels.every((l) => Number.isFinite(Number(l)))
      ? [...labels].sort((a, b) => Number(a) - Number(b))
      : labels;
  const xs = numeric([...new Set(rows.map((r) => paramLabel(r.params[x])))]);
  const ys = numeric([...new Set(rows.map((r) => paramLabel(r.params[y])))]);
  const cells = ys.map(() => xs.map((): number | null => null));
  let min: number | null = null;
  let max: number | null = null;
  for (const row of rows) {
    const value = row.metrics[metric];
    if (value === null || value === undefined) continue;
    const i = xs.indexOf(paramLabel(row.params[x]));
    const j = ys.indexOf(paramLabel(row.params[y]));
    const line = cells[j];
    if (line === undefined || i < 0) continue;
    const before = line[i];
    if (before === null || before === undefined || value > before) line[i] = value;
    min = min === null ? value : Math.min(min, value);
    max = max === null ? value : Math.max(max, value);
  }
  return { xs, ys, cells, min, max };
}

/** Metrics that are better lower, for the heatmap's colour direction. */
export const LOWER_IS_BETTER = new Set([
  'maxDrawdown',
  'maxDrawdownDurationMs',
  'maxDrawdownPeriods',
  'volatility',
  'feesPaid',
  'turnover',
]);

/** A metric as shown in tables: the shared formatting (shared/backtest/metric-format.ts). */
export function metricText(name: string, value: number | null | undefined): string {
  return formatMetric(name, value);
}

/** `3d 4h`, `2h 05m`: a holding time or a drawdown's length. */
export const durationText = formatDuration;

/** A fraction as percent with 2 decimals. */
export const percentText = formatPercent;
