import { useEffect, useMemo } from 'react';
import type { Candle } from '../../../../shared/domain/candle.js';
import { TIMEFRAME_MS, type Timeframe } from '../../../../shared/domain/timeframes.js';
import { baseLayout, drawChart, palette, type Data, type Layout } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';
import { decimalsOf } from '../../format.js';
import { useMarkets } from '../../stores/context.js';
import { signalMarkers, type SignalMarkers } from './signalMarkers.js';
import { TimeframeSwitch } from './TimeframeSwitch.js';
import { useChartMarks, useChartViewTracking, withMarks } from './useChartMarks.js';

const NO_BARS: readonly Candle[] = [];

/**
 * Candles of the chosen timeframe with volume beneath and the instrument's signals as
 * markers: green triangles up for long, red triangles down for short. Updated in place with
 * Plotly.react; zoom and pan survive updates until the instrument or timeframe changes.
 */
export function CandlesChart() {
  const element = useChartElement();
  const instrument = useMarkets((state) => state.instrument);
  const timeframe = useMarkets((state) => state.timeframe);
  const bars = useMarkets((state) => state.candles[state.timeframe] ?? NO_BARS);
  const signals = useMarkets((state) => state.signals);
  const loading = useMarkets((state) => state.loadingTimeframe !== null);
  const markers = useMemo(() => signalMarkers(signals, bars), [signals, bars]);
  const instrumentId = instrument?.id ?? '';
  const priceDecimals = decimalsOf(instrument?.tickSize ?? 0.01);

  const marks = useChartMarks(
    instrumentId,
    bars[0]?.openTime,
    (bars.at(-1)?.openTime ?? 0) + TIMEFRAME_MS[timeframe],
  );

  useEffect(() => {
    const target = element.current;
    if (target === null) return;
    const layout = withMarks(candleLayout(bars, timeframe, instrumentId, priceDecimals), marks);
    drawChart(target, candleTraces(bars, markers, timeframe), layout);
  }, [element, bars, markers, timeframe, instrumentId, priceDecimals, marks]);
  useChartViewTracking(element);

  return (
    <section className="panel candles-panel" aria-label="Candles">
      <header className="panel-title">
        <span>
          {instrument?.symbol ?? 'Candles'} <span className="panel-note">{timeframe} · UTC</span>
        </span>
        <span className="candles-tools">
          <span className="signal-legend" title="Signal markers drawn on the chart">
            <i className="marker long">▲</i> long <i className="marker short">▼</i> short ·{' '}
            <b data-testid="signal-count">{markers.count}</b> signals
          </span>
          <TimeframeSwitch />
        </span>
      </header>
      <div className="chart" ref={element} data-testid="candles-chart" data-bars={bars.length} />
      {bars.length === 0 ? (
        <div className="chart-note">
          {loading
            ? `Loading ${timeframe} candles…`
            : `No ${timeframe} candles yet: waiting for the first trade…`}
        </div>
      ) : null}
    </section>
  );
}

function candleTraces(bars: readonly Candle[], markers: SignalMarkers, timeframe: Timeframe): Data[] {
  const times: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  const volumeColours: string[] = [];
  for (const bar of bars) {
    times.push(bar.openTime);
    open.push(bar.open);
    high.push(bar.high);
    low.push(bar.low);
    close.push(bar.close);
    volume.push(bar.volume);
    volumeColours.push(bar.close >= bar.open ? palette.bidFill : palette.askFill);
  }
  // Bars are placed mid-period so a signal at time t lands inside the bar that contains t.
  const period = { xperiod: TIMEFRAME_MS[timeframe], xperiodalignment: 'middle' as const };
  return [
    {
      type: 'candlestick',
      name: 'Price',
      x: times,
      open,
      high,
      low,
      close,
      ...period,
      increasing: { line: { color: palette.bid, width: 1 }, fillcolor: palette.bid },
      decreasing: { line: { color: palette.ask, width: 1 }, fillcolor: palette.ask },
      whiskerwidth: 0,
      xaxis: 'x',
      yaxis: 'y',
    },
    {
      type: 'bar',
      name: 'Volume',
      x: times,
      y: volume,
      ...period,
      marker: { color: volumeColours },
      xaxis: 'x',
      yaxis: 'y2',
      hovertemplate: 'Volume %{y}<extra></extra>',
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'Long',
      x: markers.long.times,
      y: markers.long.prices,
      text: markers.long.labels,
      marker: {
        symbol: 'triangle-up',
        size: 11,
        color: palette.bid,
        line: { color: palette.background, width: 1 },
      },
      hovertemplate: '%{text}<br>%{y}<extra></extra>',
      xaxis: 'x',
      yaxis: 'y',
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'Short',
      x: markers.short.times,
      y: markers.short.prices,
      text: markers.short.labels,
      marker: {
        symbol: 'triangle-down',
        size: 11,
        color: palette.ask,
        line: { color: palette.background, width: 1 },
      },
      hovertemplate: '%{text}<br>%{y}<extra></extra>',
      xaxis: 'x',
      yaxis: 'y',
    },
  ];
}

function candleLayout(
  bars: readonly Candle[],
  timeframe: Timeframe,
  instrument: string,
  priceDecimals: number,
): Partial<Layout> {
  const last = bars[bars.length - 1];
  const lastPrice: Partial<Layout>['shapes'] =
    last === undefined
      ? []
      : [
          {
            type: 'line',
            xref: 'paper',
            yref: 'y',
            x0: 0,
            x1: 1,
            y0: last.close,
            y1: last.close,
            line: { color: last.close >= last.open ? palette.bid : palette.ask, width: 1, dash: 'dot' },
          },
        ];
  // Axes without bars would show a meaningless 0..6 range under the "waiting" note.
  const visible = bars.length > 0;
  return {
    ...baseLayout(),
    // A new instrument or timeframe resets zoom; live updates keep whatever the trader set.
    uirevision: `${instrument}:${timeframe}`,
    xaxis: {
      type: 'date',
      visible,
      rangeslider: { visible: false },
      showgrid: true,
      gridcolor: palette.grid,
      linecolor: palette.axis,
      tickcolor: palette.axis,
      zeroline: false,
      showspikes: true,
      spikemode: 'across',
      spikecolor: palette.axis,
      spikethickness: 1,
      spikedash: 'solid',
    },
    yaxis: {
      side: 'right',
      visible,
      domain: [0.24, 1],
      gridcolor: palette.grid,
      zeroline: false,
      tickformat: `,.${priceDecimals}f`,
      showspikes: true,
      spikemode: 'across',
      spikecolor: palette.axis,
      spikethickness: 1,
      spikedash: 'solid',
    },
    yaxis2: {
      side: 'right',
      visible,
      domain: [0, 0.2],
      gridcolor: palette.grid,
      zeroline: false,
      showticklabels: true,
      nticks: 3,
    },
    shapes: lastPrice,
    bargap: 0.15,
  };
}
