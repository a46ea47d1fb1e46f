import { useEffect } from 'react';
import { MODEL_KINDS, type LabelSpec, type ModelKind } from '../../../../shared/models/model.js';
import { useFeatures, useModels } from '../../stores/context.js';
import type { LabelKind, Normalization } from '../../stores/models.js';
import { UtcTimeInput } from '../UtcTimeInput.js';
import type { ParamField } from '../backtests/strategyParams.js';
import { modelFields } from './modelForm.js';
import { AnnotationLabelFields } from './AnnotationLabelFields.js';
import { SearchSpaceEditor } from './SearchSpaceEditor.js';

const LABEL_KINDS: readonly LabelKind[] = [
  'fixed-horizon',
  'triple-barrier',
  'forward-return',
  'annotations',
];

/** What each label field means, for its tooltip. */
const LABEL_FIELDS: Record<LabelKind, readonly { name: string; title: string; step: string }[]> = {
  'fixed-horizon': [
    { name: 'horizon', title: 'Rows ahead the return is measured over', step: '1' },
    {
      name: 'threshold',
      title: 'Fractional return beyond which a row is up or down (0 = two classes)',
      step: '0.0001',
    },
  ],
  'triple-barrier': [
    { name: 'horizon', title: 'Rows before the vertical barrier', step: '1' },
    { name: 'upper', title: 'Upper barrier in volatilities', step: '0.1' },
    { name: 'lower', title: 'Lower barrier in volatilities', step: '0.1' },
    { name: 'volWindow', title: 'Rows of one-row returns the volatility is measured over', step: '1' },
  ],
  'forward-return': [{ name: 'horizon', title: 'Rows ahead of the regression target', step: '1' }],
  annotations: [{ name: 'horizon', title: 'Rows the fold backtests hold a position for', step: '1' }],
};

/** Data, label, model and validation of the next training; Train and, below, the search. */
export function TrainForm() {
  const sets = useFeatures((state) => state.sets);
  const setId = useModels((state) => state.setId);
  const pickSet = useModels((state) => state.pickSet);
  const range = useModels((state) => state.range);
  const setRange = useModels((state) => state.setRange);
  const name = useModels((state) => state.name);
  const setName = useModels((state) => state.setName);
  const kind = useModels((state) => state.kind);
  const setKind = useModels((state) => state.setKind);
  const validation = useModels((state) => state.validation);
  const setValidation = useModels((state) => state.setValidation);
  const normalization = useModels((state) => state.normalization);
  const setNormalization = useModels((state) => state.setNormalization);
  const train = useModels((state) => state.train);
  const selected = sets.find((s) => s.id === setId) ?? null;

  // The first saved set until the trader picks one; a deleted set gives way to the next.
  useEffect(() => {
    const first = sets[0];
    if (selected === null && first !== undefined) pickSet(first);
  }, [sets, selected, pickSet]);

  return (
    <section className="panel training-form" aria-label="Train a model">
      <header className="panel-title">
        <span>Train</span>
        <span className="panel-note" title={selected?.hash}>
          {selected === null ? 'no feature set' : `${selected.instrument} · ${selected.hash.slice(0, 8)}`}
        </span>
      </header>
      <div className="training-form-body">
        <fieldset>
          <legend>Data</legend>
          <label>
            Feature set
            <select
              data-testid="train-set"
              value={setId ?? ''}
              onChange={(event) => {
                const chosen = sets.find((s) => s.id === event.target.value);
                if (chosen !== undefined) pickSet(chosen);
              }}
            >
              {sets.length === 0 ? <option value="">save a set in Features first</option> : null}
              {sets.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} · {s.sampling} · {s.columns.length} columns
                </option>
              ))}
            </select>
          </label>
          <div className="training-pair">
            <UtcTimeInput
              label="From (UTC)"
              testId="train-from"
              value={range?.from ?? null}
              onChange={(from) => {
                if (range !== null) setRange({ from, to: range.to });
              }}
            />
            <UtcTimeInput
              label="To (UTC)"
              testId="train-to"
              value={range?.to ?? null}
              onChange={(to) => {
                if (range !== null) setRange({ from: range.from, to });
              }}
            />
          </div>
        </fieldset>
        <LabelFields instrument={selected?.instrument ?? null} />
        <fieldset>
          <legend>Model</legend>
          <div className="training-pair">
            <label>
              Kind
              <select
                data-testid="model-kind"
                value={kind}
                onChange={(event) => {
                  setKind(event.target.value as ModelKind);
                }}
              >
                {MODEL_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Name
              <input
                data-testid="train-name"
                value={name}
                placeholder={`${kind} model`}
                onChange={(event) => {
                  setName(event.target.value);
                }}
              />
            </label>
          </div>
          <ParamInputs kind={kind} />
        </fieldset>
        <fieldset>
          <legend>Validation</legend>
          <div className="training-grid">
            <label>
              Scheme
              <select
                data-testid="val-scheme"
                value={validation.scheme}
                onChange={(event) => {
                  setValidation({ scheme: event.target.value as 'walk-forward' | 'k-fold' });
                }}
              >
                <option value="walk-forward">walk-forward</option>
                <option value="k-fold">purged k-fold</option>
              </select>
            </label>
            <label>
              Folds
              <input
                type="number"
                min={2}
                max={50}
                data-testid="val-folds"
                value={validation.folds}
                onChange={(event) => {
                  setValidation({ folds: Number(event.target.value) });
                }}
              />
            </label>
            <label title="Rows dropped after each test fold (the purge is always the label horizon)">
              Embargo
              <input
                type="number"
                min={0}
                data-testid="val-embargo"
                value={validation.embargo}
                onChange={(event) => {
                  setValidation({ embargo: Number(event.target.value) });
                }}
              />
            </label>
            <label>
              Normalise
              <select
                data-testid="normalization"
                value={normalization}
                onChange={(event) => {
                  setNormalization(event.target.value as Normalization);
                }}
              >
                <option value="zscore">z-score</option>
                <option value="robust">robust</option>
              </select>
            </label>
            <label className="check" title="Every walk-forward train window starts at the first row">
              <input
                type="checkbox"
                data-testid="val-anchored"
                checked={validation.anchored}
                onChange={(event) => {
                  setValidation({ anchored: event.target.checked });
                }}
              />
              anchored
            </label>
          </div>
        </fieldset>
        <div className="training-actions">
          <button
            type="button"
            className="primary"
            data-testid="train-start"
            disabled={selected === null || range === null}
            onClick={() => {
              void train();
            }}
          >
            Train
          </button>
        </div>
        <SearchSpaceEditor />
      </div>
    </section>
  );
}

function LabelFields({ instrument }: { instrument: string | null }) {
  const label = useModels((state) => state.label);
  const setLabelKind = useModels((state) => state.setLabelKind);
  const setLabelField = useModels((state) => state.setLabelField);
  const values = label as LabelSpec & Record<string, number>;
  return (
    <fieldset>
      <legend>Label</legend>
      <div className="training-grid">
        <label>
          Kind
          <select
            data-testid="label-kind"
            value={label.kind}
            onChange={(event) => {
              setLabelKind(event.target.value as LabelKind);
            }}
          >
            {LABEL_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {LABEL_FIELDS[label.kind].map((field) => (
          <label key={field.name} title={field.title}>
            {field.name}
            <input
              type="number"
              step={field.step}
              data-testid={`label-${field.name}`}
              value={values[field.name] ?? ''}
              onChange={(event) => {
                setLabelField(field.name, Number(event.target.value));
              }}
            />
          </label>
        ))}
        {label.kind === 'annotations' ? (
          <AnnotationLabelFields instrument={instrument} label={label} />
        ) : null}
      </div>
    </fieldset>
  );
}

/** One input per hyper-parameter of the kind, filled with its current value (the default at first). */
function ParamInputs({ kind }: { kind: ModelKind }) {
  const values = useModels((state) => state.params[kind]);
  const setParam = useModels((state) => state.setParam);
  return (
    <div className="training-grid" data-testid="model-params">
      {modelFields(kind).map((field) => (
        <ParamInput
          key={`${kind}.${field.name}`}
          field={field}
          value={values[field.name]}
          onChange={(value) => {
            setParam(field.name, value);
          }}
        />
      ))}
    </div>
  );
}

function ParamInput({
  field,
  value,
  onChange,
}: {
  field: ParamField;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const testId = `param-${field.name}`;
  const title = [
    field.description,
    field.min === null ? null : `min ${field.min}`,
    field.max === null ? null : `max ${field.max}`,
  ]
    .filter((part) => part !== null)
    .join(' · ');
  switch (field.kind) {
    case 'boolean':
      return (
        <label className="check" title={title}>
          <input
            type="checkbox"
            data-testid={testId}
            checked={value === true}
            onChange={(event) => {
              onChange(event.target.checked);
            }}
          />
          {field.name}
        </label>
      );
    case 'choice':
      return (
        <label title={title}>
          {field.name}
          <select
            data-testid={testId}
            value={String(value)}
            onChange={(event) => {
              onChange(event.target.value);
            }}
          >
            {field.choices.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      );
    case 'integer':
    case 'number':
      return (
        <label title={title}>
          {field.name}
          <input
            type="number"
            step={field.kind === 'integer' ? 1 : 'any'}
            min={field.min ?? undefined}
            max={field.max ?? undefined}
            data-testid={testId}
            value={typeof value === 'number' ? value : ''}
            onChange={(event) => {
              // An emptied box stays empty (and the schema names it on submit) instead of becoming 0.
              onChange(event.target.value === '' ? '' : Number(event.target.value));
            }}
          />
        </label>
      );
    case 'text':
      // Lists and nullable numbers (base learners, a column fraction or null) are edited as JSON.
      return (
        <label title={`${title}${title === '' ? '' : ' · '}JSON`}>
          {field.name}
          <input
            key={JSON.stringify(value)}
            data-testid={testId}
            defaultValue={JSON.stringify(value)}
            onBlur={(event) => {
              try {
                onChange(JSON.parse(event.target.value) as unknown);
              } catch {
                onChange(event.target.value);
              }
            }}
          />
        </label>
      );
    default: {
      const never: never = field.kind;
      return <span>{String(never)}</span>;
    }
  }
}
