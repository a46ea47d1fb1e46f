import { useEffect } from 'react';
import { baseLayout, drawChart, palette, type Data, type Layout } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';
import { useSignals } from '../../stores/context.js';
import type { MidSeries, SignalSeries } from '../../stores/signals.js';
import { bandRuns } from './uncertaintyBand.js';
import { useInstrumentMarks, withMarks } from '../markets/useChartMarks.js';

const ROLE_COLOURS = { primary: palette.accent, shadow: '#e0a84c' } as const;
const BAND_FILL = { primary: 'rgba(76, 154, 255, 0.18)', shadow: 'rgba(224, 168, 76, 0.18)' } as const;

/** Predicted P(up) of every live model over time, with its uncertainty band, over the mid price. */
export function SignalChart() {
  const series = useSignals((state) => state.series);
  const mids = useSignals((state) => state.mids);
  const live = useSignals((state) => state.live);
  const chart = useChartElement();
  const plotted = Object.values(series);
  const instrument = live[0]?.instrument ?? plotted[0]?.instrument ?? null;
  const mid = instrument === null ? undefined : mids[instrument];
  const points = plotted.reduce((sum, s) => sum + s.ts.length, 0);

  const marks = useInstrumentMarks(instrument, mid?.ts[0], mid?.ts.at(-1));

  useEffect(() => {
    const target = chart.current;
    if (target === null) return;
    const names = new Map(live.map((m) => [m.modelId, m.name]));
    drawChart(target, signalTraces(Object.values(series), names, mid), withMarks(signalLayout(), marks));
  }, [chart, series, mid, live, marks]);

  return (
    <section className="panel signals-chart" aria-label="Predictions over time">
      <header className="panel-title">
        <span>P(up) and mid{instrument === null ? '' : ` · ${instrument}`}</span>
        <span className="panel-note">
          band: ± uncertainty (MC dropout or ensemble spread) where the model gives one
        </span>
      </header>
      <div className="chart" ref={chart} data-testid="prediction-plot" data-points={points} />
      {plotted.length === 0 ? <div className="chart-note">Start a model to plot its predictions.</div> : null}
    </section>
  );
}

function signalTraces(
  series: readonly SignalSeries[],
  names: ReadonlyMap<number, string>,
  mid: MidSeries | undefined,
): Data[] {
  const traces: Data[] = [];
  for (const s of series) {
    const name = `${names.get(s.modelId) ?? `model ${s.modelId}`} (${s.role})`;
    // The band only where an uncertainty was given: one filled pair per run, none across gaps.
    const group = `model-${s.modelId}`;
    for (const run of bandRuns(s.ts, s.value, s.spread)) {
      traces.push(
        {
          type: 'scatter',
          mode: 'lines',
          x: run.ts,
          y: run.upper,
          line: { width: 0, color: ROLE_COLOURS[s.role] },
          legendgroup: group,
          hoverinfo: 'skip',
          showlegend: false,
        },
        {
          type: 'scatter',
          mode: 'lines',
          x: run.ts,
          y: run.lower,
          line: { width: 0, color: ROLE_COLOURS[s.role] },
          fill: 'tonexty',
          fillcolor: BAND_FILL[s.role],
          legendgroup: group,
          hoverinfo: 'skip',
          showlegend: false,
        },
      );
    }
    traces.push({
      type: 'scatter',
      mode: 'lines',
      name,
      legendgroup: group,
      x: [...s.ts],
      y: [...s.value],
      line: { color: ROLE_COLOURS[s.role], width: 1.2 },
      hovertemplate: `${name}: %{y:.3f}<extra></extra>`,
    });
  }
  traces.push({
    type: 'scatter',
    mode: 'lines',
    name: 'mid',
    x: [...(mid?.ts ?? [])],
    y: [...(mid?.mid ?? [])],
    yaxis: 'y2',
    line: { color: palette.text, width: 1, dash: 'dot' },
    hovertemplate: 'mid %{y}<extra></extra>',
  });
  return traces;
}

function signalLayout(): Partial<Layout> {
  return {
    ...baseLayout(),
    showlegend: true,
    legend: { orientation: 'h', x: 0, y: 1.08, font: { size: 10 } },
    margin: { l: 44, r: 64, t: 24, b: 24 },
    xaxis: { type: 'date', gridcolor: palette.grid, linecolor: palette.axis },
    yaxis: { title: { text: 'P(up)' }, gridcolor: palette.grid, linecolor: palette.axis, zeroline: false },
    yaxis2: {
      title: { text: 'mid' },
      overlaying: 'y',
      side: 'right',
      showgrid: false,
      linecolor: palette.axis,
    },
  };
}
