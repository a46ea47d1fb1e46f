import { useModels } from '../../stores/context.js';
import type { DimensionDraft, DimensionType, SearchMethod } from '../../stores/models.js';
import { defaultDimension, modelFields, searchable } from './modelForm.js';

const DIMENSION_TYPES: readonly DimensionType[] = ['int', 'float', 'log-float', 'choice'];

/** The search: which hyper-parameters vary and over what, the method, trials, workers and pruning. */
export function SearchSpaceEditor() {
  const kind = useModels((state) => state.kind);
  const values = useModels((state) => state.params[state.kind]);
  const search = useModels((state) => state.search);
  const setDimension = useModels((state) => state.setDimension);
  const setSearch = useModels((state) => state.setSearch);
  const startSearch = useModels((state) => state.startSearch);
  const setId = useModels((state) => state.setId);
  const fields = modelFields(kind).filter(searchable);
  const dimensions = Object.keys(search.space).length;

  return (
    <fieldset className="search-space" data-testid="search-space">
      <legend>Search</legend>
      <table className="training-table">
        <thead>
          <tr>
            <th>Hyper-parameter</th>
            <th>Type</th>
            <th>Min / options</th>
            <th>Max</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => {
            const dim = search.space[field.name];
            const edit = (patch: Partial<DimensionDraft>): void => {
              if (dim !== undefined) setDimension(field.name, { ...dim, ...patch });
            };
            return (
              <tr key={field.name} className={dim === undefined ? 'off' : ''}>
                <td>
                  <label className="check">
                    <input
                      type="checkbox"
                      data-testid={`dim-${field.name}`}
                      checked={dim !== undefined}
                      onChange={(event) => {
                        setDimension(
                          field.name,
                          event.target.checked ? defaultDimension(field, values[field.name]) : null,
                        );
                      }}
                    />
                    {field.name}
                  </label>
                </td>
                <td>
                  {dim === undefined ? null : (
                    <select
                      data-testid={`dim-type-${field.name}`}
                      value={dim.type}
                      onChange={(event) => {
                        edit({ type: event.target.value as DimensionType });
                      }}
                    >
                      {DIMENSION_TYPES.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  )}
                </td>
                {dim === undefined ? (
                  <td colSpan={2} />
                ) : dim.type === 'choice' ? (
                  <td colSpan={2}>
                    <input
                      data-testid={`dim-options-${field.name}`}
                      value={dim.options}
                      title="Comma-separated values"
                      onChange={(event) => {
                        edit({ options: event.target.value });
                      }}
                    />
                  </td>
                ) : (
                  <>
                    <td>
                      <input
                        data-testid={`dim-min-${field.name}`}
                        inputMode="decimal"
                        value={dim.min}
                        onChange={(event) => {
                          edit({ min: event.target.value });
                        }}
                      />
                    </td>
                    <td>
                      <input
                        data-testid={`dim-max-${field.name}`}
                        inputMode="decimal"
                        value={dim.max}
                        onChange={(event) => {
                          edit({ max: event.target.value });
                        }}
                      />
                    </td>
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="training-grid">
        <label>
          Method
          <select
            data-testid="search-method"
            value={search.method}
            onChange={(event) => {
              setSearch({ method: event.target.value as SearchMethod });
            }}
          >
            <option value="tpe">TPE</option>
            <option value="random">random</option>
          </select>
        </label>
        <label>
          Trials
          <input
            type="number"
            min={1}
            max={1000}
            data-testid="search-trials"
            value={search.trials}
            onChange={(event) => {
              setSearch({ trials: Number(event.target.value) });
            }}
          />
        </label>
        <label>
          Workers
          <input
            type="number"
            min={1}
            max={16}
            data-testid="search-workers"
            value={search.workers}
            onChange={(event) => {
              setSearch({ workers: Number(event.target.value) });
            }}
          />
        </label>
        <label className="check" title="Stop a trial whose folds fall below the median of earlier trials">
          <input
            type="checkbox"
            data-testid="search-prune"
            checked={search.prune}
            onChange={(event) => {
              setSearch({ prune: event.target.checked });
            }}
          />
          prune
        </label>
      </div>
      <div className="training-actions">
        <button
          type="button"
          className="primary"
          data-testid="search-start"
          disabled={setId === null || dimensions === 0}
          onClick={() => {
            void startSearch();
          }}
        >
          Search {dimensions === 0 ? '' : `${dimensions} dimension${dimensions === 1 ? '' : 's'}`}
        </button>
      </div>
    </fieldset>
  );
}
