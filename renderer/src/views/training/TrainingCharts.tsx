import { useEffect } from 'react';
import type { FoldReport, SearchInfo } from '../../../../shared/api/domains/models.js';
import { baseLayout, drawChart, palette, type Data, type Layout } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';

/** One loss curve pair (train and validation) of a fold, or of a fold of one search trial. */
export interface LossCurve {
  readonly name: string;
  readonly trainLoss: readonly (number | null)[];
  readonly validLoss: readonly (number | null)[];
}

/** Fold colours: a fold keeps its colour in every chart of a model. */
const FOLD_COLOURS = ['#4c9aff', '#f5a524', '#1fb57a', '#c678dd', '#e5484d', '#56b6c2', '#d19a66', '#98c379'];
export const foldColour = (i: number): string => FOLD_COLOURS[i % FOLD_COLOURS.length] ?? palette.accent;

function axes(x: string, y: string): Partial<Layout> {
  return {
    ...baseLayout(),
    showlegend: true,
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', font: { size: 9 } },
    margin: { l: 44, r: 10, t: 24, b: 30 },
    hovermode: 'closest',
    xaxis: { title: { text: x }, gridcolor: palette.grid, linecolor: palette.axis, zeroline: false },
    yaxis: { title: { text: y }, gridcolor: palette.grid, linecolor: palette.axis, zeroline: false },
  };
}

/** Train (solid) and validation (dotted) loss per step, one colour per fold. */
export function LossChart({
  curves,
  unit,
  testId,
}: {
  curves: readonly LossCurve[];
  unit: string;
  testId: string;
}) {
  const element = useChartElement();
  useEffect(() => {
    const target = element.current;
    if (target === null) return;
    const data: Data[] = curves.flatMap((curve, i) => {
      const x = Array.from(
        { length: Math.max(curve.trainLoss.length, curve.validLoss.length) },
        (_, s) => s + 1,
      );
      return [
        {
          type: 'scatter',
          mode: 'lines+markers',
          name: `${curve.name} train`,
          x,
          y: [...curve.trainLoss],
          line: { color: foldColour(i), width: 1.5 },
          marker: { size: 3 },
        },
        {
          type: 'scatter',
          mode: 'lines+markers',
          name: `${curve.name} valid`,
          x,
          y: [...curve.validLoss],
          line: { color: foldColour(i), width: 1.5, dash: 'dot' },
          marker: { size: 3 },
        },
      ];
    });
    drawChart(target, data, { ...axes(unit, 'loss'), uirevision: testId });
  }, [element, curves, unit, testId]);
  const points = curves.reduce((n, c) => n + c.trainLoss.filter((v) => v !== null).length, 0);
  return <div className="chart training-chart" ref={element} data-testid={testId} data-points={points} />;
}

/** One extra metric (accuracy, validation accuracy ...) per step, one colour per fold. */
export function MetricChart({
  curves,
  metric,
  unit,
}: {
  curves: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
  metric: string;
  unit: string;
}) {
  const element = useChartElement();
  useEffect(() => {
    const target = element.current;
    if (target === null) return;
    const data: Data[] = curves.map((curve, i) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: curve.name,
      x: curve.values.map((_, s) => s + 1),
      y: [...curve.values],
      line: { color: foldColour(i), width: 1.5 },
      marker: { size: 3 },
    }));
    drawChart(target, data, { ...axes(unit, metric), uirevision: metric });
  }, [element, curves, metric, unit]);
  return <div className="chart training-chart" ref={element} data-testid="live-metric-plot" />;
}

/** The ROC of the 'up' class per fold, with the diagonal a coin flip would draw. */
export function RocChart({ folds }: { folds: readonly FoldReport[] }) {
  const element = useChartElement();
  useEffect(() => {
    const target = element.current;
    if (target === null) return;
    const data: Data[] = [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'chance',
        x: [0, 1],
        y: [0, 1],
        line: { color: palette.text, width: 1, dash: 'dash' },
        hoverinfo: 'skip',
      },
      ...folds.flatMap((fold, i): Data[] =>
        fold.roc === null
          ? []
          : [
              {
                type: 'scatter',
                mode: 'lines',
                name: `fold ${fold.fold + 1}`,
                x: fold.roc.fpr,
                y: fold.roc.tpr,
                line: { color: foldColour(i), width: 1.5 },
              },
            ],
      ),
    ];
    const layout = axes('false positive rate', 'true positive rate');
    drawChart(target, data, {
      ...layout,
      xaxis: { ...layout.xaxis, range: [0, 1] },
      yaxis: { ...layout.yaxis, range: [0, 1.02] },
    });
  }, [element, folds]);
  return (
    <div
      className="chart training-chart"
      ref={element}
      data-testid="roc-plot"
      data-folds={folds.filter((f) => f.roc !== null).length}
    />
  );
}

/** Each trial's objective (mean validation log loss) and the best so far. */
export function ObjectiveChart({ search }: { search: SearchInfo }) {
  const element = useChartElement();
  useEffect(() => {
    const target = element.current;
    if (target === null) return;
    const scored = search.trials.filter((t) => t.value !== null).sort((a, b) => a.trial - b.trial);
    let best = Number.POSITIVE_INFINITY;
    const bestSoFar = scored.map((t) => (best = Math.min(best, t.value ?? best)));
    const data: Data[] = [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'trial',
        x: scored.map((t) => t.trial),
        y: scored.map((t) => t.value),
        text: scored.map((t) => t.state),
        marker: {
          size: 7,
          color: scored.map((t) => (t.state === 'pruned' ? palette.text : palette.accent)),
        },
        hovertemplate: 'trial %{x}: %{y:.4f} (%{text})<extra></extra>',
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'best so far',
        x: scored.map((t) => t.trial),
        y: bestSoFar,
        line: { color: palette.bid, width: 1.5, shape: 'hv' },
      },
    ];
    drawChart(target, data, { ...axes('trial', 'objective (log loss)'), uirevision: search.id });
  }, [element, search]);
  return <div className="chart training-chart" ref={element} data-testid="objective-plot" />;
}
