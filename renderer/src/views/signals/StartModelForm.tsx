import { useSignals } from '../../stores/context.js';

/** Starts a registered model live, as the primary or the shadow of its instrument. */
export function StartModelForm() {
  const registered = useSignals((state) => state.registered);
  const pickedModelId = useSignals((state) => state.pickedModelId);
  const pickedRole = useSignals((state) => state.pickedRole);
  const busy = useSignals((state) => state.busy);
  const pickModel = useSignals((state) => state.pickModel);
  const pickRole = useSignals((state) => state.pickRole);
  const startModel = useSignals((state) => state.startModel);
  const refreshRegistered = useSignals((state) => state.refreshRegistered);
  return (
    <section className="panel signals-start" aria-label="Run a model live">
      <header className="panel-title">
        <span>Run a model live</span>
      </header>
      <div className="signals-form">
        <select
          data-testid="start-model-select"
          value={pickedModelId ?? ''}
          onFocus={() => {
            void refreshRegistered();
          }}
          onChange={(event) => {
            pickModel(event.target.value === '' ? null : Number(event.target.value));
          }}
        >
          {registered.length === 0 ? <option value="">no registered model: train one first</option> : null}
          {registered.map((model) => (
            <option key={model.id} value={model.id}>
              #{model.id} {model.name} · {model.kind} · {model.instrument}
            </option>
          ))}
        </select>
        <select
          data-testid="start-role"
          value={pickedRole}
          onChange={(event) => {
            pickRole(event.target.value === 'shadow' ? 'shadow' : 'primary');
          }}
        >
          <option value="primary">primary</option>
          <option value="shadow">shadow</option>
        </select>
        <button
          type="button"
          className="primary"
          data-testid="start-model"
          disabled={pickedModelId === null || busy}
          onClick={() => {
            void startModel();
          }}
        >
          Start
        </button>
      </div>
      <p className="signals-note">
        One primary and one shadow per instrument: the shadow predicts the same rows and the two are compared
        live. A model runs on its feature set&apos;s live rows in the feature worker.
      </p>
    </section>
  );
}
