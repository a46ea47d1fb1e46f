import { useBacktests } from '../../stores/context.js';
import type { CostsForm } from '../../stores/backtests.js';
import { NumberInput } from './FormInputs.js';

/** Initial cash, fees, slippage, fill price, risk-free rate and latency; then sizing and the account. */
export function CostsFields() {
  const costs = useBacktests((s) => s.form.costs);
  const mode = useBacktests((s) => s.form.mode);
  const setCosts = useBacktests((s) => s.setCosts);
  const number = (
    key: keyof Omit<CostsForm, 'candleFill' | 'sizing' | 'account' | 'latencyModel'>,
    label: string,
    title: string,
  ) => (
    <NumberInput
      label={label}
      title={title}
      testId={`bt-cost-${key}`}
      value={costs[key]}
      onChange={(value) => {
        setCosts({ [key]: value });
      }}
    />
  );
  return (
    <fieldset>
      <legend>Costs and latency</legend>
      <div className="form-pair">
        {number('initialCash', 'Initial cash', 'Quote currency at the start')}
        {number('riskFreeRate', 'Risk-free rate', 'Annual, simple (0.03 = 3%), for Sharpe and Sortino')}
      </div>
      <div className="form-pair">
        {number('maker', 'Maker fee', 'Fraction of notional (0.0002 = 2 bps)')}
        {number('taker', 'Taker fee', 'Fraction of notional (0.001 = 10 bps)')}
      </div>
      <div className="form-pair">
        {number('slippageBps', 'Slippage bps', 'Added against us on every candle-mode fill')}
        <label>
          Fill at
          <select
            value={costs.candleFill}
            onChange={(event) => {
              setCosts({ candleFill: event.target.value === 'close' ? 'close' : 'open' });
            }}
          >
            <option value="open">next bar open</option>
            <option value="close">next bar close</option>
          </select>
        </label>
      </div>
      <div className="form-pair" title={mode === 'event' ? undefined : 'Latency applies to event mode only'}>
        <label title="Given: the two delays below. Recorded: each order's delay drawn from the feed's recorded delays (receive minus exchange time) of the range">
          Latency
          <select
            data-testid="bt-latency-model"
            value={costs.latencyModel}
            onChange={(event) => {
              setCosts({ latencyModel: event.target.value === 'recorded' ? 'recorded' : 'given' });
            }}
          >
            <option value="given">given delays</option>
            <option value="recorded">recorded feed delays</option>
          </select>
        </label>
      </div>
      {costs.latencyModel === 'given' ? (
        <div
          className="form-pair"
          title={mode === 'event' ? undefined : 'Latency applies to event mode only'}
        >
          {number('submitMs', 'Submit latency ms', 'Delay from decision to the order reaching the book')}
          {number('cancelMs', 'Cancel latency ms', 'Delay from decision to the cancel taking effect')}
        </div>
      ) : null}
      <div className="form-pair">
        <label title="How much each entry trades: the same rules as paper and live trading">
          Sizing
          <select
            data-testid="bt-sizing"
            value={costs.sizing}
            onChange={(event) => {
              const value = event.target.value;
              if (
                value === 'fixed' ||
                value === 'fixed-fraction' ||
                value === 'all-in' ||
                value === 'vol-target'
              )
                setCosts({ sizing: value });
            }}
          >
            <option value="fixed">strategy quantity</option>
            <option value="fixed-fraction">fraction of equity</option>
            <option value="all-in">all-in (floored to the lot)</option>
            <option value="vol-target">volatility target</option>
          </select>
        </label>
        {costs.sizing === 'fixed-fraction' &&
          number('fraction', 'Fraction', 'Notional as a fraction of equity (0.5 = half)')}
        {costs.sizing === 'vol-target' &&
          number('targetVol', 'Target volatility', 'Annualised (0.2 = 20%), measured on the last 60 bars')}
        {number('lot', 'Lot step', 'Sizes round down to this amount step (0: none)')}
      </div>
      <div className="form-pair">
        <label title="Orders beyond buying power are reduced to what it allows, or refused; both are counted">
          Account
          <select
            data-testid="bt-account"
            value={costs.account}
            onChange={(event) => {
              const value = event.target.value;
              if (value === 'spot' || value === 'spot-long-only' || value === 'perpetual')
                setCosts({ account: value });
            }}
          >
            <option value="spot">spot, shorts 1:1</option>
            <option value="spot-long-only">spot, no shorts</option>
            <option value="perpetual">perpetual (margin)</option>
          </select>
        </label>
        {costs.account === 'perpetual' && number('leverage', 'Leverage', 'Notional / margin, 1 to 125')}
        {costs.account === 'perpetual' &&
          number('maintenanceMargin', 'Maintenance margin', 'Fraction of notional; liquidated below it')}
      </div>
    </fieldset>
  );
}
