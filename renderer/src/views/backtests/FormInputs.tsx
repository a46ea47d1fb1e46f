import { useState } from 'react';
import { TIMEFRAMES, type Timeframe } from '../../../../shared/domain/timeframes.js';
import { parseParamValue, type ParamField } from './strategyParams.js';

/** One parameter of a strategy, as its schema types it. */
export function ParamInput({
  field,
  value,
  onChange,
}: {
  field: ParamField;
  value: number | boolean | string | undefined;
  onChange: (value: number | boolean | string) => void;
}) {
  const [text, setText] = useState<string | null>(null);
  switch (field.kind) {
    case 'boolean':
      return (
        <input
          type="checkbox"
          data-testid={`bt-param-${field.name}`}
          checked={value === true}
          onChange={(event) => {
            onChange(event.target.checked);
          }}
        />
      );
    case 'choice':
      return (
        <select
          data-testid={`bt-param-${field.name}`}
          value={String(value ?? '')}
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
      );
    case 'integer':
    case 'number':
    case 'text': {
      // While typing, keep the text (so "0." or "-" survive); store it once it reads as a value.
      const shown = text ?? (value === undefined ? '' : String(value));
      const parsed = parseParamValue(field, shown);
      return (
        <input
          type="text"
          inputMode={field.kind === 'text' ? 'text' : 'decimal'}
          data-testid={`bt-param-${field.name}`}
          className={parsed === null ? 'invalid' : ''}
          title={[
            field.min === null ? null : `min ${field.min}`,
            field.max === null ? null : `max ${field.max}`,
          ]
            .filter((part) => part !== null)
            .join(' · ')}
          value={shown}
          onChange={(event) => {
            setText(event.target.value);
            const next = parseParamValue(field, event.target.value);
            if (next !== null) onChange(next);
          }}
          onBlur={() => {
            setText(null);
          }}
        />
      );
    }
    default: {
      const unknownKind: never = field.kind;
      return <span>{String(unknownKind)}</span>;
    }
  }
}

/** A number typed freely; stored once it reads as a finite number. */
export function NumberInput({
  label,
  value,
  onChange,
  testId,
  step,
  title,
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  testId: string;
  step?: number;
  title?: string;
}) {
  const [text, setText] = useState<string | null>(null);
  return (
    <label title={title}>
      {label}
      <input
        type="number"
        step={step ?? 'any'}
        data-testid={testId}
        value={text ?? String(value)}
        onChange={(event) => {
          setText(event.target.value);
          const next = Number(event.target.value);
          if (event.target.value.trim() !== '' && Number.isFinite(next)) onChange(next);
        }}
        onBlur={() => {
          setText(null);
        }}
      />
    </label>
  );
}

/** A bar timeframe picker: 1s .. 1d. */
export function TimeframeSelect({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  value: Timeframe;
  onChange: (tf: Timeframe) => void;
  testId?: string;
}) {
  return (
    <label>
      {label}
      <select
        data-testid={testId}
        value={value}
        onChange={(event) => {
          onChange(TIMEFRAMES.find((tf) => tf === event.target.value) ?? value);
        }}
      >
        {TIMEFRAMES.map((tf) => (
          <option key={tf} value={tf}>
            {tf}
          </option>
        ))}
      </select>
    </label>
  );
}
