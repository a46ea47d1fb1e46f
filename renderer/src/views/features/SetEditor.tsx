import type { CatalogueEntry, FeatureParam } from '../../../../shared/api/domains/features.js';
import { useFeatures, useMarkets } from '../../stores/context.js';
import type { DraftFeature, Sampling } from '../../stores/features.js';

const SAMPLINGS: readonly Sampling[] = ['event', '1s', '1m', '5m', '30m'];

/** The set being put together: its features with a form per parameter, its name and cadence. */
export function SetEditor() {
  const draft = useFeatures((state) => state.draft);
  const catalogue = useFeatures((state) => state.catalogue);
  const name = useFeatures((state) => state.draftName);
  const sampling = useFeatures((state) => state.draftSampling);
  const setName = useFeatures((state) => state.setDraftName);
  const setSampling = useFeatures((state) => state.setDraftSampling);
  const saveSet = useFeatures((state) => state.saveSet);
  const instrument = useMarkets((state) => state.instrument);

  return (
    <section className="panel set-editor" aria-label="New feature set">
      <header className="panel-title">
        <span>New set</span>
        <span className="panel-note">{instrument?.id ?? 'no instrument'}</span>
      </header>
      <div className="set-editor-body">
        <div className="form-row">
          <label>
            Name
            <input
              data-testid="set-name"
              value={name}
              onChange={(event) => {
                setName(event.target.value);
              }}
            />
          </label>
          <label>
            Rows
            <select
              data-testid="set-sampling"
              value={sampling}
              onChange={(event) => {
                setSampling(event.target.value as Sampling);
              }}
            >
              {SAMPLINGS.map((s) => (
                <option key={s} value={s}>
                  {s === 'event' ? 'every event' : `every ${s}`}
                </option>
              ))}
            </select>
          </label>
        </div>
        {draft.length === 0 ? <p className="feature-note">Add features from the catalogue.</p> : null}
        <ol className="draft-list">
          {draft.map((feature) => (
            <DraftRow
              key={feature.key}
              feature={feature}
              entry={catalogue.find((e) => e.kind === feature.kind)}
            />
          ))}
        </ol>
        <button
          type="button"
          className="primary"
          data-testid="save-set"
          disabled={draft.length === 0 || instrument === null || name.trim() === ''}
          onClick={() => {
            if (instrument !== null) void saveSet(instrument.id);
          }}
        >
          Save set
        </button>
      </div>
    </section>
  );
}

function DraftRow({ feature, entry }: { feature: DraftFeature; entry: CatalogueEntry | undefined }) {
  const removeFeature = useFeatures((state) => state.removeFeature);
  return (
    <li className="draft-feature" data-testid="draft-feature">
      <div className="draft-head">
        <b>{entry?.title ?? feature.kind}</b>
        <button
          type="button"
          className="small"
          aria-label={`Remove ${entry?.title ?? feature.kind}`}
          onClick={() => {
            removeFeature(feature.key);
          }}
        >
          ✕
        </button>
      </div>
      <div className="param-grid">
        {(entry?.params ?? []).map((param) => (
          <ParamField
            key={param.name}
            featureKey={feature.key}
            param={param}
            value={feature.params[param.name]}
          />
        ))}
      </div>
    </li>
  );
}

/** One parameter's input, by type: a number box with its bounds, a select, a checkbox or JSON. */
function ParamField({
  featureKey,
  param,
  value,
}: {
  featureKey: number;
  param: FeatureParam;
  value: unknown;
}) {
  const setParam = useFeatures((state) => state.setParam);
  const set = (next: unknown): void => {
    setParam(featureKey, param.name, next);
  };
  switch (param.type) {
    case 'integer':
    case 'number':
      return (
        <label>
          {param.name}
          <input
            type="number"
            value={typeof value === 'number' ? value : ''}
            min={param.min ?? undefined}
            max={param.max ?? undefined}
            step={param.type === 'integer' ? 1 : 'any'}
            onChange={(event) => {
              set(event.target.value === '' ? undefined : Number(event.target.value));
            }}
          />
        </label>
      );
    case 'enum':
      return (
        <label>
          {param.name}
          <select
            value={typeof value === 'string' ? value : ''}
            onChange={(event) => {
              set(event.target.value);
            }}
          >
            {(param.options ?? []).map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </label>
      );
    case 'boolean':
      return (
        <label>
          {param.name}
          <input
            type="checkbox"
            checked={value === true}
            onChange={(event) => {
              set(event.target.checked);
            }}
          />
        </label>
      );
    case 'string':
      return (
        <label>
          {param.name}
          <input
            value={typeof value === 'string' ? value : ''}
            onChange={(event) => {
              set(event.target.value);
            }}
          />
        </label>
      );
    case 'json':
      return <JsonField name={param.name} value={value} onChange={set} />;
    default:
      return param.type satisfies never;
  }
}

/** Structured parameters (the feature a rolling statistic wraps) as JSON text. */
function JsonField({
  name,
  value,
  onChange,
}: {
  name: string;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  return (
    <label className="json-param">
      {name}
      <input
        defaultValue={value === undefined ? '' : JSON.stringify(value)}
        placeholder='{"kind":"spread","params":{}}'
        onBlur={(event) => {
          try {
            onChange(event.target.value === '' ? undefined : (JSON.parse(event.target.value) as unknown));
          } catch {
            // Left as typed: the host answers the save with what does not parse.
            onChange(event.target.value);
          }
        }}
      />
    </label>
  );
}
