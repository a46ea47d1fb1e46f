import { describe, expect, it } from 'vitest';
import {
  csvField,
  drawdownSeries,
  escapeHtml,
  heatmapAxes,
  histogramBins,
  plotIndices,
  PLOT_POINTS,
  renderRunCsv,
  renderRunHtml,
} from '../../../../main/backtests/report-export.js';
import type { BacktestRunDetail } from '../../../../shared/api/domains/backtests.js';

const T0 = Date.UTC(2026, 0, 5);
const MINUTE = 60_000;

/** A finished single run: a small equity curve with a dip, two round trips, a tricky parameter. */
function singleRun(overrides: Partial<BacktestRunDetail> = {}): BacktestRunDetail {
  const equity = [100_000, 100_250.5, 99_800.25, 99_500, 100_900.125, 101_000];
  return {
    id: 7,
    createdAt: T0 + 10 * MINUTE,
    kind: 'single',
    mode: 'candle',
    strategy: 'sma-crossover',
    params: { fast: 3, slow: 8, note: 'a "quoted", <b>bold</b>\nline' },
    instrument: 'demo:DEMO/USD',
    timeframe: '1m',
    from: T0,
    to: T0 + 6 * MINUTE,
    featureSetHash: null,
    metrics: { sharpe: 1.2345678901234567, totalReturn: 0.01, maxDrawdown: 0.007481, profitFactor: null },
    costs: {
      initialCash: 100_000,
      fees: { maker: 0.0002, taker: 0.001 },
      slippageBps: 2,
      candleFill: 'open',
      riskFreeRate: 0.03,
      latency: { submitMs: 50, cancelMs: [10, 20, 30] },
      account: { kind: 'spot', allowShort: true },
      sizing: { kind: 'fixed' },
      lot: 0,
      tick: 0,
    },
    sweep: null,
    walkForward: null,
    honesty: {
      probabilisticSharpe: 0.8125,
      sharpeInterval: { lower: -0.5, upper: 2.75 },
      monteCarlo: {
        runs: 6,
        maxDrawdown: [0.001, 0.002, 0.004, 0.005, 0.009, 0.012],
        finalPnl: [-300, 200, 800, 1000, 1100, 1500],
      },
    },
    curve: { points: equity.length, ts: equity.map((_, i) => T0 + i * MINUTE), equity },
    trades: [
      {
        direction: 'long',
        entryTs: T0 + MINUTE,
        exitTs: T0 + 3 * MINUTE,
        holdingMs: 2 * MINUTE,
        quantity: 1.5,
        entryPrice: 100.125,
        exitPrice: 99.5,
        pnl: -0.9375,
        fees: 0.29906,
        netPnl: -1.23656,
        slippage: 0.01,
      },
      {
        direction: 'short',
        entryTs: T0 + 3 * MINUTE,
        exitTs: T0 + 5 * MINUTE,
        holdingMs: 2 * MINUTE,
        quantity: 2,
        entryPrice: 99.5,
        exitPrice: 98,
        pnl: 3,
        fees: 0.395,
        netPnl: 2.605,
        slippage: 0.02,
      },
    ],
    ...overrides,
  };
}

/** RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

/** The rows of one `section,<name>` block after its header row. */
function section(rows: string[][], name: string): { header: string[]; body: string[][] } {
  const start = rows.findIndex((r) => r[0] === 'section' && r[1] === name);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = rows.findIndex((r, i) => i > start && r.length === 1 && r[0] === '');
  return { header: rows[start + 1] ?? [], body: rows.slice(start + 2, end === -1 ? undefined : end) };
}

describe('report export', () => {
  describe('CSV', () => {
    it('quotes fields with commas, quotes or line breaks and leaves plain ones bare', () => {
      expect(csvField('plain')).toBe('plain');
      expect(csvField('a,b')).toBe('"a,b"');
      expect(csvField('say "hi"')).toBe('"say ""hi"""');
      expect(csvField('two\nlines')).toBe('"two\nlines"');
      expect(csvField(null)).toBe('');
      expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    });

    it('parses back to the same metric values, trades and equity points', () => {
      const run = singleRun();
      const rows = parseCsv(renderRunCsv(run));

      const metrics = section(rows, 'metrics');
      expect(metrics.header).toEqual(['name', 'label', 'value', 'shown']);
      const metricMap = Object.fromEntries(
        metrics.body.map(([n = '', , v = '']) => [n, v === '' ? null : Number(v)]),
      );
      expect(metricMap).toEqual(run.metrics);
      // Plain names and units beside the exact values, in report order.
      expect(metrics.body).toEqual([
        ['totalReturn', 'Total return', '0.01', '1.00%'],
        ['sharpe', 'Sharpe ratio', '1.2345678901234567', '1.23'],
        ['maxDrawdown', 'Max drawdown', '0.007481', '0.75%'],
        ['profitFactor', 'Profit factor', '', '—'],
      ]);

      const trades = section(rows, 'trades');
      expect(trades.header[0]).toBe('direction');
      expect(trades.body).toHaveLength(2);
      const [long, short] = trades.body;
      expect(long?.[0]).toBe('long');
      expect(Date.parse(long?.[1] ?? '')).toBe(T0 + MINUTE);
      expect(long?.slice(3).map(Number)).toEqual([
        2 * MINUTE,
        1.5,
        100.125,
        99.5,
        -0.9375,
        0.29906,
        -1.23656,
        0.01,
      ]);
      expect(short?.slice(3).map(Number)).toEqual([2 * MINUTE, 2, 99.5, 98, 3, 0.395, 2.605, 0.02]);

      const equity = section(rows, 'equity');
      expect(equity.header).toEqual(['ts', 'equity']);
      expect(equity.body.map(([ts = '']) => Date.parse(ts))).toEqual(run.curve?.ts);
      expect(equity.body.map(([, e = '']) => Number(e))).toEqual(run.curve?.equity);
    });

    it('keeps the run info and costs, a parameter with quotes and a line break intact', () => {
      const rows = parseCsv(renderRunCsv(singleRun()));
      const info = Object.fromEntries(section(rows, 'run').body.map(([f = '', v = '']) => [f, v]));
      expect(info.strategy).toBe('sma-crossover');
      expect(info.instrument).toBe('demo:DEMO/USD');
      expect(info.from).toBe('2026-01-05T00:00:00.000Z');
      expect(JSON.parse(info.params ?? '')).toEqual({
        fast: 3,
        slow: 8,
        note: 'a "quoted", <b>bold</b>\nline',
      });
      expect(Number(info['costs.fees.taker'])).toBe(0.001);
      expect(Number(info['costs.slippageBps'])).toBe(2);
      expect(info['costs.latency.submitMs']).toBe('50');
      expect(info['costs.latency.cancelMs']).toBe('3 samples');
      expect(info['costs.latency.model']).toBe('given');
    });
  });

  describe('HTML', () => {
    const html = renderRunHtml(singleRun());

    it('is one self-contained file: no script, no URL, no external resource', () => {
      expect(html.toLowerCase()).not.toContain('<script');
      expect(html.toLowerCase()).not.toContain('http');
      expect(html).not.toMatch(/\bsrc=|<link|@import|url\(/i);
      expect(html.startsWith('<!doctype html>')).toBe(true);
    });

    it('escapes every string from the run', () => {
      expect(html).not.toContain('<b>bold</b>');
      expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
      expect(escapeHtml(`<a href='x'>&"`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&quot;');
    });

    it('shows every metric value and an undefined metric as a dash', () => {
      expect(html).toContain('<td>Sharpe ratio</td><td>1.23</td>');
      expect(html).toContain('<td>Max drawdown</td><td>0.75%</td>');
      expect(html).toContain('<td>Profit factor</td><td>—</td>');
      expect(html).toContain('<td>Probabilistic Sharpe (P[SR &gt; 0])</td><td>0.813</td>');
      expect(html).toContain('-0.50 .. 2.75');
    });

    it('draws equity and drawdown as paths with one point per curve point', () => {
      const paths = [...html.matchAll(/<path class="line" d="([^"]+)"/g)].map((m) => m[1] ?? '');
      expect(paths).toHaveLength(2);
      for (const d of paths) {
        expect(d.match(/[ML]/g)).toHaveLength(6);
        expect(d.startsWith('M')).toBe(true);
      }
      // The highest equity (last point) sits at the top of the plot area, the first at the left edge.
      const equityPoints = (paths[0] ?? '').split(' ').map((p) => p.slice(1).split(',').map(Number));
      expect(equityPoints[0]?.[0]).toBe(64);
      expect(equityPoints[5]?.[1]).toBe(4);
    });

    it('thins a long curve to PLOT_POINTS in the plots, keeping its trough, and every point in the CSV', () => {
      const n = 5001;
      const ts = Array.from({ length: n }, (_, i) => T0 + i * MINUTE);
      // A one-bar dip that an every-k-th thinning would skip.
      const equity = ts.map((_, i) => (i === 1001 ? 50_000 : 100_000 + i));
      const long = singleRun({ curve: { points: n, ts, equity }, honesty: null });
      const paths = [...renderRunHtml(long).matchAll(/<path class="line" d="([^"]+)"/g)].map(
        (m) => m[1] ?? '',
      );
      const kept = plotIndices(equity);
      expect(kept.length).toBeLessThanOrEqual(PLOT_POINTS + 2);
      expect(kept.length).toBeGreaterThan(PLOT_POINTS / 2);
      expect(kept).toContain(1001);
      expect(kept[0]).toBe(0);
      expect(kept.at(-1)).toBe(n - 1);
      expect(paths[0]?.match(/[ML]/g)).toHaveLength(kept.length);
      const drawdownKept = plotIndices(drawdownSeries(equity));
      expect(drawdownKept).toContain(1001);
      expect(paths[1]?.match(/[ML]/g)).toHaveLength(drawdownKept.length);
      // The dip is drawn at the bottom of the plot area (y = 4 + 172).
      const equityYs = (paths[0] ?? '').split(' ').map((p) => Number(p.split(',')[1]));
      expect(Math.max(...equityYs)).toBe(176);
      const equityRows = section(parseCsv(renderRunCsv(long)), 'equity').body;
      expect(equityRows).toHaveLength(n);
      expect(Number(equityRows[1001]?.[1])).toBe(50_000);
    });

    it('draws every point of a curve shorter than PLOT_POINTS', () => {
      expect(plotIndices([3, 1, 2])).toEqual([0, 1, 2]);
    });

    it('draws both Monte Carlo histograms with the actual run marked', () => {
      expect(html).toContain('data-chart="Monte Carlo max drawdown"');
      expect(html).toContain('data-chart="Monte Carlo final PnL"');
      expect(html.match(/<line class="actual"/g)).toHaveLength(2);
      // Final PnL of this run: 101,000 - 100,000.
      expect(html).toContain('this run 1,000');
    });

    it('lists every trade', () => {
      const rows = html.match(/<table class="trades">.*?<\/table>/s)?.[0].match(/<tr>/g);
      expect(rows).toHaveLength(3);
    });

    it('draws a sweep heatmap over the two parameters that vary, one cell per configuration', () => {
      const rows = [3, 5].flatMap((fast, i) =>
        [10, 20, 30].map((slow, j) => ({
          index: i * 3 + j,
          params: { fast, slow, quantity: 1 },
          metrics: { sharpe: fast * 0.1 + slow * 0.01, totalReturn: 0, maxDrawdown: 0, trades: 4 },
          periodSharpe: 0.01,
          probabilisticSharpe: 0.9,
        })),
      );
      expect(heatmapAxes(rows)).toEqual(['fast', 'slow']);
      const sweepHtml = renderRunHtml(
        singleRun({
          kind: 'sweep',
          curve: null,
          honesty: null,
          trades: [],
          sweep: {
            trials: 6,
            workers: 2,
            best: 5,
            skipped: [],
            sharpeVariance: 0.01,
            deflatedSharpe: 0.42,
            rows,
          },
        }),
      );
      expect(sweepHtml.match(/<rect class="cell"/g)).toHaveLength(6);
      expect(sweepHtml).toContain('fast=5 slow=30: 0.8');
      expect(sweepHtml).toContain('deflated Sharpe 0.42');
      expect(sweepHtml).not.toContain('<path class="line"');
      expect(sweepHtml.toLowerCase()).not.toContain('http');
    });
  });

  describe('plot helpers', () => {
    it('computes drawdown below the running peak', () => {
      expect(drawdownSeries([100, 110, 99, 121])).toEqual([0, 0, 99 / 110 - 1, 0]);
    });

    it('bins samples with the maximum in the last bin', () => {
      const bins = histogramBins([0, 1, 2, 3, 4], 2);
      expect(bins.map((b) => b.count)).toEqual([2, 3]);
      expect(bins[1]?.to).toBe(4);
    });
  });
});
