import { useApp, useMarkets } from '../stores/context.js';

/**
 * Says plainly when the workstation cannot be reached (bad token, host stopped, link lost):
 * every number on screen is stale from that moment, so the notice covers them.
 */
export function ConnectionNotice() {
  const link = useApp((state) => state.link);
  const problem = useApp((state) => state.linkProblem);
  if (link !== 'closed') return null;
  return (
    <div className="connection-notice" role="alert" data-testid="connection-error">
      <div className="notice-card">
        <h2>Not connected to the workstation</h2>
        <p>{problem ?? 'The connection closed.'}</p>
        <p className="muted">Prices, the book and the tape on this page are no longer updating.</p>
        <button
          type="button"
          onClick={() => {
            window.location.reload();
          }}
        >
          Reconnect
        </button>
      </div>
    </div>
  );
}

/** A one-line warning for a markets feed that failed while the link itself is fine. */
export function MarketsProblem() {
  const problem = useMarkets((state) => state.problem);
  if (problem === null) return null;
  return (
    <div className="markets-problem" role="status" data-testid="markets-problem">
      {problem}
    </div>
  );
}
