import type { LiveModel } from '../../../../shared/api/domains/models.js';
import { useSignals } from '../../stores/context.js';
import type { Agreement } from '../../stores/signals.js';

const milliseconds = (value: number | null): string =>
  value === null ? '—' : value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(2)} ms`;
const share = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);

/** Primary and shadow agreement on an instrument, as text. */
export function agreementText(agreement: Agreement | undefined): string {
  if (agreement === undefined || agreement.rows === 0) return '—';
  return `${share(agreement.agreed / agreement.rows)} of ${agreement.rows} rows`;
}

/** The live models with their latency, live accuracy, drift and alerts. */
export function LiveModelsTable() {
  const live = useSignals((state) => state.live);
  const agreement = useSignals((state) => state.agreement);
  const stopModel = useSignals((state) => state.stopModel);
  const instruments = [...new Set(live.map((m) => m.instrument))];
  return (
    <section className="panel signals-table-panel" aria-label="Live models">
      <header className="panel-title">
        <span>Live models</span>
        {instruments.map((instrument) => (
          <span key={instrument} className="panel-note" data-testid="agreement">
            {instrument} primary/shadow agree: {agreementText(agreement[instrument])}
          </span>
        ))}
      </header>
      {live.length === 0 ? (
        <p className="signals-note">No model runs live. Start a registered one on the left.</p>
      ) : (
        <table className="signals-table" data-testid="live-models-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Role</th>
              <th>Instrument</th>
              <th>Predictions</th>
              <th>p50</th>
              <th>p99</th>
              <th>Path</th>
              <th>Live accuracy</th>
              <th>Drift (PSI)</th>
              <th>Alerts</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {live.map((model) => (
              <LiveModelRow
                key={model.modelId}
                model={model}
                onStop={() => {
                  void stopModel(model.modelId);
                }}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function LiveModelRow({ model, onStop }: { model: LiveModel; onStop: () => void }) {
  const alerting = model.alerts.length > 0;
  return (
    <tr
      className={alerting ? 'alerting' : undefined}
      data-testid="live-model-row"
      data-model-id={model.modelId}
      data-role={model.role}
    >
      <td title={`model ${model.modelId}`}>{model.name}</td>
      <td className={`role-${model.role}`}>{model.role}</td>
      <td>{model.instrument}</td>
      <td data-testid="live-predictions">{model.predictions}</td>
      <td>{milliseconds(model.latencyP50Ms)}</td>
      <td>{milliseconds(model.latencyP99Ms)}</td>
      <td data-testid="live-path" title={model.pathNote ?? undefined}>
        {model.path}
      </td>
      <td title={`${model.matured} labels matured`}>{share(model.liveAccuracy)}</td>
      <td>{model.drift === null ? '—' : model.drift.toFixed(3)}</td>
      <td data-testid="live-alerts">{alerting ? model.alerts.join('; ') : 'none'}</td>
      <td>
        <button type="button" className="small" data-testid={`stop-model-${model.modelId}`} onClick={onStop}>
          Stop
        </button>
      </td>
    </tr>
  );
}
