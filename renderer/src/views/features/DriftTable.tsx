import { useFeatures } from '../../stores/context.js';
import { shortColumn } from './Sparkline.js';

/** PSI and KS of every feature between the chosen matrix and the live window, with the alert. */
export function DriftTable() {
  const drift = useFeatures((state) => state.drift);
  const computeDrift = useFeatures((state) => state.computeDrift);
  const matrixId = useFeatures((state) => state.matrixId);
  return (
    <section className="panel drift-panel" aria-label="Drift">
      <header className="panel-title">
        <span>Drift vs live</span>
        <button
          type="button"
          className="small"
          data-testid="compute-drift"
          disabled={matrixId === null}
          onClick={() => {
            void computeDrift();
          }}
        >
          {drift === null ? 'Compare' : 'Refresh'}
        </button>
      </header>
      {drift === null ? (
        <p className="feature-note">
          Compares the chosen matrix (reference) with the last rows the live set took. PSI over 10 bins of the
          reference quantiles (an empty bin counts as 0.01%); KS is the largest gap between the two CDFs. A
          feature alerts past either threshold once both sides have enough rows.
        </p>
      ) : (
        <>
          <p className={drift.alert ? 'drift-alert' : 'feature-note'} data-testid="drift-alert">
            {drift.alert
              ? `Drift: ${drift.features.filter((f) => f.drifting).length} feature(s) over PSI ${drift.thresholds.psi} or KS ${drift.thresholds.ks}`
              : drift.liveRows < drift.thresholds.minRows
                ? `Too few live rows to judge (alerts from ${drift.thresholds.minRows})`
                : `No drift over PSI ${drift.thresholds.psi} / KS ${drift.thresholds.ks}`}{' '}
            · {drift.liveRows} live rows
          </p>
          <table className="drift-table" data-testid="drift-table">
            <thead>
              <tr>
                <th>Feature</th>
                <th>PSI</th>
                <th>KS</th>
                <th>Live n</th>
              </tr>
            </thead>
            <tbody>
              {drift.features.map((f) => (
                <tr key={f.column} className={f.drifting ? 'drifting' : undefined} title={f.column}>
                  <td>{shortColumn(f.column)}</td>
                  <td>{f.psi === null ? '—' : f.psi.toFixed(3)}</td>
                  <td>{f.ks === null ? '—' : f.ks.toFixed(3)}</td>
                  <td>{f.liveCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
