import { useMemo } from 'react';
import type { BacktestRunInfo } from '../../../../shared/api/domains/backtests.js';
import { baseLayout, palette, type Data, type Layout } from '../../charts/plotly.js';
import { useBacktests } from '../../stores/context.js';
import { Plot } from './Plot.js';
import { metricLabel, metricRows } from '../../../../shared/backtest/metric-format.js';
import { metricText, normalisedEquity } from './reportSeries.js';
import { utcRange, utcText } from '../utcTime.js';

/** Stored runs, newest first: open one, delete one, tick two or more to compare. */
export function RunsList() {
  const runs = useBacktests((s) => s.runs);
  const openId = useBacktests((s) => s.openId);
  const compareIds = useBacktests((s) => s.compareIds);
  const openRun = useBacktests((s) => s.openRun);
  const deleteRun = useBacktests((s) => s.deleteRun);
  const toggleCompare = useBacktests((s) => s.toggleCompare);
  return (
    <section className="panel backtest-runs" aria-label="Stored runs">
      <header className="panel-title">
        <span>Runs</span>
        <span className="panel-note">
          {compareIds.length >= 2 ? `comparing ${compareIds.length}` : 'tick 2+ to compare'}
        </span>
      </header>
      <div className="backtest-scroll">
        {runs.length === 0 ? <p className="backtest-note">No stored runs yet: run a backtest.</p> : null}
        <table className="backtest-table" data-testid="bt-runs">
          <thead>
            <tr>
              <th />
              <th>#</th>
              <th>Created</th>
              <th>Kind</th>
              <th>Strategy</th>
              <th>Instrument</th>
              <th>Range</th>
              <th>Sharpe</th>
              <th>Return</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <RunRow
                key={run.id}
                run={run}
                open={run.id === openId}
                ticked={compareIds.includes(run.id)}
                onOpen={() => void openRun(run.id)}
                onDelete={() => void deleteRun(run.id)}
                onTick={() => {
                  toggleCompare(run.id);
                }}
              />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function RunRow({
  run,
  open,
  ticked,
  onOpen,
  onDelete,
  onTick,
}: {
  run: BacktestRunInfo;
  open: boolean;
  ticked: boolean;
  onOpen: () => void;
  onDelete: () => void;
  onTick: () => void;
}) {
  return (
    <tr className={open ? 'open' : ''} data-testid="bt-run-row" data-run-id={run.id} data-kind={run.kind}>
      <td>
        <input
          type="checkbox"
          aria-label={`compare run ${run.id}`}
          data-testid="bt-compare-tick"
          checked={ticked}
          onChange={onTick}
        />
      </td>
      <td>{run.id}</td>
      <td>{utcText(run.createdAt)}</td>
      <td>
        {run.kind} · {run.mode}
      </td>
      <td>{run.strategy}</td>
      <td>
        {run.instrument} {run.timeframe}
      </td>
      <td>{utcRange(run.from, run.to)}</td>
      <td>{metricText('sharpe', run.metrics.sharpe)}</td>
      <td>{metricText('totalReturn', run.metrics.totalReturn)}</td>
      <td className="row-actions">
        <button type="button" data-testid="bt-open" onClick={onOpen}>
          Open
        </button>
        <button type="button" data-testid="bt-delete" onClick={onDelete}>
          Delete
        </button>
      </td>
    </tr>
  );
}

const RUN_COLOURS = ['#4c9aff', '#f5a524', '#1fb57a', '#e5484d', '#b07cff', '#3cc8c8', '#d5dbe3'];

/** The ticked runs side by side: one metrics column per run, equity curves over each other. */
export function CompareRuns() {
  const compareIds = useBacktests((s) => s.compareIds);
  const compared = useBacktests((s) => s.compared);
  const details = useMemo(
    () => compareIds.flatMap((id) => (compared[id] === undefined ? [] : [compared[id]])),
    [compareIds, compared],
  );
  const names = useMemo(() => {
    const all = new Set<string>();
    for (const d of details) for (const name of Object.keys(d.metrics)) all.add(name);
    // Report order (shared metric-format), whatever order each run stored them in.
    return metricRows(Object.fromEntries([...all].map((name) => [name, null]))).map((row) => row.key);
  }, [details]);
  const traces = useMemo<Data[]>(
    () =>
      details
        .filter((d) => d.curve !== null)
        .map((d, i) => ({
          type: 'scatter',
          mode: 'lines',
          name: `#${d.id} ${d.strategy}`,
          x: d.curve?.ts ?? [],
          y: normalisedEquity(d),
          line: { color: RUN_COLOURS[i % RUN_COLOURS.length] ?? palette.accent, width: 1.2 },
          hovertemplate: `#${d.id}: %{y:.4f}<extra></extra>`,
        })),
    [details],
  );
  const layout = useMemo<Partial<Layout>>(
    () => ({
      ...baseLayout(),
      showlegend: true,
      legend: { orientation: 'h', x: 0, y: 1.12, font: { size: 10 } },
      margin: { l: 8, r: 56, t: 24, b: 24 },
      xaxis: { type: 'date', gridcolor: palette.grid, linecolor: palette.axis },
      yaxis: {
        side: 'right',
        gridcolor: palette.grid,
        zeroline: false,
        title: { text: 'equity / initial cash' },
      },
    }),
    [],
  );
  if (compareIds.length < 2) return null;
  return (
    <section className="panel backtest-compare" aria-label="Compare runs" data-testid="bt-compare">
      <header className="panel-title">
        <span>Compare</span>
        <span className="panel-note">equity normalised to each run&apos;s initial cash</span>
      </header>
      <div className="backtest-compare-body">
        <Plot data={traces} layout={layout} testId="bt-compare-plot" height={220} />
        <table className="backtest-table" data-testid="bt-compare-table">
          <thead>
            <tr>
              <th>Metric</th>
              {details.map((d) => (
                <th key={d.id}>
                  #{d.id} {d.strategy} ({d.kind})
                  <div className="backtest-note">
                    {JSON.stringify(d.kind === 'single' ? d.params : d.params.grid)}
                  </div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {names.map((name) => (
              <tr key={name}>
                <td title={name}>{metricLabel(name)}</td>
                {details.map((d) => (
                  <MetricCell key={d.id} name={name} value={d.metrics[name]} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** A metric value; an undefined one (null on the wire) says why it is missing. */
export function MetricCell({ name, value }: { name: string; value: number | null | undefined }) {
  const missing = value === null || value === undefined;
  return (
    <td
      className={missing ? 'undefined-metric' : undefined}
      title={missing ? 'undefined: e.g. no variance' : String(value)}
      data-metric={name}
    >
      {metricText(name, value)}
    </td>
  );
}
