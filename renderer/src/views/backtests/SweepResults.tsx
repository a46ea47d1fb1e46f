import { useMemo, useState } from 'react';
import type { BacktestRunDetail } from '../../../../shared/api/domains/backtests.js';
import { baseLayout, palette, type Data, type Layout } from '../../charts/plotly.js';
import { metricLabel } from '../../../../shared/backtest/metric-format.js';
import { Plot } from './Plot.js';
import {
  heatmapGrid,
  LOWER_IS_BETTER,
  metricText,
  paramLabel,
  sweepParams,
  type HeatmapGrid,
} from './reportSeries.js';
import { MetricCell } from './RunsList.js';
import { utcRange } from '../utcTime.js';

const TABLE_METRICS = [
  'sharpe',
  'totalReturn',
  'maxDrawdown',
  'profitFactor',
  'trades',
  'feesPaid',
  'ruined',
];

/** Every configuration of a sweep in a table, and one metric over two parameters as a heatmap. */
export function SweepResults({ report }: { report: BacktestRunDetail }) {
  const sweep = report.sweep;
  const rows = useMemo(() => sweep?.rows ?? [], [sweep]);
  const params = useMemo(() => sweepParams(rows), [rows]);
  const metrics = useMemo(() => Object.keys(rows[0]?.metrics ?? {}), [rows]);
  const [xChoice, setX] = useState<string | null>(null);
  const [yChoice, setY] = useState<string | null>(null);
  const [metric, setMetric] = useState('sharpe');
  const x = xChoice ?? params.varying[0] ?? params.all[0] ?? null;
  const y = yChoice ?? params.varying.find((p) => p !== x) ?? params.all.find((p) => p !== x) ?? null;
  const grid = useMemo(
    () => (x === null || y === null ? null : heatmapGrid(rows, x, y, metric)),
    [rows, x, y, metric],
  );
  if (sweep === null) return null;
  const choose = (value: string | null, set: (v: string) => void, testId: string) => (
    <select
      data-testid={testId}
      value={value ?? ''}
      onChange={(event) => {
        set(event.target.value);
      }}
    >
      {params.all.map((p) => (
        <option key={p} value={p}>
          {p}
        </option>
      ))}
    </select>
  );
  return (
    <div data-testid="bt-sweep-results">
      <h4>
        Sweep{' '}
        <span className="backtest-note">
          {sweep.trials} configurations on {sweep.workers} workers · best #{sweep.best ?? '—'} (never a ruined
          one) · deflated Sharpe {metricText('dsr', sweep.deflatedSharpe)}
        </span>
      </h4>
      <div className="heatmap-controls">
        <label>Across {choose(x, setX, 'bt-heatmap-x')}</label>
        <label>Down {choose(y, setY, 'bt-heatmap-y')}</label>
        <label>
          Metric{' '}
          <select
            data-testid="bt-heatmap-metric"
            value={metric}
            onChange={(event) => {
              setMetric(event.target.value);
            }}
          >
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </div>
      {grid === null || x === null || y === null ? (
        <p className="backtest-note">A heatmap needs two parameters.</p>
      ) : (
        <Heatmap grid={grid} x={x} y={y} metric={metric} />
      )}
      <div className="backtest-scroll sweep">
        <table className="backtest-table" data-testid="bt-sweep-table">
          <thead>
            <tr>
              <th>#</th>
              {params.all.map((p) => (
                <th key={p}>{p}</th>
              ))}
              {TABLE_METRICS.map((m) => (
                <th key={m} title={m}>
                  {metricLabel(m)}
                </th>
              ))}
              <th title="psr">{metricLabel('psr')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.index} className={row.index === sweep.best ? 'best' : undefined}>
                <td>{row.index}</td>
                {params.all.map((p) => (
                  <td key={p}>{paramLabel(row.params[p])}</td>
                ))}
                {TABLE_METRICS.map((m) => (
                  <MetricCell key={m} name={m} value={row.metrics[m]} />
                ))}
                <MetricCell name="psr" value={row.probabilisticSharpe} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <SkippedList skipped={sweep.skipped} />
    </div>
  );
}

/** Grid combinations the strategy refused (e.g. fast >= slow), each with why: not run, not trials. */
function SkippedList({ skipped }: { skipped: NonNullable<BacktestRunDetail['sweep']>['skipped'] }) {
  if (skipped.length === 0) return null;
  return (
    <div data-testid="bt-skipped">
      <p className="backtest-note">
        {skipped.length} combination{skipped.length === 1 ? '' : 's'} of the grid skipped (not run, not
        counted as trials):
      </p>
      <ul className="backtest-note">
        {skipped.map((s, i) => (
          <li key={i}>
            {JSON.stringify(s.params)}: {s.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Red (worst) through green (best); a lower-is-better metric turns the scale round. */
function cellColour(value: number, grid: HeatmapGrid, metric: string): string {
  const { min, max } = grid;
  if (min === null || max === null) return 'transparent';
  let t = max === min ? 0.5 : (value - min) / (max - min);
  if (LOWER_IS_BETTER.has(metric)) t = 1 - t;
  const red = Math.round(229 - t * (229 - 31));
  const green = Math.round(72 + t * (181 - 72));
  const blue = Math.round(77 + t * (122 - 77));
  return `rgba(${red}, ${green}, ${blue}, 0.75)`;
}

function Heatmap({ grid, x, y, metric }: { grid: HeatmapGrid; x: string; y: string; metric: string }) {
  return (
    <table className="heatmap" data-testid="bt-heatmap" data-x={x} data-y={y} data-metric={metric}>
      <thead>
        <tr>
          <th>
            {y} ↓ / {x} →
          </th>
          {grid.xs.map((label) => (
            <th key={label}>{label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {grid.ys.map((yLabel, j) => (
          <tr key={yLabel}>
            <th>{yLabel}</th>
            {grid.xs.map((xLabel, i) => {
              const value = grid.cells[j]?.[i] ?? null;
              return (
                <td
                  key={xLabel}
                  data-testid="bt-heatmap-cell"
                  style={{ background: value === null ? undefined : cellColour(value, grid, metric) }}
                  title={`${x}=${xLabel} ${y}=${yLabel}: ${value === null ? 'undefined: e.g. no variance' : String(value)}`}
                >
                  {metricText(metric, value)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Folds of a walk-forward run and the stitched out-of-sample curve, fold starts marked. */
export function WalkForwardResults({ report }: { report: BacktestRunDetail }) {
  const wf = report.walkForward;
  const curve = report.curve;
  const data = useMemo<Data[]>(
    () => [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'out of sample',
        x: curve?.ts ?? [],
        y: curve?.equity ?? [],
        line: { color: palette.accent, width: 1.2 },
      },
    ],
    [curve],
  );
  const layout = useMemo<Partial<Layout>>(
    () => ({
      ...baseLayout(),
      xaxis: { type: 'date', gridcolor: palette.grid, linecolor: palette.axis },
      yaxis: { side: 'right', gridcolor: palette.grid, zeroline: false },
      shapes: (wf?.folds ?? []).map((f) => ({
        type: 'line',
        xref: 'x',
        yref: 'paper',
        x0: f.testFrom,
        x1: f.testFrom,
        y0: 0,
        y1: 1,
        line: { color: palette.axis, width: 1, dash: 'dot' },
      })),
    }),
    [wf],
  );
  if (wf === null) return null;
  return (
    <div data-testid="bt-walk-forward-results">
      <h4>
        Walk-forward{' '}
        <span className="backtest-note">
          {wf.folds.length} folds · {wf.trials} configurations per fold · Sharpe decay{' '}
          {metricText('decay', wf.sharpeDecay)} · deflated Sharpe {metricText('dsr', wf.deflatedSharpe)}
        </span>
      </h4>
      <Plot data={data} layout={layout} testId="bt-oos-plot" height={200} />
      <div className="backtest-scroll sweep">
        <table className="backtest-table" data-testid="bt-folds">
          <thead>
            <tr>
              <th>Fold</th>
              <th>Train</th>
              <th>Test</th>
              <th>Chosen</th>
              <th>IS Sharpe</th>
              <th>OOS Sharpe</th>
              <th>OOS return</th>
              <th>OOS max DD</th>
            </tr>
          </thead>
          <tbody>
            {wf.folds.map((f, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td>{utcRange(f.trainFrom, f.trainTo)}</td>
                <td>{utcRange(f.testFrom, f.testTo)}</td>
                <td>
                  {f.bestIndex === null ? 'none: every configuration ruined' : JSON.stringify(f.bestParams)}
                </td>
                <MetricCell name="sharpe" value={f.inSampleSharpe} />
                <MetricCell name="sharpe" value={f.outOfSample.sharpe} />
                <MetricCell name="totalReturn" value={f.outOfSample.totalReturn} />
                <MetricCell name="maxDrawdown" value={f.outOfSample.maxDrawdown} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
