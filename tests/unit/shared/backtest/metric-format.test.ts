import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatMetric,
  formatPercent,
  metricLabel,
  metricRows,
} from '../../../../shared/backtest/metric-format.js';

describe('metric formatting', () => {
  it('shows fractions as percent, ratios to 2 decimals, probabilities to 3', () => {
    expect(formatMetric('totalReturn', -0.15833529000000024)).toBe('-15.83%');
    expect(formatMetric('maxDrawdown', 0.007481)).toBe('0.75%');
    expect(formatMetric('sharpe', 3.04123)).toBe('3.04');
    expect(formatMetric('sharpe', -0.001)).toBe('0.00');
    expect(formatMetric('psr', 0.81254)).toBe('0.813');
    expect(formatPercent(0.0125)).toBe('1.25%');
  });

  it('shows durations in days and hours, never raw milliseconds', () => {
    expect(formatMetric('maxDrawdownDurationMs', 2_027_160_000)).toBe('23d 11h');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2h 05m');
    expect(formatDuration(12 * 60_000 + 5_000)).toBe('12m 5s');
    expect(formatDuration(40_000)).toBe('40s');
  });

  it('shows money, counts and the ruined flag plainly, and undefined values as a dash', () => {
    expect(formatMetric('feesPaid', 1234.5)).toBe('1,234.50');
    expect(formatMetric('trades', 42)).toBe('42');
    expect(formatMetric('ruined', 1)).toBe('yes');
    expect(formatMetric('ruined', 0)).toBe('no');
    expect(formatMetric('profitFactor', null)).toBe('—');
    expect(formatMetric('sharpe', Number.NaN)).toBe('—');
  });

  it('lists metrics in report order with plain names, unknown keys last as they are', () => {
    const rows = metricRows({ sharpe: 1.5, custom: 2, totalReturn: 0.1, ruined: 0 });
    expect(rows.map((r) => [r.key, r.label, r.text])).toEqual([
      ['totalReturn', 'Total return', '10.00%'],
      ['sharpe', 'Sharpe ratio', '1.50'],
      ['ruined', 'Ruined (equity reached zero)', 'no'],
      ['custom', 'custom', '2.00'],
    ]);
    expect(metricLabel('refusedOrders')).toBe('Orders refused for buying power');
  });
});
