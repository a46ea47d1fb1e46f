import type { JobResult } from '../../../../shared/api/domains/jobs.js';
import { useFeatures } from '../../stores/context.js';
import { JobProgress } from '../JobProgress.js';
import { UtcTimeInput } from '../UtcTimeInput.js';
import { utcRange } from '../utcTime.js';
import { featureValue } from './Sparkline.js';

/** Saved sets, the range to build over, the build job with progress and cancel, cached matrices. */
export function BuildPanel() {
  const sets = useFeatures((state) => state.sets);
  const selectedSetId = useFeatures((state) => state.selectedSetId);
  const selectSet = useFeatures((state) => state.selectSet);
  const deleteSet = useFeatures((state) => state.deleteSet);
  const range = useFeatures((state) => state.range);
  const setRange = useFeatures((state) => state.setRange);
  const workers = useFeatures((state) => state.workers);
  const setWorkers = useFeatures((state) => state.setWorkers);
  const build = useFeatures((state) => state.build);
  const cancelBuild = useFeatures((state) => state.cancelBuild);
  const job = useFeatures((state) => state.job);
  const matrices = useFeatures((state) => state.matrices);
  const matrixId = useFeatures((state) => state.matrixId);
  const selectMatrix = useFeatures((state) => state.selectMatrix);
  const selected = sets.find((s) => s.id === selectedSetId) ?? null;
  const running = job?.state === 'running';

  return (
    <section className="panel build-panel" aria-label="Feature matrices">
      <header className="panel-title">
        <span>Sets and matrices</span>
      </header>
      <div className="build-body">
        <div className="form-row">
          <label>
            Set
            <select
              data-testid="set-select"
              value={selectedSetId ?? ''}
              onChange={(event) => {
                selectSet(event.target.value);
              }}
            >
              {sets.length === 0 ? <option value="">no saved set</option> : null}
              {sets.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} · {s.sampling} · {s.columns.length} columns
                </option>
              ))}
            </select>
          </label>
          {selected === null ? null : (
            <button
              type="button"
              className="small"
              onClick={() => {
                void deleteSet(selected.id);
              }}
            >
              Delete
            </button>
          )}
        </div>
        {selected === null ? null : (
          <p className="feature-note" title={selected.hash}>
            {selected.instrument} · hash {selected.hash.slice(0, 12)}
          </p>
        )}
        <SetDataNote />
        <div className="form-row">
          <UtcTimeInput
            label="From (UTC)"
            testId="range-from"
            value={range?.from ?? null}
            onChange={(from) => {
              if (range !== null) setRange({ from, to: range.to });
            }}
          />
          <UtcTimeInput
            label="To (UTC)"
            testId="range-to"
            value={range?.to ?? null}
            onChange={(to) => {
              if (range !== null) setRange({ from: range.from, to });
            }}
          />
          <label>
            Workers
            <select
              value={workers}
              onChange={(event) => {
                setWorkers(Number(event.target.value));
              }}
            >
              {[1, 2, 3, 4].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="form-row">
          <button
            type="button"
            className="primary"
            data-testid="build-matrix"
            disabled={selected === null || range === null || running}
            onClick={() => {
              void build();
            }}
          >
            Build matrix
          </button>
        </div>
        {job === null ? null : (
          <JobProgress
            job={job}
            onCancel={cancelBuild}
            doneText={buildSummary(job.result)}
            testIds={{ root: 'build-progress', cancel: 'cancel-build' }}
          />
        )}
        <ul className="matrix-list" data-testid="matrix-list">
          {matrices.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                className={m.id === matrixId ? 'active' : ''}
                data-testid="matrix"
                onClick={() => {
                  selectMatrix(m.id);
                }}
              >
                {utcRange(m.from, m.to)} · {featureValue(m.rows)} rows
              </button>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

/**
 * For a candle-only instrument: that its candle features come straight from its bars, which
 * features stay empty and why, and what stops the set from being built (its sampling).
 */
function SetDataNote() {
  const data = useFeatures((state) => state.setData);
  if (data === null || data.source === 'events') return null;
  return (
    <div className="feature-note" data-testid="set-data">
      <p>
        Candle-only instrument: computed from its {data.timeframe ?? ''} bars (no trades or book recorded).
      </p>
      {data.problem === null ? null : (
        <p role="alert" data-testid="set-data-problem">
          {data.problem}
        </p>
      )}
      {data.emptyFeatures.length === 0 ? null : (
        <ul>
          {data.emptyFeatures.map((f) => (
            <li key={f.feature} data-testid="empty-feature">
              <b>{f.feature}</b> stays empty: {f.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** What a finished build says about itself: workers, seams checked, a fallback to one pass. */
export function buildSummary(result: JobResult<'feature-matrix'> | null): string {
  if (result === null) return 'done';
  const { workers, seamsVerified, inexactColumns, fallback, emptyFeatures } = result;
  const parts = ['done', `${workers} worker${workers === 1 ? '' : 's'}`];
  if (seamsVerified > 0) {
    const inexact = inexactColumns.length;
    parts.push(
      `${seamsVerified} seam${seamsVerified === 1 ? '' : 's'} checked${inexact > 0 ? ` (${inexact} columns within 1e-12)` : ''}`,
    );
  }
  if (fallback !== null) parts.push(fallback);
  if (emptyFeatures.length > 0)
    parts.push(
      `${emptyFeatures.length} feature${emptyFeatures.length === 1 ? '' : 's'} empty on candles only`,
    );
  return parts.join(' · ');
}
