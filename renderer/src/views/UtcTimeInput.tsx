import { fromInputTime, toInputTime } from './utcTime.js';

/**
 * A labelled datetime-local input in UTC to the second. A half-typed value that does not parse
 * is not passed on, so the range it edits is never NaN.
 */
export function UtcTimeInput({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  /** Shown empty while null (the range is not known yet). */
  value: number | null;
  onChange: (ts: number) => void;
  testId?: string;
}) {
  return (
    <label>
      {label}
      <input
        type="datetime-local"
        step={1}
        data-testid={testId}
        value={value === null ? '' : toInputTime(value)}
        onChange={(event) => {
          const ts = fromInputTime(event.target.value);
          if (ts !== null) onChange(ts);
        }}
      />
    </label>
  );
}
