import { useBacktests } from '../../stores/context.js';
import type { CostsForm } from '../../stores/backtests.js';
import { NumberInput } from './FormInputs.js';

/** Initial cash, fees, slippage, fill price, risk-free rate and latency. */
export function CostsFields() {
  const costs = useBacktests((s) => s.form.costs);
  const mode = useBacktests((s) => s.form.mode);
  const setCosts = useBacktests((s) => s.setCosts);
  const number = (key: keyof Omit<CostsForm, 'candleFill'>, label: string, title: string) => (
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
            <option value="close">bar close</option>
          </select>
        </label>
      </div>
      <div className="form-pair" title={mode === 'event' ? undefined : 'Latency applies to event mode only'}>
        {number('submitMs', 'Submit latency ms', 'Delay from decision to the order reaching the book')}
        {number('cancelMs', 'Cancel latency ms', 'Delay from decision to the cancel taking effect')}
      </div>
    </fieldset>
  );
}
