import { useEffect } from 'react';
import { ALLOCATION_METHODS, type Allocation } from '../../../../shared/api/domains/trading.js';
import { TimeframeSelect } from '../backtests/FormInputs.js';
import { baseLayout, drawChart, palette, type Layout } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';
import { useAllocation, useMarkets } from '../../stores/context.js';
import type { AllocationMethod, Rebalance } from '../../stores/allocation.js';
import { amount, money } from './tradingFormat.js';

const METHOD_LABELS: Readonly<Record<AllocationMethod, string>> = {
  'mean-variance': 'Mean-variance',
  'max-sharpe': 'Maximum Sharpe',
  'risk-parity': 'Risk parity',
};

/** Weights and per-bar figures as percentages: `12.34%`, `0.0123%`. */
const percent = (value: number, decimals = 2): string => `${(value * 100).toFixed(decimals)}%`;

/**
 * Weights of several instruments from their recorded returns, the fee-aware paper rebalance
 * toward them, and carrying it out on paper (every order through the risk manager).
 */
export function AllocationPanel() {
  const instruments = useMarkets((s) => s.instruments);
  const form = useAllocation((s) => s.form);
  const setForm = useAllocation((s) => s.setForm);
  const toggle = useAllocation((s) => s.toggleInstrument);
  const compute = useAllocation((s) => s.compute);
  const rebalancePaper = useAllocation((s) => s.rebalancePaper);
  const allocation = useAllocation((s) => s.allocation);
  const computed = useAllocation((s) => s.computedFor !== null);
  const rebalance = useAllocation((s) => s.rebalance);
  const busy = useAllocation((s) => s.busy);
  const problem = useAllocation((s) => s.problem);

  return (
    <section
      className="panel trading-panel allocation-panel"
      aria-label="Allocation"
      data-testid="allocation-panel"
    >
      <header className="panel-title">
        <span>Allocation</span>
        {allocation === null ? null : (
          <span className="panel-note" data-testid="alloc-sample">
            {METHOD_LABELS[allocation.method]} on {allocation.returns} returns of {allocation.timeframe}
          </span>
        )}
      </header>
      <div className="allocation-body">
        <form
          className="trading-form"
          onSubmit={(event) => {
            event.preventDefault();
            void compute();
          }}
        >
          <fieldset className="alloc-instruments" data-testid="alloc-instruments">
            <legend>Instruments ({form.instruments.length} of 2..12)</legend>
            {instruments.map((i) => (
              <label key={i.id} className="inline">
                <input
                  type="checkbox"
                  data-testid={`alloc-instrument-${i.id}`}
                  checked={form.instruments.includes(i.id)}
                  onChange={() => {
                    toggle(i.id);
                  }}
                />
                {i.id}
              </label>
            ))}
          </fieldset>
          <div className="form-pair">
            <label>
              Method
              <select
                data-testid="alloc-method"
                value={form.method}
                onChange={(event) => {
                  setForm({ method: event.target.value as AllocationMethod });
                }}
              >
                {ALLOCATION_METHODS.map((m) => (
                  <option key={m} value={m}>
                    {METHOD_LABELS[m]}
                  </option>
                ))}
              </select>
            </label>
            <TimeframeSelect
              label="Timeframe"
              testId="alloc-timeframe"
              value={form.timeframe}
              onChange={(timeframe) => {
                setForm({ timeframe });
              }}
            />
          </div>
          <div className="form-pair">
            <label>
              Lookback bars
              <input
                type="number"
                data-testid="alloc-lookback"
                min={10}
                max={5000}
                step={1}
                value={form.lookbackBars}
                onChange={(event) => {
                  setForm({ lookbackBars: event.target.valueAsNumber });
                }}
              />
            </label>
            <label title="Mean-variance weights, and for every method the rebalance rule: is closing a deviation worth its fee?">
              Risk aversion λ
              <input
                type="number"
                data-testid="alloc-risk-aversion"
                min={0}
                step="any"
                value={form.riskAversion}
                onChange={(event) => {
                  setForm({ riskAversion: event.target.valueAsNumber });
                }}
              />
            </label>
          </div>
          <div className="trading-actions">
            <button type="submit" className="primary" data-testid="alloc-compute" disabled={busy}>
              Compute
            </button>
            <button
              type="button"
              data-testid="alloc-rebalance"
              disabled={busy || !computed}
              title={
                computed
                  ? 'Recomputed by the App, then each trade sent as a paper market order'
                  : 'Compute first'
              }
              onClick={() => {
                void rebalancePaper();
              }}
            >
              Rebalance on paper
            </button>
          </div>
          {problem === null ? null : (
            <p className="trading-error" role="alert" data-testid="alloc-problem">
              {problem}
            </p>
          )}
        </form>
        {allocation === null ? (
          <p className="trading-note">
            Pick instruments with recorded candles and compute their weights and the paper rebalance.
          </p>
        ) : (
          <div className="alloc-results">
            <div className="alloc-weights">
              <WeightsChart allocation={allocation} />
              <WeightsTable allocation={allocation} />
            </div>
            <PlanTable allocation={allocation} />
            {rebalance === null ? null : <OutcomeTable orders={rebalance.orders} />}
          </div>
        )}
      </div>
    </section>
  );
}

function WeightsChart({ allocation }: { allocation: Allocation }) {
  const chart = useChartElement();
  useEffect(() => {
    const target = chart.current;
    if (target === null) return;
    drawChart(
      target,
      [
        {
          type: 'bar',
          name: 'weight',
          x: allocation.weights.map((w) => w.instrument),
          y: allocation.weights.map((w) => w.weight),
          marker: { color: palette.accent },
          hovertemplate: '%{x}: %{y:.2%}<extra></extra>',
        },
      ],
      weightsLayout(),
    );
  }, [chart, allocation]);
  return (
    <div
      className="chart alloc-chart"
      ref={chart}
      data-testid="alloc-plot"
      data-bars={allocation.weights.length}
    />
  );
}

function weightsLayout(): Partial<Layout> {
  return {
    ...baseLayout(),
    margin: { l: 48, r: 12, t: 8, b: 48 },
    hovermode: 'closest',
    dragmode: false,
    xaxis: { type: 'category', linecolor: palette.axis },
    yaxis: { gridcolor: palette.grid, linecolor: palette.axis, tickformat: '.0%', rangemode: 'tozero' },
  };
}

function WeightsTable({ allocation }: { allocation: Allocation }) {
  return (
    <table className="trading-table" data-testid="alloc-weights-table">
      <thead>
        <tr>
          <th>Instrument</th>
          <th>Weight</th>
          <th>Mean return / bar</th>
          <th>Volatility / bar</th>
        </tr>
      </thead>
      <tbody>
        {allocation.weights.map((w) => (
          <tr key={w.instrument} data-testid="alloc-weight-row" data-instrument={w.instrument}>
            <td>{w.instrument}</td>
            <td data-testid="alloc-weight">{percent(w.weight)}</td>
            <td className={w.meanReturn < 0 ? 'loss' : w.meanReturn > 0 ? 'gain' : ''}>
              {percent(w.meanReturn, 4)}
            </td>
            <td>{percent(w.volatility, 4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PlanTable({ allocation }: { allocation: Allocation }) {
  return (
    <table className="trading-table" data-testid="alloc-plan-table">
      <thead>
        <tr>
          <th>Instrument</th>
          <th>From → to</th>
          <th>Quantity</th>
          <th>Notional</th>
          <th>Fee</th>
          <th>Benefit</th>
          <th>Rebalance</th>
        </tr>
      </thead>
      <tbody>
        {allocation.trades.map((t) => (
          <tr
            key={t.instrument}
            data-testid="alloc-plan-row"
            data-instrument={t.instrument}
            data-trade={t.trade}
          >
            <td>{t.instrument}</td>
            <td>
              {percent(t.fromWeight)} → {percent(t.toWeight)}
            </td>
            <td className={t.quantity > 0 ? 'buy' : t.quantity < 0 ? 'sell' : ''}>{amount(t.quantity)}</td>
            <td>{money(t.notional)}</td>
            <td>{money(t.fee)}</td>
            <td>{money(t.benefit)}</td>
            <td className="audit-payload" data-testid="alloc-plan-action">
              {t.trade ? 'trade' : 'skipped'}: {t.reason}
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={4}>Total fees of the trades</td>
          <td data-testid="alloc-total-fees">{money(allocation.totalFees)}</td>
          <td colSpan={2} />
        </tr>
      </tfoot>
    </table>
  );
}

function OutcomeTable({ orders }: { orders: Rebalance['orders'] }) {
  return (
    <table className="trading-table" data-testid="alloc-outcome-table">
      <thead>
        <tr>
          <th>Paper order</th>
          <th>Outcome</th>
        </tr>
      </thead>
      <tbody>
        {orders.length === 0 ? (
          <tr data-testid="alloc-outcome-none">
            <td colSpan={2}>No trade was worth its fee: nothing sent.</td>
          </tr>
        ) : (
          orders.map((o) => (
            <tr
              key={o.instrument}
              data-testid="alloc-outcome-row"
              data-instrument={o.instrument}
              data-ok={o.ok}
            >
              <td className={o.side}>
                {o.side} {amount(o.quantity)} {o.instrument}
              </td>
              <td className={o.ok ? 'audit-payload' : 'audit-payload loss'} data-testid="alloc-outcome">
                {o.ok ? `sent as ${o.clientId}` : `refused (${o.limit}): ${o.reason}`}
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
