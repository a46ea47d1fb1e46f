import { useEffect, useMemo } from 'react';
import { useMarkets, useTrading } from '../../stores/context.js';
import { PAPER_SIZINGS } from '../../stores/trading.js';
import { NumberInput, ParamInput } from '../backtests/FormInputs.js';
import { defaultParams, paperStrategies } from '../backtests/strategyParams.js';
import { askDesktopPermissionOnce } from './desktopNotices.js';
import { stamp } from './tradingFormat.js';

/** What each sizing reads as in the picker. */
const SIZING_LABELS: Record<(typeof PAPER_SIZINGS)[number], string> = {
  fixed: 'Strategy quantity',
  'fixed-fraction': 'Fraction of equity',
  'all-in': 'All-in (floored to the lot)',
  'vol-target': 'Volatility target',
  kelly: 'Capped Kelly (model probability)',
};

/**
 * The paper broker's strategy: instrument, strategy and parameters (the ML-signal strategy with
 * its model), fees and latency, sizing and exits; start, stop, reset.
 */
export function PaperPanel() {
  const instruments = useMarkets((s) => s.instruments);
  const paper = useTrading((s) => s.paper);
  const setPaper = useTrading((s) => s.setPaper);
  const startPaper = useTrading((s) => s.startPaper);
  const stopPaper = useTrading((s) => s.stopPaper);
  const resetPaper = useTrading((s) => s.resetPaper);
  const busy = useTrading((s) => s.busy);
  const models = useTrading((s) => s.models);
  const loadModels = useTrading((s) => s.loadModels);
  const venues = useTrading((s) => s.state?.venues);
  const venue = venues?.find((v) => v.venue === paper.venue) ?? null;
  const running = venue?.strategy ?? null;
  const isPaper = paper.venue === 'paper';
  // A live venue trades its own instruments; paper trades any instrument with a live book.
  const tradable = useMemo(
    () => (isPaper ? instruments : instruments.filter((i) => i.id.startsWith(`${paper.venue}:`))),
    [isPaper, instruments, paper.venue],
  );

  // The paper broker runs the backtest engine's event strategies, unchanged.
  const listed = useTrading((s) => s.strategies);
  const loadStrategies = useTrading((s) => s.loadStrategies);
  useEffect(() => {
    void loadStrategies();
  }, [loadStrategies]);
  const strategies = useMemo(() => paperStrategies(listed), [listed]);
  const strategy = strategies.find((s) => s.kind === paper.strategy) ?? strategies[0] ?? null;
  const fields = strategy?.fields ?? [];
  const isMl = strategy?.kind === 'ml-signal';
  const choosable = models.filter((m) => m.instrument === paper.instrument);

  useEffect(() => {
    if (isMl) void loadModels();
  }, [isMl, loadModels]);
  useEffect(() => {
    if (!isMl) return;
    if (paper.modelId !== null && choosable.some((m) => m.id === paper.modelId)) return;
    const first = choosable[0]?.id ?? null;
    if (first !== paper.modelId) setPaper({ modelId: first });
  }, [isMl, choosable, paper.modelId, setPaper]);
  useEffect(() => {
    // Kelly reads the model's probability: with another strategy there is none.
    if (!isMl && paper.sizing === 'kelly') setPaper({ sizing: 'fixed' });
  }, [isMl, paper.sizing, setPaper]);

  useEffect(() => {
    if (tradable.some((i) => i.id === paper.instrument)) return;
    const first = tradable[0]?.id;
    if (first !== undefined) setPaper({ instrument: first });
  }, [paper.instrument, tradable, setPaper]);
  useEffect(() => {
    if (strategy === null) return;
    if (paper.strategy !== strategy.kind || Object.keys(paper.params).length === 0)
      setPaper({ strategy: strategy.kind, params: defaultParams(strategy.fields) });
  }, [strategy, paper.strategy, paper.params, setPaper]);

  const number = (
    key:
      | 'maker'
      | 'taker'
      | 'submitMs'
      | 'cancelMs'
      | 'initialCash'
      | 'fraction'
      | 'kellyScale'
      | 'kellyCap'
      | 'payoff'
      | 'annualVol'
      | 'volLookback'
      | 'lot'
      | 'stopLoss'
      | 'takeProfit'
      | 'trailing',
    label: string,
  ) => (
    <NumberInput
      label={label}
      testId={`paper-${key}`}
      value={paper[key]}
      onChange={(value) => {
        setPaper({ [key]: value });
      }}
    />
  );

  return (
    <section className="panel trading-panel" aria-label="Strategy" data-testid="paper-panel">
      <header className="panel-title">
        <span>Strategy</span>
        <span className="panel-note" data-testid="paper-running">
          {running === null ? 'stopped' : `running ${running.kind} on ${running.instrument}`}
        </span>
      </header>
      {running?.signal != null && (
        <p className="trading-note" data-testid="paper-signal">
          {`model ${running.signal.modelId}: ${running.signal.predictions} predictions; `}
          {running.signal.up === null
            ? 'no current prediction (waiting for the model, or its last one is stale)'
            : `P(up) ${running.signal.up.toFixed(3)} at ${running.signal.rowTs === null ? '—' : stamp(running.signal.rowTs)}`}
        </p>
      )}
      <div className="trading-form">
        <label title="A live venue must be armed first; its strategy trades real orders through the risk manager">
          Venue
          <select
            data-testid="paper-venue"
            value={paper.venue}
            onChange={(event) => {
              setPaper({ venue: event.target.value });
            }}
          >
            {(venues ?? []).map((v) => (
              <option key={v.venue} value={v.venue} disabled={v.kind === 'live' && !v.armed}>
                {v.kind === 'paper' ? 'paper' : `${v.venue} (live${v.armed ? '' : ', disarmed'})`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Instrument
          <select
            data-testid="paper-instrument"
            value={paper.instrument}
            onChange={(event) => {
              setPaper({ instrument: event.target.value });
            }}
          >
            {tradable.map((i) => (
              <option key={i.id} value={i.id}>
                {i.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Strategy
          <select
            data-testid="paper-strategy"
            value={strategy?.kind ?? ''}
            onFocus={() => void loadStrategies()}
            onChange={(event) => {
              const chosen = strategies.find((s) => s.kind === event.target.value);
              if (chosen !== undefined)
                setPaper({ strategy: chosen.kind, params: defaultParams(chosen.fields) });
            }}
          >
            {strategies.map((s) => (
              <option key={s.kind} value={s.kind}>
                {s.file === null ? s.title : `${s.title} (${s.file})`}
              </option>
            ))}
          </select>
        </label>
        {isMl && (
          <label>
            Model
            <select
              data-testid="paper-model"
              value={paper.modelId ?? ''}
              onChange={(event) => {
                setPaper({ modelId: event.target.value === '' ? null : Number(event.target.value) });
              }}
            >
              {choosable.length === 0 && <option value="">no classification model on this instrument</option>}
              {choosable.map((m) => (
                <option key={m.id} value={m.id}>
                  {`#${m.id} ${m.name} (${m.kind})`}
                </option>
              ))}
            </select>
          </label>
        )}
        <table className="param-table">
          <tbody>
            {fields.map((field) => (
              <tr key={field.name}>
                <td title={field.description ?? undefined}>{field.name}</td>
                <td>
                  <ParamInput
                    field={field}
                    value={paper.params[field.name]}
                    onChange={(value) => {
                      setPaper({ params: { ...paper.params, [field.name]: value } });
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {isPaper && (
          <>
            <div className="form-pair">
              {number('maker', 'Maker fee')}
              {number('taker', 'Taker fee')}
            </div>
            <div className="form-pair">
              {number('submitMs', 'Submit latency ms')}
              {number('cancelMs', 'Cancel latency ms')}
            </div>
          </>
        )}
        <label>
          Sizing
          <select
            data-testid="paper-sizing"
            value={paper.sizing}
            onChange={(event) => {
              const value = PAPER_SIZINGS.find((kind) => kind === event.target.value);
              // Kelly reads the model's probability: offered with the ML-signal strategy only.
              if (value !== undefined && (value !== 'kelly' || isMl)) setPaper({ sizing: value });
            }}
          >
            {PAPER_SIZINGS.filter((kind) => kind !== 'kelly' || isMl).map((kind) => (
              <option key={kind} value={kind}>
                {SIZING_LABELS[kind]}
              </option>
            ))}
          </select>
        </label>
        {paper.sizing === 'kelly' && (
          <div
            className="form-pair"
            title="f = P(win) - (1 - P(win)) / payoff, times the scale, capped; payoff 0 = take-profit / stop-loss, else 1"
          >
            {number('kellyScale', 'Kelly scale')}
            {number('kellyCap', 'Cap')}
            {number('payoff', 'Payoff')}
            {number('lot', 'Lot')}
          </div>
        )}
        {paper.sizing === 'fixed-fraction' && (
          <div className="form-pair">
            {number('fraction', 'Fraction of equity')}
            {number('lot', 'Lot')}
          </div>
        )}
        {paper.sizing === 'all-in' && (
          <div className="form-pair" title="The whole equity, its taker fee paid, rounded down to the lot">
            {number('lot', 'Lot')}
          </div>
        )}
        {paper.sizing === 'vol-target' && (
          <div className="form-pair">
            {number('annualVol', 'Target annual vol')}
            {number('volLookback', 'Vol lookback (1m bars)')}
            {number('lot', 'Lot')}
          </div>
        )}
        <div className="form-pair" title="Fractions of the entry price; 0 = none">
          {number('stopLoss', 'Stop-loss')}
          {number('takeProfit', 'Take-profit')}
          {number('trailing', 'Trailing stop')}
        </div>
        <div className="trading-actions">
          <button
            type="button"
            className="primary"
            data-testid="paper-start"
            disabled={busy || paper.instrument === '' || (isMl && paper.modelId === null)}
            onClick={() => {
              void askDesktopPermissionOnce();
              void startPaper();
            }}
          >
            {running === null ? 'Start' : 'Restart'}
          </button>
          <button
            type="button"
            data-testid="paper-stop"
            disabled={busy || running === null}
            onClick={() => {
              void stopPaper();
            }}
          >
            Stop
          </button>
        </div>
        {isPaper && (
          <div className="form-pair">
            {number('initialCash', 'Initial cash')}
            <button
              type="button"
              data-testid="paper-reset"
              disabled={busy}
              title="No position, no orders, this much cash"
              onClick={() => {
                void resetPaper();
              }}
            >
              Reset account
            </button>
          </div>
        )}
        {!isPaper && (
          <p className="trading-note" data-testid="live-strategy-note">
            Real orders on {paper.venue}: rounded to the market, decided by the risk manager, the position
            counted from this strategy&apos;s own fills.
          </p>
        )}
      </div>
    </section>
  );
}
