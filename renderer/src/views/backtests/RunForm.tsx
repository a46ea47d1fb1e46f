import { useEffect, useMemo, useState } from 'react';
import { BACKTEST_MODES, type BacktestMode } from '../../../../shared/api/domains/backtests.js';
import { useBacktests } from '../../stores/context.js';
import type { BacktestAction } from '../../stores/backtests.js';
import { JobProgress } from '../JobProgress.js';
import { UtcTimeInput } from '../UtcTimeInput.js';
import { CostsFields } from './CostsFields.js';
import { NumberInput, ParamInput, TimeframeSelect } from './FormInputs.js';
import { brokenStrategies, defaultParams, gridSize, parseGrid, strategiesFor } from './strategyParams.js';

/** The running backtest, from the store: apart, so progress updates do not redraw the form. */
function BacktestJob() {
  const job = useBacktests((s) => s.job);
  const cancel = useBacktests((s) => s.cancel);
  if (job === null) return null;
  return (
    <JobProgress
      job={job}
      onCancel={cancel}
      testIds={{ root: 'bt-job', bar: 'bt-progress', text: 'bt-job-text', cancel: 'bt-cancel' }}
    />
  );
}

/** What to test and how: data, strategy and its parameters, costs and latency, then run, sweep or walk-forward. */
export function RunForm() {
  const instruments = useBacktests((s) => s.instruments);
  const form = useBacktests((s) => s.form);
  const pickInstrument = useBacktests((s) => s.pickInstrument);
  const setForm = useBacktests((s) => s.setForm);
  const setParam = useBacktests((s) => s.setParam);
  const setGridText = useBacktests((s) => s.setGridText);
  const launch = useBacktests((s) => s.launch);
  const running = useBacktests((s) => s.job?.state === 'running');
  const [gridProblem, setGridProblem] = useState<string | null>(null);

  const listed = useBacktests((s) => s.strategies);
  const refreshStrategies = useBacktests((s) => s.refreshStrategies);
  const strategies = useMemo(() => strategiesFor(form.mode, listed), [form.mode, listed]);
  const broken = useMemo(() => brokenStrategies(listed), [listed]);
  const strategy = strategies.find((s) => s.kind === form.strategy) ?? strategies[0] ?? null;
  const fields = useMemo(() => strategy?.fields ?? [], [strategy]);
  const grid = useMemo(() => parseGrid(fields, form.grid), [fields, form.grid]);

  const chooseStrategy = (kind: string): void => {
    const chosen = strategies.find((s) => s.kind === kind);
    if (chosen === undefined) return;
    setForm({ strategy: kind, params: defaultParams(chosen.fields), grid: {} });
  };
  // The strategy's defaults until the user picks one (and when a mode change drops the picked one).
  useEffect(() => {
    if (strategy === null) return;
    const params = defaultParams(strategy.fields);
    const empty = Object.keys(form.params).length === 0 && Object.keys(params).length > 0;
    if (form.strategy !== strategy.kind || empty) setForm({ strategy: strategy.kind, params, grid: {} });
  }, [strategy, form.strategy, form.params, setForm]);

  const start = (action: BacktestAction): void => {
    if (action !== 'run' && !grid.ok) {
      setGridProblem(grid.problem);
      return;
    }
    setGridProblem(null);
    void launch(action, grid.ok ? grid.grid : {});
  };

  return (
    <section className="panel backtest-form" aria-label="Backtest setup">
      <header className="panel-title">
        <span>Backtest</span>
      </header>
      <div className="backtest-form-body">
        <fieldset>
          <legend>Data</legend>
          <label>
            Instrument
            <select
              data-testid="bt-instrument"
              value={form.instrument ?? ''}
              onChange={(event) => {
                pickInstrument(event.target.value);
              }}
            >
              {instruments.length === 0 ? <option value="">no instrument</option> : null}
              {instruments.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.id}
                </option>
              ))}
            </select>
          </label>
          <div className="form-pair">
            <label>
              Mode
              <select
                data-testid="bt-mode"
                value={form.mode}
                onChange={(event) => {
                  setForm({ mode: event.target.value as BacktestMode });
                }}
              >
                {BACKTEST_MODES.map((m) => (
                  <option key={m} value={m}>
                    {m === 'candle' ? 'candles' : 'events (trades + books)'}
                  </option>
                ))}
              </select>
            </label>
            <TimeframeSelect
              label="Timeframe"
              testId="bt-timeframe"
              value={form.timeframe}
              onChange={(timeframe) => {
                setForm({ timeframe });
              }}
            />
          </div>
          <UtcTimeInput
            label="From (UTC)"
            testId="bt-from"
            value={form.from}
            onChange={(from) => {
              setForm({ from });
            }}
          />
          <UtcTimeInput
            label="To (UTC)"
            testId="bt-to"
            value={form.to}
            onChange={(to) => {
              setForm({ to });
            }}
          />
        </fieldset>

        <fieldset>
          <legend>Strategy</legend>
          <div className="form-pair">
            <select
              data-testid="bt-strategy"
              value={strategy?.kind ?? ''}
              // A file added to the workspace's strategies/ folder shows when the picker is opened.
              onFocus={() => void refreshStrategies()}
              onChange={(event) => {
                chooseStrategy(event.target.value);
              }}
            >
              {strategies.map((s) => (
                <option key={s.kind} value={s.kind}>
                  {s.file === null ? s.title : `${s.title} (${s.file})`}
                </option>
              ))}
            </select>
            <button
              type="button"
              data-testid="bt-strategies-reload"
              title="Read the strategies folder again"
              onClick={() => void refreshStrategies()}
            >
              Reload
            </button>
          </div>
          {strategy === null ? null : <p className="backtest-note">{strategy.description}</p>}
          {broken.map((b) => (
            <p key={b.kind} className="backtest-note problem" data-testid="bt-strategy-error">
              {b.error}
            </p>
          ))}
          <table className="param-table">
            <thead>
              <tr>
                <th>Parameter</th>
                <th>Value</th>
                <th title="Comma-separated values a sweep or walk-forward tries; empty keeps the value">
                  Sweep values
                </th>
              </tr>
            </thead>
            <tbody>
              {fields.map((field) => (
                <tr key={field.name}>
                  <td title={field.description ?? undefined}>{field.name}</td>
                  <td>
                    <ParamInput
                      field={field}
                      value={form.params[field.name]}
                      onChange={(value) => {
                        setParam(field.name, value);
                      }}
                    />
                  </td>
                  <td>
                    <input
                      type="text"
                      data-testid={`bt-grid-${field.name}`}
                      placeholder={field.kind === 'boolean' ? 'true, false' : 'e.g. 5, 10'}
                      value={form.grid[field.name] ?? ''}
                      onChange={(event) => {
                        setGridText(field.name, event.target.value);
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>

        <CostsFields />

        <fieldset>
          <legend>Sweep and walk-forward</legend>
          <div className="form-pair">
            <label>
              Workers
              <select
                value={form.workers}
                onChange={(event) => {
                  setForm({ workers: Number(event.target.value) });
                }}
              >
                {[1, 2, 3, 4].map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <span className="backtest-note" data-testid="bt-grid-size">
              {grid.ok ? `${gridSize(grid.grid)} configurations` : 'no grid yet'}
            </span>
          </div>
          <div className="form-pair">
            <NumberInput
              label="Train bars"
              testId="bt-train-bars"
              value={form.trainBars}
              onChange={(trainBars) => {
                setForm({ trainBars });
              }}
            />
            <NumberInput
              label="Test bars"
              testId="bt-test-bars"
              value={form.testBars}
              onChange={(testBars) => {
                setForm({ testBars });
              }}
            />
          </div>
          <label className="inline">
            <input
              type="checkbox"
              checked={form.anchored}
              onChange={(event) => {
                setForm({ anchored: event.target.checked });
              }}
            />
            Anchored (every train window starts at From)
          </label>
        </fieldset>

        <div className="backtest-actions">
          <button
            type="button"
            className="primary"
            data-testid="bt-run"
            disabled={running}
            onClick={() => {
              start('run');
            }}
          >
            Run
          </button>
          <button
            type="button"
            data-testid="bt-sweep"
            disabled={running}
            onClick={() => {
              start('sweep');
            }}
          >
            Sweep
          </button>
          <button
            type="button"
            data-testid="bt-walk-forward"
            disabled={running}
            onClick={() => {
              start('walk-forward');
            }}
          >
            Walk-forward
          </button>
        </div>
        {gridProblem === null ? null : (
          <p className="backtest-error" role="alert" data-testid="bt-grid-problem">
            {gridProblem}
          </p>
        )}
        <BacktestJob />
      </div>
    </section>
  );
}
