import { useEffect } from 'react';
import { baseLayout, drawChart, palette, type Layout } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';
import { useTrading } from '../../stores/context.js';
import { money } from './tradingFormat.js';

const EMPTY = { ts: [] as number[], equity: [] as number[] };

/** Equity of all venues over time, sampled once a second by main. */
export function PnlCurve() {
  const pnl = useTrading((s) => s.state?.pnl ?? EMPTY);
  const chart = useChartElement();
  const first = pnl.equity[0];
  const last = pnl.equity.at(-1);
  const change = first === undefined || last === undefined ? null : last - first;

  useEffect(() => {
    const target = chart.current;
    if (target === null) return;
    drawChart(
      target,
      [
        {
          type: 'scatter',
          mode: 'lines',
          name: 'equity',
          x: [...pnl.ts],
          y: [...pnl.equity],
          line: { color: palette.accent, width: 1.4 },
          hovertemplate: 'equity %{y:,.2f}<extra></extra>',
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
            : `${change >= 0 ? '+' : ''}${money(change)} since the first sample`}
        </span>
      </header>
      <div className="chart pnl-chart" ref={chart} data-testid="pnl-plot" data-points={pnl.ts.length} />
    </section>
  );
}

function pnlLayout(): Partial<Layout> {
  return {
    ...baseLayout(),
    margin: { l: 64, r: 12, t: 8, b: 24 },
    xaxis: { type: 'date', gridcolor: palette.grid, linecolor: palette.axis },
    yaxis: { gridcolor: palette.grid, linecolor: palette.axis, zeroline: false, tickformat: ',.2f' },
  };
}
