import { useEffect, useMemo } from 'react';
import { ANNOTATION_KINDS, type AnnotationKind } from '../../../../shared/api/domains/annotations.js';
import { useAnnotations, useMarkets } from '../../stores/context.js';
import { offerDownload } from '../offerDownload.js';
import { UtcTimeInput } from '../UtcTimeInput.js';
import { utcText } from '../utcTime.js';
import './annotations.css';

/**
 * The trader's marks on the open instrument: the form that makes or edits one (times typed, or
 * "chart view" takes the range the chart shows), the list searched by label and note, and CSV
 * export and import.
 */
export function AnnotationsPanel() {
  const instrument = useMarkets((state) => state.instrument?.id ?? null);
  const show = useAnnotations((state) => state.show);
  const listed = useAnnotations((state) => state.listed);
  const search = useAnnotations((state) => state.search);
  const setSearch = useAnnotations((state) => state.setSearch);
  const edit = useAnnotations((state) => state.edit);
  const remove = useAnnotations((state) => state.remove);
  const exportCsv = useAnnotations((state) => state.exportCsv);
  const importCsv = useAnnotations((state) => state.importCsv);
  const problem = useAnnotations((state) => state.problem);
  const notice = useAnnotations((state) => state.notice);

  useEffect(() => {
    void show(instrument);
  }, [instrument, show]);

  return (
    <section className="panel marks-panel" aria-label="Marks">
      <header className="panel-title">
        <span>
          Marks <span className="panel-note">type the times, or take the chart's view</span>
        </span>
        <span className="marks-tools">
          <button
            type="button"
            data-testid="marks-export"
            disabled={instrument === null}
            onClick={() => {
              void exportCsv().then((exported) => {
                if (exported === null || instrument === null) return;
                offerDownload(
                  `marks-${instrument.replaceAll(/[^A-Za-z0-9]+/g, '-')}.csv`,
                  'text/csv',
                  exported.csv,
                );
              });
            }}
          >
            Export CSV
          </button>
          <label className="file-button" title="instrument,kind,from,to,label,note (as Export CSV writes it)">
            Import CSV
            <input
              type="file"
              accept=".csv,text/csv"
              data-testid="marks-import"
              hidden
              onChange={(event) => {
                const file = event.target.files?.[0];
                event.target.value = '';
                if (file !== undefined) void file.text().then(importCsv);
              }}
            />
          </label>
        </span>
      </header>
      <div className="marks-body">
        <MarkForm />
        <div className="marks-list">
          <div className="marks-form">
            <input
              type="search"
              placeholder="Search labels and notes"
              aria-label="Search marks"
              data-testid="marks-search"
              value={search}
              onChange={(event) => void setSearch(event.target.value)}
            />
            <button
              type="button"
              data-testid="marks-delete-listed"
              disabled={listed.length === 0}
              title="Deletes every mark in the list below"
              onClick={() => void remove(listed.map((mark) => mark.id))}
            >
              Delete listed
            </button>
            <span className="panel-note" data-testid="marks-count">
              {listed.length} mark{listed.length === 1 ? '' : 's'}
            </span>
          </div>
          <div className="marks-scroll">
            <table data-testid="marks-list">
              <tbody>
                {listed.map((mark) => (
                  <tr key={mark.id} data-testid="mark-row">
                    <td>
                      {mark.kind === 'point'
                        ? utcText(mark.from)
                        : `${utcText(mark.from)} → ${utcText(mark.to)}`}
                    </td>
                    <td>
                      <b>{mark.label}</b>
                    </td>
                    <td title={mark.note}>{mark.note}</td>
                    <td>
                      <button
                        type="button"
                        onClick={() => {
                          edit(mark);
                        }}
                      >
                        Edit
                      </button>{' '}
                      <button type="button" onClick={() => void remove([mark.id])}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {problem === null ? null : (
            <p className="marks-message problem" role="alert" data-testid="marks-problem">
              {problem}
            </p>
          )}
          {notice === null ? null : (
            <p className="marks-message" data-testid="marks-notice">
              {notice}
            </p>
          )}
        </div>
      </div>
    </section>
  );
}

function MarkForm() {
  const draft = useAnnotations((state) => state.draft);
  const editing = useAnnotations((state) => state.editing);
  const busy = useAnnotations((state) => state.busy);
  const setDraft = useAnnotations((state) => state.setDraft);
  const save = useAnnotations((state) => state.save);
  const clearDraft = useAnnotations((state) => state.clearDraft);
  const useChartView = useAnnotations((state) => state.useChartView);
  const instrument = useAnnotations((state) => state.instrument);
  const marks = useAnnotations((state) => (instrument === null ? undefined : state.byInstrument[instrument]));
  const labels = useMemo(() => [...new Set((marks ?? []).map((mark) => mark.label))].sort(), [marks]);

  return (
    <form
      className="marks-form"
      data-testid="mark-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <label>
        Kind
        <select
          data-testid="mark-kind"
          value={draft.kind}
          onChange={(event) => {
            setDraft({ kind: event.target.value as AnnotationKind });
          }}
        >
          {ANNOTATION_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {kind}
            </option>
          ))}
        </select>
      </label>
      <UtcTimeInput
        label={draft.kind === 'point' ? 'At (UTC)' : 'From (UTC)'}
        value={draft.from}
        testId="mark-from"
        onChange={(from) => {
          setDraft({ from });
        }}
      />
      {draft.kind === 'range' ? (
        <UtcTimeInput
          label="To (UTC)"
          value={draft.to}
          testId="mark-to"
          onChange={(to) => {
            setDraft({ to });
          }}
        />
      ) : null}
      <label>
        Label
        <input
          type="text"
          list="mark-labels"
          maxLength={64}
          data-testid="mark-label"
          value={draft.label}
          onChange={(event) => {
            setDraft({ label: event.target.value });
          }}
        />
        <datalist id="mark-labels">
          {labels.map((label) => (
            <option key={label} value={label} />
          ))}
        </datalist>
      </label>
      <label className="marks-note">
        Note
        <input
          type="text"
          maxLength={2000}
          data-testid="mark-note"
          value={draft.note}
          onChange={(event) => {
            setDraft({ note: event.target.value });
          }}
        />
      </label>
      <button type="button" title="The time range the chart shows now" onClick={useChartView}>
        Chart view
      </button>
      <button type="submit" className="primary" data-testid="mark-save" disabled={busy}>
        {editing === null ? 'Add mark' : 'Save mark'}
      </button>
      {editing !== null || draft.from !== null ? (
        <button type="button" onClick={clearDraft}>
          Cancel
        </button>
      ) : null}
    </form>
  );
}
