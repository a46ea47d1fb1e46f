import { useEffect, useMemo } from 'react';
import type { Annotation } from '../../../../shared/api/domains/annotations.js';
import type { LabelSpec } from '../../../../shared/models/model.js';
import { useAnnotations, useModels } from '../../stores/context.js';

const NO_MARKS: readonly Annotation[] = [];
type AnnotationLabel = Extract<LabelSpec, { kind: 'annotations' }>;

/**
 * The "annotations" label kind's choices: which of the trader's labels on the set's instrument
 * a model learns as up, and which (if any) as down. Offers only labels that exist, and picks the
 * most used one first so a fresh form can train at once.
 */
export function AnnotationLabelFields({
  instrument,
  label,
}: {
  instrument: string | null;
  label: AnnotationLabel;
}) {
  const load = useAnnotations((state) => state.load);
  const marks = useAnnotations((state) =>
    instrument === null ? NO_MARKS : (state.byInstrument[instrument] ?? NO_MARKS),
  );
  const setLabelField = useModels((state) => state.setLabelField);
  const counts = useMemo(() => {
    const byLabel = new Map<string, number>();
    for (const mark of marks) byLabel.set(mark.label, (byLabel.get(mark.label) ?? 0) + 1);
    return [...byLabel].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }, [marks]);

  useEffect(() => {
    if (instrument !== null) void load(instrument);
  }, [instrument, load]);
  useEffect(() => {
    const first = counts[0];
    if (label.up === '' && first !== undefined) setLabelField('up', first[0]);
  }, [counts, label.up, setLabelField]);

  if (counts.length === 0)
    return (
      <p className="panel-note" data-testid="label-marks-none">
        {instrument ?? 'This instrument'} has no marks yet: make some on the Markets chart.
      </p>
    );
  return (
    <>
      <label title="Rows inside marks with this label are up (marked)">
        up
        <select
          data-testid="label-up"
          value={label.up}
          onChange={(event) => {
            setLabelField('up', event.target.value);
          }}
        >
          {label.up === '' ? <option value="">pick a label</option> : null}
          {counts.map(([name, count]) => (
            <option key={name} value={name}>
              {name} ({count})
            </option>
          ))}
        </select>
      </label>
      <label title="Rows inside marks with this label are down; none: every unmarked row is down (two classes)">
        down
        <select
          data-testid="label-down"
          value={label.down ?? ''}
          onChange={(event) => {
            setLabelField('down', event.target.value === '' ? null : event.target.value);
          }}
        >
          <option value="">none (marked or not)</option>
          {counts
            .filter(([name]) => name !== label.up)
            .map(([name, count]) => (
              <option key={name} value={name}>
                {name} ({count})
              </option>
            ))}
        </select>
      </label>
    </>
  );
}
