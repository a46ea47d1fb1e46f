import { useState } from 'react';
import type { RiskLimits } from '../../../../shared/risk/limits.js';
import { useTrading } from '../../stores/context.js';
import {
  LIMIT_FIELDS,
  limitsFromTexts,
  limitsToTexts,
  usageLevel,
  type LimitField,
  type LimitTexts,
} from '../../stores/trading.js';
import { amount, stamp } from './tradingFormat.js';

const NO_LIMITS: RiskLimits = {};

/** The risk limits (empty = no limit), how full each one is, and the breakers that tripped. */
export function LimitsPanel() {
  const limits = useTrading((s) => s.state?.limits ?? NO_LIMITS);
  const usage = useTrading((s) => s.state?.usage ?? []);
  const breakers = useTrading((s) => s.state?.breakers ?? []);
  const setLimits = useTrading((s) => s.setLimits);
  const busy = useTrading((s) => s.busy);
  // The limits in force until the user edits; then what they typed until it is saved.
  const [edited, setEdited] = useState<LimitTexts | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const texts = edited ?? limitsToTexts(limits);

  const edit = (key: LimitField, value: string): void => {
    setEdited({ ...texts, [key]: value });
    setProblem(null);
  };
  const save = (): void => {
    const parsed = limitsFromTexts(texts, limits);
    if (!parsed.ok) {
      setProblem(parsed.problem);
      return;
    }
    void setLimits(parsed.value).then((saved) => {
      if (saved) setEdited(null);
    });
  };

  return (
    <section className="panel trading-panel" aria-label="Risk limits" data-testid="limits-panel">
      <header className="panel-title">
        <span>Risk limits</span>
        <span className="panel-note">empty = no limit</span>
      </header>
      <form
        className="trading-form limits-form"
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        {LIMIT_FIELDS.map((field) => (
          <label key={field.key} className="limit-field">
            <span>
              {field.label} <span className="muted">({field.unit})</span>
            </span>
            <input
              type="text"
              inputMode="decimal"
              data-testid={`limit-${field.key}`}
              placeholder="no limit"
              value={texts[field.key]}
              onChange={(event) => {
                edit(field.key, event.target.value);
              }}
            />
          </label>
        ))}
        {limits.perInstrument === undefined ? null : (
          <p className="trading-note">
            Per-instrument overrides kept: {Object.keys(limits.perInstrument).join(', ') || 'none'}
          </p>
        )}
        <div className="trading-actions">
          <button
            type="submit"
            className="primary"
            data-testid="limits-save"
            disabled={busy || edited === null}
          >
            Save limits
          </button>
          <button
            type="button"
            disabled={edited === null}
            onClick={() => {
              setEdited(null);
              setProblem(null);
            }}
          >
            Undo edits
          </button>
        </div>
        {problem === null ? null : (
          <p className="trading-error" role="alert" data-testid="limits-problem">
            {problem}
          </p>
        )}
      </form>
      <div className="gauges" data-testid="limit-gauges">
        {usage.length === 0 ? <p className="trading-note">No limit set.</p> : null}
        {usage.map((u) => {
          const level = usageLevel(u.usage);
          return (
            <div
              key={u.limit}
              className={`gauge ${level}`}
              data-testid={`gauge-${u.limit}`}
              data-level={level}
            >
              <span className="gauge-name">{u.limit}</span>
              <span className="gauge-bar">
                <span style={{ width: `${Math.min(1, Math.max(0, u.usage)) * 100}%` }} />
              </span>
              <span className="gauge-value">
                {amount(u.value)} / {amount(u.boundary)} ({(u.usage * 100).toFixed(0)}%)
              </span>
            </div>
          );
        })}
      </div>
      {breakers.length === 0 ? null : (
        <div className="breakers" data-testid="breakers">
          {breakers.map((b) => (
            <p key={`${b.limit}|${b.at}`} className="breaker" data-testid="breaker-row">
              <b>{b.limit} tripped</b> {stamp(b.at)}: {b.reason}. Arm again to clear.
            </p>
          ))}
        </div>
      )}
    </section>
  );
}
