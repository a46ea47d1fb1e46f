import { useEffect } from 'react';
import type { BookView } from '../../../../shared/api/schemas.js';
import { useChartElement } from '../../charts/useChart.js';
import { baseLayout, drawChart, palette, type Data, type Layout } from '../../charts/plotly.js';
import { useMarketsStore } from '../../stores/context.js';
import { depthCurves } from './depthCurves.js';

/** Redraws a second: the book arrives at up to 30 Hz, the eye needs far fewer for a shape. */
const REDRAWS_PER_SECOND = 4;

/**
 * Cumulative depth, bids and asks as filled steps around the mid. It reads the store on its
 * own clock instead of re-rendering per book update, so a busy book never stalls the ladder.
 */
export function DepthChart() {
  const element = useChartElement();
  const store = useMarketsStore();

  useEffect(() => {
    const target = element.current;
    if (target === null) return undefined;
    let drawn: BookView | null = null;
    const draw = (): void => {
      const { book, instrument } = store.getState();
      if (book === null || book === drawn) return;
      drawn = book;
      drawChart(target, depthTraces(book), depthLayout(book, instrument?.id ?? ''));
    };
    draw();
    const timer = window.setInterval(draw, 1000 / REDRAWS_PER_SECOND);
    return () => {
      window.clearInterval(timer);
    };
  }, [element, store]);

  return (
    <section className="panel depth-panel" aria-label="Market depth">
      <header className="panel-title">
        <span>Depth</span>
        <span className="legend">
          <i className="swatch bid" /> bids <i className="swatch ask" /> asks
        </span>
      </header>
      <div className="chart" ref={element} data-testid="depth-chart" />
    </section>
  );
}

function depthTraces(book: BookView): Data[] {
  const { bids, asks } = depthCurves(book);
  return [
    {
      type: 'scatter',
      mode: 'lines',
      name: 'Bids',
      x: bids.prices,
      y: bids.totals,
      line: { shape: 'vh', color: palette.bid, width: 1.5 },
      fill: 'tozeroy',
      fillcolor: palette.bidFill,
      hovertemplate: 'Bid %{x}<br>Total %{y}<extra></extra>',
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: 'Asks',
      x: asks.prices,
      y: asks.totals,
      line: { shape: 'hv', color: palette.ask, width: 1.5 },
      fill: 'tozeroy',
      fillcolor: palette.askFill,
      hovertemplate: 'Ask %{x}<br>Total %{y}<extra></extra>',
    },
  ];
}

function depthLayout(book: BookView, instrument: string): Partial<Layout> {
  const base = baseLayout();
  const midLine: Partial<Layout>['shapes'] =
    book.mid === null
      ? []
      : [
          {
            type: 'line',
            xref: 'x',
            yref: 'paper',
            x0: book.mid,
            x1: book.mid,
            y0: 0,
            y1: 1,
            line: { color: palette.axis, width: 1, dash: 'dot' },
          },
        ];
  return {
    ...base,
    uirevision: instrument,
    margin: { l: 8, r: 48, t: 6, b: 22 },
    hovermode: 'closest',
    xaxis: {
      showgrid: false,
      linecolor: palette.axis,
      tickcolor: palette.axis,
      zeroline: false,
      fixedrange: true,
      ...centredRange(book),
    },
    yaxis: {
      side: 'right',
      gridcolor: palette.grid,
      zeroline: false,
      rangemode: 'tozero',
      fixedrange: true,
    },
    shapes: midLine,
  };
}

/** A price range centred on the mid, wide enough for the deeper side, so the mid stays put. */
function centredRange(book: BookView): Partial<Layout['xaxis']> {
  const farBid = book.bids[book.bids.length - 1];
  const farAsk = book.asks[book.asks.length - 1];
  if (book.mid === null || farBid === undefined || farAsk === undefined) return { autorange: true };
  const halfWidth = Math.max(book.mid - farBid[0], farAsk[0] - book.mid);
  return { autorange: false, range: [book.mid - halfWidth, book.mid + halfWidth] };
}
