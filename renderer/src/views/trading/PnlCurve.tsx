import { useEffect } from 'react';
import { baseLayout, drawChart, palette, type Layout } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';
import { useTrading } from '../../stores/context.js';
import { money } from './tradingFormat.js';

const EMPTY = { ts: [] as number[], equity: [] as number[], venues: [] };
const VENUE_COLOURS = ['#1fb57a', '#e0a84c', '#b48ead', '#5fb3b3', '#e5484d'];

/**
 * Equity over time, sampled once a second by main: one line per venue (paper cash is not live
 * money, so they are never summed silently) and the total of them, labelled as such, dashed.
 */
export function PnlCurve() {
  const pnl = useTrading((s) => s.state?.pnl ?? EMPTY);
  const chart = useChartElement();
  const first = pnl.equity[0];
  const last = pnl.equity.at(-1);
  const change = first === undefined || last === undefined ? null : last - first;
  const venues = pnl.venues.map((line) => ({ venue: line.venue, last: line.equity.at(-1) ?? null }));

  useEffect(() => {
    const target = chart.current;
    if (target === null) return;
    drawChart(
      target,
      [
        ...pnl.venues.map((line, i) => ({
          type: 'scatter' as const,
          mode: 'lines' as const,
          name: line.venue,
          x: [...pnl.ts],
          y: [...line.equity],
          line: { color: VENUE_COLOURS[i % VENUE_COLOURS.length] ?? palette.accent, width: 1.4 },
          hovertemplate: `${line.venue} %{y:,.2f}<extra></extra>`,
        })),
        {
          type: 'scatter',
          mode: 'lines',
          name: 'total (all venues)',
          x: [...pnl.ts],
          y: [...pnl.equity],
          line: { color: palette.accent, width: 1.4, dash: 'dash' },
          hovertemplate: 'total %{y:,.2f}<extra></extra>',
        },
      ],
      pnlLayout(),
    );
  }, [chart, pnl]);

  return (
    <section className="panel trading-panel pnl-panel" aria-label="PnL curve">
      <header className="panel-title">
        <span>Equity</span>
        <span className="panel-note" data-testid="pnl-change">
          {change === null
            ? 'no sample yet'
            : `total ${change >= 0 ? '+' : ''}${money(change)} since the first sample`}
        </span>
      </header>
      <header className="pnl-venues">
        {venues.map((v) => (
          <span key={v.venue} data-testid="pnl-venue" data-venue={v.venue}>
            {v.venue} {v.last === null ? '—' : money(v.last)}
          </span>
        ))}
        {last === undefined ? null : <span data-testid="pnl-total">total {money(last)}</span>}
      </header>
      <div className="chart pnl-chart" ref={chart} data-testid="pnl-plot" data-points={pnl.ts.length} />
    </section>
  );
}

function pnlLayout(): Partial<Layout> {
  return {
    ...baseLayout(),
    showlegend: true,
    legend: { orientation: 'h', x: 0, y: 1.12, font: { size: 10 } },
    margin: { l: 64, r: 12, t: 20, b: 24 },
    xaxis: { type: 'date', gridcolor: palette.grid, linecolor: palette.axis },
    yaxis: { gridcolor: palette.grid, linecolor: palette.axis, zeroline: false, tickformat: ',.2f' },
  };
}
