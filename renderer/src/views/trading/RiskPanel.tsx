import { useTrading } from '../../stores/context.js';
import { money } from './tradingFormat.js';

const HORIZONS = [
  { label: '1 hour', ms: 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
  { label: '10 days', ms: 864_000_000 },
] as const;
const CONFIDENCES = [0.9, 0.95, 0.975, 0.99] as const;

const figure = (value: number | null): string => (value === null ? '—' : money(value));

/** Value at risk and expected shortfall of the book by three methods, and the stress scenarios. */
export function RiskPanel() {
  const risk = useTrading((s) => s.risk);
  const request = useTrading((s) => s.riskRequest);
  const setRequest = useTrading((s) => s.setRiskRequest);
  const refresh = useTrading((s) => s.refreshRisk);
  return (
    <section className="panel trading-panel" aria-label="Value at risk" data-testid="risk-panel">
      <header className="panel-title">
        <span>Value at risk</span>
        {risk === null ? null : (
          <span className="panel-note" data-testid="risk-sample">
            {risk.sample.returns} returns of {risk.sample.timeframe}
          </span>
        )}
      </header>
      <div className="trading-form">
        <div className="form-pair">
          <label>
            Confidence
            <select
              data-testid="risk-confidence"
              value={request.confidence}
              onChange={(event) => {
                setRequest({ confidence: Number(event.target.value) });
              }}
            >
              {CONFIDENCES.map((c) => (
                <option key={c} value={c}>
                  {(c * 100).toFixed(1)}%
                </option>
              ))}
            </select>
          </label>
          <label>
            Horizon
            <select
              data-testid="risk-horizon"
              value={request.horizonMs}
              onChange={(event) => {
                setRequest({ horizonMs: Number(event.target.value) });
              }}
            >
              {HORIZONS.map((h) => (
                <option key={h.ms} value={h.ms}>
                  {h.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <button
          type="button"
          data-testid="risk-refresh"
          onClick={() => {
            void refresh();
          }}
        >
          Refresh
        </button>
      </div>
      {risk === null ? (
        <p className="trading-note">Refresh to compute the figures of the current positions.</p>
      ) : (
        <>
          <table className="trading-table" data-testid="risk-table">
            <thead>
              <tr>
                <th>Method</th>
                <th>VaR {(risk.confidence * 100).toFixed(1)}%</th>
                <th>Exp. shortfall</th>
              </tr>
            </thead>
            <tbody>
              {risk.methods.map((m) => (
                <tr key={m.method} data-testid={`risk-row-${m.method}`}>
                  <td>{m.method}</td>
                  <td data-testid="risk-var">{figure(m.valueAtRisk)}</td>
                  <td data-testid="risk-es">{figure(m.expectedShortfall)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="trading-table" data-testid="stress-table">
            <thead>
              <tr>
                <th>Stress scenario</th>
                <th>PnL</th>
              </tr>
            </thead>
            <tbody>
              {risk.stress.map((s) => (
                <tr key={s.scenario} data-testid="stress-row">
                  <td>{s.scenario}</td>
                  <td className={s.pnl < 0 ? 'loss' : s.pnl > 0 ? 'gain' : ''}>{money(s.pnl)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
