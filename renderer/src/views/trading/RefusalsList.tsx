import { useTrading } from '../../stores/context.js';
import { timeOfDay } from '../../format.js';
import { stamp } from './tradingFormat.js';

/** Every refused order with the limit that refused it and why, newest first. */
export function RefusalsList() {
  const refusals = useTrading((s) => s.refusals);
  return (
    <section className="panel trading-panel" aria-label="Refusals" data-testid="refusals-panel">
      <header className="panel-title">
        <span>Refusals</span>
        <span className="panel-note" data-testid="refusal-count">
          {refusals.length}
        </span>
      </header>
      {refusals.length === 0 ? (
        <p className="trading-note">No order refused.</p>
      ) : (
        <ol className="trading-scroll refusal-list">
          {refusals.map((r, index) => (
            <li key={`${r.at}|${index}`} data-testid="refusal-row" data-limit={r.limit}>
              <span className="refusal-head">
                <span title={stamp(r.at)}>{timeOfDay(r.at)}</span>
                <span>{r.venue}</span>
                <span>{r.instrument}</span>
                <b>{r.limit}</b>
              </span>
              <span className="refusal-reason">{r.reason}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
