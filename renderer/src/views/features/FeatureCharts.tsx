import { useEffect } from 'react';
import type { FeatureSeries } from '../../../../shared/api/domains/features.js';
import { baseLayout, drawChart, palette, type Data, type Layout } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';
import { useFeatures } from '../../stores/context.js';
import { featureValue, shortColumn } from './Sparkline.js';

/** One column of the chosen matrix over time (a line) and its distribution (a histogram). */
export function FeatureCharts() {
  const matrices = useFeatures((state) => state.matrices);
  const matrixId = useFeatures((state) => state.matrixId);
  const column = useFeatures((state) => state.column);
  const selectColumn = useFeatures((state) => state.selectColumn);
  const series = useFeatures((state) => state.series);
  const matrix = matrices.find((m) => m.id === matrixId) ?? null;
  const line = useChartElement();
  const histogram = useChartElement();

  useEffect(() => {
    const target = line.current;
    if (target === null) return;
    drawChart(target, lineTraces(series), lineLayout(series));
  }, [line, series]);

  useEffect(() => {
    const target = histogram.current;
    if (target === null) return;
    drawChart(target, histogramTraces(series), histogramLayout(series));
  }, [histogram, series]);

  return (
    <section className="panel feature-charts" aria-label="Feature over time">
      <header className="panel-title">
        <span>
          <select
            data-testid="column-select"
            value={column ?? ''}
            disabled={matrix === null}
            onChange={(event) => {
              selectColumn(event.target.value);
            }}
          >
            {matrix === null ? <option value="">build or pick a matrix</option> : null}
            {(matrix?.columns ?? []).map((c) => (
              <option key={c} value={c} title={c}>
                {c}
              </option>
            ))}
          </select>
        </span>
        {series === null ? null : (
          <span className="panel-note" data-testid="series-stats">
            {featureValue(series.stats.rows)} rows · {featureValue(series.stats.missing)} missing · mean{' '}
            {featureValue(series.stats.mean)} · std {featureValue(series.stats.std)}
          </span>
        )}
      </header>
      <div className="feature-chart-grid">
        <div className="chart" ref={line} data-testid="feature-plot" data-points={series?.ts.length ?? 0} />
        <div className="chart" ref={histogram} data-testid="feature-histogram" />
      </div>
      {matrix === null ? <div className="chart-note">Build a matrix to plot its features.</div> : null}
    </section>
  );
}

function lineTraces(series: FeatureSeries | null): Data[] {
  return [
    {
      type: 'scatter',
      mode: 'lines',
      name: series === null ? '' : shortColumn(series.column),
      x: series?.ts ?? [],
      y: series?.values ?? [],
      line: { color: palette.accent, width: 1 },
      connectgaps: false,
      hovertemplate: '%{y}<extra></extra>',
    },
  ];
}

function lineLayout(series: FeatureSeries | null): Partial<Layout> {
  return {
    ...baseLayout(),
    uirevision: series?.column ?? '',
    xaxis: { type: 'date', gridcolor: palette.grid, linecolor: palette.axis, zeroline: false },
    yaxis: { side: 'right', gridcolor: palette.grid, zeroline: false },
  };
}

function histogramTraces(series: FeatureSeries | null): Data[] {
  const edges = series?.histogram.edges ?? [];
  const counts = series?.histogram.counts ?? [];
  const centres = counts.map((_, i) => ((edges[i] ?? 0) + (edges[i + 1] ?? 0)) / 2);
  // One bar per bin, as wide as its bin: bins of a discrete feature differ in width.
  const widths = counts.map((_, i) => (edges[i + 1] ?? 0) - (edges[i] ?? 0));
  return [
    {
      type: 'bar',
      name: 'count',
      x: centres,
      y: counts,
      width: widths,
      marker: { color: palette.accent },
      hovertemplate: '%{x}: %{y}<extra></extra>',
    },
  ];
}

function histogramLayout(series: FeatureSeries | null): Partial<Layout> {
  const edges = series?.histogram.edges ?? [];
  return {
    ...baseLayout(),
    uirevision: series?.column ?? '',
    hovermode: 'closest',
    bargap: 0.05,
    // The whole binned range, so the first and last bins are never cut in half.
    xaxis: {
      gridcolor: palette.grid,
      linecolor: palette.axis,
      zeroline: false,
      ...(edges.length > 1 ? { range: [edges[0], edges[edges.length - 1]], autorange: false } : {}),
    },
    yaxis: { side: 'right', gridcolor: palette.grid, zeroline: false },
  };
}
