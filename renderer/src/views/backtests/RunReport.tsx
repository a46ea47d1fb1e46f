import { useMemo } from 'react';
import type { BacktestRunDetail } from '../../../../shared/api/domains/backtests.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import { baseLayout, palette, type Data, type Layout } from '../../charts/plotly.js';
import { useBacktests } from '../../stores/context.js';
import { ExportButtons } from './ExportButtons.js';
import { Plot } from './Plot.js';
import { drawdownOf, finalPnl, tradeMarkers } from './reportSeries.js';
import { metricRows } from '../../../../shared/backtest/metric-format.js';
import { MetricCell } from './RunsList.js';
import { SweepResults, WalkForwardResults } from './SweepResults.js';
import { TradesTable } from './TradesTable.js';
import { useInstrumentMarks, withMarks } from '../markets/useChartMarks.js';

const dateAxis = { type: 'date' as const, gridcolor: palette.grid, linecolor: palette.axis, zeroline: false };
const valueAxis = { side: 'right' as const, gridcolor: palette.grid, zeroline: false };

/** The open run: curves, price with trades, metrics, honesty, Monte Carlo, trades, sweep or folds. */
export function RunReport() {
  const openId = useBacktests((s) => s.openId);
  const report = useBacktests((s) => s.report);
  if (openId === null) return null;
  if (report === null)
    return (
      <section className="panel backtest-report" aria-label="Report">
        <p className="backtest-note">Loading run #{openId}…</p>
      </section>
    );
  return (
    <section
      className="panel backtest-report"
      aria-label="Report"
      data-testid="bt-report"
      data-run-id={report.id}
    >
      <header className="panel-title">
        <span>
          Run #{report.id} · {report.kind} · {report.strategy} on {report.instrument} {report.timeframe}
        </span>
        <ExportButtons />
      </header>
      <div className="backtest-report-body">
        <p className="backtest-note">
          {report.mode} mode · params {JSON.stringify(report.params)} · fees {report.costs.fees.maker}/
          {report.costs.fees.taker} · slippage {report.costs.slippageBps} bps · fill at{' '}
          {report.costs.candleFill}
          {report.mode === 'event' ? <> · latency {latencyText(report.costs.latency)}</> : null}
        </p>
        {report.curve === null ? null : <EquityCharts report={report} />}
        {report.curve === null ? null : <PriceChart report={report} />}
        <div className="backtest-columns">
          <MetricsTable metrics={report.metrics} kind={report.kind} />
          <HonestyPanel report={report} />
        </div>
        <MonteCarlo report={report} />
        <SweepResults report={report} />
        <WalkForwardResults report={report} />
        {report.kind === 'sweep' ? null : <TradesTable trades={report.trades} />}
      </div>
    </section>
  );
}

function EquityCharts({ report }: { report: BacktestRunDetail }) {
  const curve = report.curve;
  const equity = useMemo<Data[]>(
    () => [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'equity',
        x: curve?.ts ?? [],
        y: curve?.equity ?? [],
        line: { color: palette.accent, width: 1.2 },
        hovertemplate: '%{y:,.2f}<extra></extra>',
      },
    ],
    [curve],
  );
  const drawdown = useMemo<Data[]>(
    () => [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'drawdown',
        x: curve?.ts ?? [],
        // In percent with a suffix: plotly's '%' tick format rounds small drawdowns to 0.0%.
        y: drawdownOf(curve?.equity ?? []).map((d) => d * 100),
        fill: 'tozeroy',
        line: { color: palette.ask, width: 1 },
        fillcolor: palette.askFill,
        hovertemplate: '%{y:.4g}%<extra></extra>',
      },
    ],
    [curve],
  );
  const equityLayout = useMemo<Partial<Layout>>(
    () => ({ ...baseLayout(), xaxis: dateAxis, yaxis: { ...valueAxis, title: { text: 'equity' } } }),
    [],
  );
  const drawdownLayout = useMemo<Partial<Layout>>(
    () => ({ ...baseLayout(), xaxis: dateAxis, yaxis: { ...valueAxis, ticksuffix: '%' } }),
    [],
  );
  return (
    <div className="backtest-charts">
      <h4>
        Equity{' '}
        <span className="backtest-note" data-testid="bt-curve-points">
          {curve?.ts.length ?? 0} of {curve?.points ?? 0} points
        </span>
      </h4>
      <Plot data={equity} layout={equityLayout} testId="bt-equity-plot" height={220} />
      <h4>Drawdown</h4>
      <Plot data={drawdown} layout={drawdownLayout} testId="bt-drawdown-plot" height={140} />
    </div>
  );
}

function PriceChart({ report }: { report: BacktestRunDetail }) {
  const bars = useBacktests((s) => s.priceBars);
  const data = useMemo<Data[]>(() => priceTraces(bars, report), [bars, report]);
  const marks = useInstrumentMarks(report.instrument, bars[0]?.openTime, bars.at(-1)?.openTime);
  const layout = useMemo<Partial<Layout>>(
    () =>
      withMarks(
        {
          ...baseLayout(),
          hovermode: 'closest',
          xaxis: { ...dateAxis, rangeslider: { visible: false } },
          yaxis: valueAxis,
        },
        marks,
      ),
    [marks],
  );
  return (
    <div className="backtest-charts">
      <h4>
        Price and trades{' '}
        <span className="backtest-note">{bars.length} bars · ▲ long entry · ▼ short entry · ✕ exit</span>
      </h4>
      <Plot data={data} layout={layout} testId="bt-price-plot" height={260} />
    </div>
  );
}

function priceTraces(bars: readonly Candle[], report: BacktestRunDetail): Data[] {
  const markers = tradeMarkers(report.trades);
  return [
    {
      type: 'candlestick',
      name: report.instrument,
      x: bars.map((b) => b.openTime),
      open: bars.map((b) => b.open),
      high: bars.map((b) => b.high),
      low: bars.map((b) => b.low),
      close: bars.map((b) => b.close),
      increasing: { line: { color: palette.bid, width: 1 } },
      decreasing: { line: { color: palette.ask, width: 1 } },
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'long entry',
      x: markers.longEntries.ts,
      y: markers.longEntries.price,
      text: markers.longEntries.text,
      hovertemplate: '%{text}<extra></extra>',
      marker: { symbol: 'triangle-up', size: 10, color: palette.bid, line: { color: '#fff', width: 0.5 } },
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'short entry',
      x: markers.shortEntries.ts,
      y: markers.shortEntries.price,
      text: markers.shortEntries.text,
      hovertemplate: '%{text}<extra></extra>',
      marker: { symbol: 'triangle-down', size: 10, color: palette.ask, line: { color: '#fff', width: 0.5 } },
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'exit',
      x: markers.exits.ts,
      y: markers.exits.price,
      text: markers.exits.text,
      hovertemplate: '%{text}<extra></extra>',
      marker: { symbol: 'x', size: 8, color: palette.textBright },
    },
  ];
}

function MetricsTable({
  metrics,
  kind,
}: {
  metrics: BacktestRunDetail['metrics'];
  kind: BacktestRunDetail['kind'];
}) {
  return (
    <div>
      <h4>
        Metrics{' '}
        <span className="backtest-note">
          {kind === 'sweep'
            ? 'of the best configuration'
            : kind === 'walk-forward'
              ? 'of the stitched out-of-sample curve'
              : ''}
        </span>
      </h4>
      <table className="backtest-table metrics" data-testid="bt-metrics">
        <tbody>
          {metricRows(metrics).map(({ key, label, value }) => (
            <tr key={key} data-testid={`bt-metric-${key}`}>
              <td title={key}>{label}</td>
              <MetricCell name={key} value={value} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HonestyPanel({ report }: { report: BacktestRunDetail }) {
  const honesty = report.honesty;
  const dsr = report.walkForward?.deflatedSharpe ?? report.sweep?.deflatedSharpe ?? null;
  const searched = report.sweep !== null || report.walkForward !== null;
  return (
    <div data-testid="bt-honesty">
      <h4>Statistical honesty</h4>
      <table className="backtest-table metrics">
        <tbody>
          <tr title="Probability that the true Sharpe ratio is above 0, given the sample's length, skew and kurtosis">
            <td>Probabilistic Sharpe (P[SR &gt; 0])</td>
            <MetricCell name="psr" value={honesty?.probabilisticSharpe ?? null} />
          </tr>
          <tr title="Block-bootstrap 95% interval of the annualised Sharpe ratio">
            <td>Sharpe 95% interval</td>
            <MetricCell name="sharpeLower" value={honesty?.sharpeInterval.lower ?? null} />
            <MetricCell name="sharpeUpper" value={honesty?.sharpeInterval.upper ?? null} />
          </tr>
          {searched ? (
            <tr title="Deflated Sharpe ratio over the configurations tried: above 0.95 is significant at 5%">
              <td>Deflated Sharpe</td>
              <MetricCell name="dsr" value={dsr} />
              <td className={dsr !== null && dsr > 0.95 ? 'good' : 'warn'}>
                {dsr === null ? '' : dsr > 0.95 ? 'significant' : 'not significant at 5%'}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {honesty === null ? <p className="backtest-note">Too few observations for these tests.</p> : null}
    </div>
  );
}

function MonteCarlo({ report }: { report: BacktestRunDetail }) {
  const mc = report.honesty?.monteCarlo ?? null;
  const actualPnl = finalPnl(report);
  const actualDrawdown = report.metrics.maxDrawdown ?? null;
  // Drawdowns in percent (tick suffix), like the drawdown curve.
  const drawdownData = useMemo<Data[]>(() => histogram((mc?.maxDrawdown ?? []).map((d) => d * 100)), [mc]);
  const pnlData = useMemo<Data[]>(() => histogram(mc?.finalPnl ?? []), [mc]);
  const drawdownLayout = useMemo(
    () => histogramLayout(actualDrawdown === null ? null : actualDrawdown * 100, '%'),
    [actualDrawdown],
  );
  const pnlLayout = useMemo(() => histogramLayout(actualPnl, ''), [actualPnl]);
  if (mc === null) return null;
  return (
    <div className="backtest-columns" data-testid="bt-monte-carlo">
      <div>
        <h4>
          Monte Carlo max drawdown{' '}
          <span className="backtest-note">{mc.runs} reshuffles · line: this run</span>
        </h4>
        <Plot data={drawdownData} layout={drawdownLayout} testId="bt-mc-drawdown" height={180} />
      </div>
      <div>
        <h4>
          Monte Carlo final PnL <span className="backtest-note">{mc.runs} resamples · line: this run</span>
        </h4>
        <Plot data={pnlData} layout={pnlLayout} testId="bt-mc-pnl" height={180} />
      </div>
    </div>
  );
}

function histogram(samples: readonly number[]): Data[] {
  return [
    {
      type: 'histogram',
      x: [...samples],
      nbinsx: 40,
      marker: { color: palette.accent },
      hovertemplate: '%{x}: %{y}<extra></extra>',
    },
  ];
}

function histogramLayout(actual: number | null, ticksuffix: string): Partial<Layout> {
  return {
    ...baseLayout(),
    hovermode: 'closest',
    bargap: 0.05,
    xaxis: { gridcolor: palette.grid, linecolor: palette.axis, zeroline: false, ticksuffix },
    yaxis: valueAxis,
    shapes:
      actual === null
        ? []
        : [
            {
              type: 'line',
              xref: 'x',
              yref: 'paper',
              x0: actual,
              x1: actual,
              y0: 0,
              y1: 1,
              line: { color: palette.ask, width: 2 },
            },
          ],
  };
}

/** The run's latency setting in words: where each order's delay came from. */
function latencyText(latency: BacktestRunDetail['costs']['latency']): string {
  if (latency.model === 'recorded') return 'recorded feed delays';
  const ms = (value: number | readonly number[]): string =>
    typeof value === 'number' ? `${value} ms` : `${value.length} samples`;
  return `submit ${ms(latency.submitMs)}, cancel ${ms(latency.cancelMs)}`;
}
