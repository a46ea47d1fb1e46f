import { useEffect, useMemo, useRef, useState } from 'react';
import type { ChartStudies } from '../../../../shared/api/domains/markets.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import { TIMEFRAME_MS, type Timeframe } from '../../../../shared/domain/timeframes.js';
import { overlayStudy, paneStudy, type Study } from '../../charts/chartStudies.js';
import { fitRange, keepBarsInView, visibleIndices } from '../../charts/chartView.js';
import {
  baseLayout,
  drawChart,
  listenToChart,
  palette,
  showTimeRange,
  type Data,
  type Layout,
} from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';
import { decimalsOf, fixed } from '../../format.js';
import { useMarkets } from '../../stores/context.js';
import type { ChartView } from '../../stores/markets.js';
import { ChartToolbar } from './ChartToolbar.js';
import { OhlcvReadout } from './OhlcvReadout.js';
import { signalMarkers, type SignalMarkers } from './signalMarkers.js';
import { StudiesMenu } from './StudiesMenu.js';
import { TimeframeSwitch } from './TimeframeSwitch.js';

const NO_BARS: readonly Candle[] = [];
const NO_SHAPES: ChartShapes = [];
/** Older bars are asked for once the view comes this many bars from the earliest loaded one. */
const LOAD_AHEAD_BARS = 20;
/** Colours of the overlay lines, in the order overlays are listed. */
const STUDY_COLOURS = ['#f2c94c', '#bb86fc', '#56ccf2', '#f2994a', '#9b9b9b'] as const;

export type ChartShapes = NonNullable<Partial<Layout>['shapes']>;

/**
 * Candles of the chosen timeframe with the instrument's signals as markers (green triangles up
 * for long, red down for short), overlays from the feature catalogue over the price and panes
 * beneath it. Panning or zooming back loads older bars; the price axis fits the bars in view.
 * `extraShapes` lets another feature draw on the price (e.g. a trader's marks) in data
 * coordinates (xref 'x', yref 'y').
 */
export function CandlesChart({ extraShapes = NO_SHAPES }: { extraShapes?: ChartShapes }) {
  const element = useChartElement();
  const instrument = useMarkets((state) => state.instrument);
  const timeframe = useMarkets((state) => state.timeframe);
  const bars = useMarkets((state) => state.candles[state.timeframe] ?? NO_BARS);
  const signals = useMarkets((state) => state.signals);
  const loading = useMarkets((state) => state.loadingTimeframe !== null);
  const olderBars = useMarkets((state) => state.olderBars);
  const chartView = useMarkets((state) => state.chartView);
  const studies = useMarkets((state) => state.studies);
  const loadOlder = useMarkets((state) => state.loadOlder);
  const markers = useMemo(() => signalMarkers(signals, bars), [signals, bars]);
  const drawn = useMemo(() => studyLines(studies, bars), [studies, bars]);
  const instrumentId = instrument?.id ?? '';
  const priceDecimals = decimalsOf(instrument?.tickSize ?? 0.01);
  const revision = `${instrumentId}:${timeframe}:${chartView?.seq ?? 0}`;
  // What plotly shows and where the cursor is, each tagged with the view it belongs to: a new
  // instrument, timeframe or asked-for range starts again from what the layout asks for.
  const [tracked, setTracked] = useState<{ revision: string; range: readonly [number, number] | null }>();
  const [pointed, setPointed] = useState<{ revision: string; index: number | null }>();
  const visible = useMemo<readonly [number, number] | null>(() => {
    if (tracked?.revision === revision) return tracked.range;
    return chartView === null ? null : [chartView.from, chartView.to];
  }, [tracked, revision, chartView]);
  const hovered = pointed?.revision === revision ? pointed.index : null;
  const listening = useRef(false);
  // The listener outlives renders; it reads what is drawn now through this ref.
  const latest = useRef({ bars, timeframe, drawn, revision });

  useEffect(() => {
    const target = element.current;
    if (target === null) return;
    latest.current = { bars, timeframe, drawn, revision };
    const layout = candleLayout({
      bars,
      timeframe,
      revision,
      priceDecimals,
      chartView,
      visible,
      drawn,
      extraShapes,
    });
    drawChart(target, candleTraces(bars, markers, timeframe, drawn), layout);
    if (listening.current) return;
    listening.current = listenToChart(target, {
      onTimeRange: (range) => {
        const { bars: now, timeframe: shown } = latest.current;
        const first = now[0];
        const last = now[now.length - 1];
        if (range !== null && first !== undefined && last !== undefined) {
          const period = TIMEFRAME_MS[shown];
          const kept = keepBarsInView(range, first.openTime, last.openTime + period, period);
          if (kept !== range) {
            showTimeRange(target, kept[0], kept[1]);
            return;
          }
        }
        // Plotly also reports ranges it settled itself (after a redraw): only a change re-renders.
        const revision = latest.current.revision;
        setTracked((previous) =>
          previous?.revision === revision && sameRange(previous.range, range)
            ? previous
            : { revision, range },
        );
      },
      onHover: (point) => {
        const bound = barTraceCount(latest.current.drawn);
        const index = point === null || point.trace >= bound ? null : point.index;
        const revision = latest.current.revision;
        setPointed((previous) =>
          previous?.revision === revision && previous.index === index ? previous : { revision, index },
        );
      },
    });
  }, [element, bars, markers, timeframe, revision, priceDecimals, chartView, visible, drawn, extraShapes]);

  // Scrolling or zooming back past the earliest loaded bar loads the page before it.
  const earliest = bars[0]?.openTime ?? null;
  useEffect(() => {
    if (visible === null || earliest === null || olderBars !== 'more') return;
    if (visible[0] < earliest + LOAD_AHEAD_BARS * TIMEFRAME_MS[timeframe]) void loadOlder();
  }, [visible, earliest, olderBars, timeframe, loadOlder]);

  const shownBar = bars[hovered ?? bars.length - 1] ?? null;
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
          <StudiesMenu />
          <TimeframeSwitch />
        </span>
      </header>
      <ChartToolbar visible={visible} />
      <OhlcvReadout
        bar={shownBar}
        hovering={hovered !== null}
        priceDecimals={priceDecimals}
        values={studyValues(drawn, hovered ?? bars.length - 1, priceDecimals)}
      />
      <div
        className="chart"
        ref={element}
        data-testid="candles-chart"
        data-bars={bars.length}
        data-earliest={earliest ?? ''}
        data-older={olderBars}
        data-overlays={studies.overlays.join(',')}
        data-panes={studies.panes.join(',')}
      />
      {bars.length === 0 ? (
        <div className="chart-note" data-testid="candles-empty">
          {loading
            ? `Loading ${timeframe} candles…`
            : `No ${timeframe} bars for ${instrument?.symbol ?? 'this instrument'} yet: they appear with its first trade.`}
        </div>
      ) : null}
    </section>
  );
}

function sameRange(a: readonly [number, number] | null, b: readonly [number, number] | null): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}

/** The studies chosen, computed over the loaded bars (the heavy part: only when either changes). */
interface DrawnStudies {
  readonly overlays: readonly Study[];
  readonly panes: readonly { readonly pane: ChartStudies['panes'][number]; readonly study: Study }[];
}

function studyLines(studies: ChartStudies, bars: readonly Candle[]): DrawnStudies {
  return {
    overlays: studies.overlays.map((overlay) => overlayStudy(overlay, bars)),
    panes: studies.panes.map((pane) => ({ pane, study: paneStudy(pane, bars) })),
  };
}

/** Traces indexed by bar: the candles, then one per overlay line (markers and panes follow). */
function barTraceCount(drawn: DrawnStudies): number {
  return 1 + drawn.overlays.reduce((sum, study) => sum + study.lines.length, 0);
}

/** The studies' values at bar `index`, to the decimals each reads in (RSI in points, MACD finer than a tick). */
function studyValues(
  drawn: DrawnStudies,
  index: number,
  priceDecimals: number,
): { name: string; value: string }[] {
  const entries = [
    ...drawn.overlays.map((study) => ({ study, decimals: priceDecimals })),
    ...drawn.panes.map(({ pane, study }) => ({ study, decimals: pane === 'rsi' ? 1 : priceDecimals + 1 })),
  ];
  const values: { name: string; value: string }[] = [];
  for (const { study, decimals } of entries) {
    for (const line of study.lines) {
      const value = line.values[index];
      if (value === undefined || !Number.isFinite(value)) continue;
      const name = study.lines.length === 1 ? study.title : `${study.title} ${line.name}`;
      values.push({ name, value: fixed(decimals).format(value) });
    }
  }
  return values;
}

function candleTraces(
  bars: readonly Candle[],
  markers: SignalMarkers,
  timeframe: Timeframe,
  drawn: DrawnStudies,
): Data[] {
  const times: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  for (const bar of bars) {
    times.push(bar.openTime);
    open.push(bar.open);
    high.push(bar.high);
    low.push(bar.low);
    close.push(bar.close);
  }
  // Bars are placed mid-period so a signal at time t lands inside the bar that contains t.
  const period = { xperiod: TIMEFRAME_MS[timeframe], xperiodalignment: 'middle' as const };
  const traces: Data[] = [
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
      hoverinfo: 'none',
      xaxis: 'x',
      yaxis: 'y',
    },
  ];
  drawn.overlays.forEach((study, i) => {
    const colour = STUDY_COLOURS[i % STUDY_COLOURS.length] ?? palette.accent;
    study.lines.forEach((line, j) => {
      traces.push({
        type: 'scatter',
        mode: 'lines',
        name: study.lines.length === 1 ? study.title : `${study.title} ${line.name}`,
        x: times,
        y: Array.from(line.values, finiteOrNull),
        ...period,
        line: { color: colour, width: 1.2, dash: study.lines.length > 1 && j !== 1 ? 'dot' : 'solid' },
        hoverinfo: 'none',
        xaxis: 'x',
        yaxis: 'y',
      });
    });
  });
  traces.push(markerTrace('Long', markers.long, 'triangle-up', palette.bid));
  traces.push(markerTrace('Short', markers.short, 'triangle-down', palette.ask));
  drawn.panes.forEach(({ pane, study }, i) => {
    const yaxis = `y${i + 2}` as const;
    if (pane === 'volume') {
      traces.push({
        type: 'bar',
        name: 'Volume',
        x: times,
        y: bars.map((bar) => bar.volume),
        ...period,
        marker: { color: bars.map((bar) => (bar.close >= bar.open ? palette.bidFill : palette.askFill)) },
        hoverinfo: 'none',
        xaxis: 'x',
        yaxis,
      });
      return;
    }
    study.lines.forEach((line, j) => {
      const histogram = pane === 'macd' && line.name === 'Histogram';
      traces.push({
        type: histogram ? 'bar' : 'scatter',
        ...(histogram ? {} : { mode: 'lines' as const }),
        name: study.lines.length === 1 ? study.title : `${study.title} ${line.name}`,
        x: times,
        y: Array.from(line.values, finiteOrNull),
        ...period,
        ...(histogram
          ? {
              marker: { color: Array.from(line.values, (v) => (v >= 0 ? palette.bidFill : palette.askFill)) },
            }
          : { line: { color: STUDY_COLOURS[j % STUDY_COLOURS.length] ?? palette.accent, width: 1.2 } }),
        hoverinfo: 'none',
        xaxis: 'x',
        yaxis,
      });
    });
  });
  return traces;
}

function markerTrace(
  name: string,
  points: SignalMarkers['long'],
  symbol: 'triangle-up' | 'triangle-down',
  colour: string,
): Data {
  return {
    type: 'scatter',
    mode: 'markers',
    name,
    x: points.times,
    y: points.prices,
    text: points.labels,
    marker: { symbol, size: 11, color: colour, line: { color: palette.background, width: 1 } },
    hovertemplate: '%{text}<br>%{y}<extra></extra>',
    xaxis: 'x',
    yaxis: 'y',
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

interface LayoutInput {
  readonly bars: readonly Candle[];
  readonly timeframe: Timeframe;
  readonly revision: string;
  readonly priceDecimals: number;
  readonly chartView: ChartView | null;
  readonly visible: readonly [number, number] | null;
  readonly drawn: DrawnStudies;
  readonly extraShapes: ChartShapes;
}

/** Height of one pane under the price (fraction of the plot), and the gap above it. */
const PANE_HEIGHT = 0.16;
const PANE_GAP = 0.03;

function candleLayout(input: LayoutInput): Partial<Layout> {
  const { bars, timeframe, revision, priceDecimals, chartView, visible, drawn, extraShapes } = input;
  const last = bars[bars.length - 1];
  const lastPrice: ChartShapes =
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
  // Axes without bars would show a meaningless date range under the "no bars" note.
  const shown = bars.length > 0;
  const times = bars.map((bar) => bar.openTime);
  const period = TIMEFRAME_MS[timeframe];
  // Fit the value axes to the bars in view (half a bar either side counts: they sit mid-period).
  const [start, end] =
    visible === null ? [0, bars.length] : visibleIndices(times, visible[0] - period, visible[1]);
  const priceColumns: ArrayLike<number>[] = [bars.map((bar) => bar.low), bars.map((bar) => bar.high)];
  for (const study of drawn.overlays) for (const line of study.lines) priceColumns.push(line.values);
  const priceRange = fitRange(priceColumns, start, end);
  const panes = drawn.panes.length;
  const priceBottom = panes * (PANE_HEIGHT + PANE_GAP);
  const layout: Partial<Layout> = {
    ...baseLayout(),
    // A new instrument, timeframe or asked-for range resets the view; live updates keep the trader's.
    uirevision: revision,
    xaxis: {
      type: 'date',
      visible: shown,
      rangeslider: { visible: false },
      showgrid: true,
      gridcolor: palette.grid,
      linecolor: palette.axis,
      tickcolor: palette.axis,
      zeroline: false,
      showspikes: true,
      spikemode: 'across',
      spikesnap: 'cursor',
      spikecolor: palette.axis,
      spikethickness: 1,
      spikedash: 'solid',
      ...(chartView === null
        ? { autorange: true }
        : { autorange: false, range: [chartView.from, chartView.to] }),
    },
    yaxis: {
      side: 'right',
      visible: shown,
      domain: [priceBottom, 1],
      gridcolor: palette.grid,
      zeroline: false,
      tickformat: `,.${priceDecimals}f`,
      // The price axis follows the bars in view; the wheel zooms time only.
      fixedrange: true,
      ...(priceRange === null ? {} : { autorange: false, range: [...priceRange] }),
      showspikes: true,
      spikemode: 'across',
      spikesnap: 'cursor',
      spikecolor: palette.axis,
      spikethickness: 1,
      spikedash: 'solid',
    },
    shapes: [...lastPrice, ...extraShapes],
    bargap: 0.15,
    hovermode: 'x',
  };
  const axes = layout as Record<string, unknown>;
  drawn.panes.forEach(({ pane, study }, i) => {
    const bottom = (panes - 1 - i) * (PANE_HEIGHT + PANE_GAP);
    const columns =
      pane === 'volume' ? [bars.map((bar) => bar.volume)] : study.lines.map((line) => line.values);
    const range = pane === 'rsi' ? ([0, 100] as const) : fitRange(columns, start, end, 0.08);
    axes[`yaxis${i + 2}`] = {
      side: 'right',
      visible: shown,
      domain: [bottom, bottom + PANE_HEIGHT],
      gridcolor: palette.grid,
      zeroline: pane === 'macd',
      zerolinecolor: palette.axis,
      nticks: 3,
      fixedrange: true,
      title: { text: study.title, font: { size: 9 } },
      ...(range === null ? {} : { autorange: false, range: [...range] }),
      ...(pane === 'rsi' ? { tickvals: [30, 70] } : {}),
    };
  });
  return layout;
}
