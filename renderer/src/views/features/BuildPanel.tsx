import { useFeatures } from '../../stores/context.js';
import { featureValue } from './Sparkline.js';

/** ms UTC <-> the value of a datetime-local input read as UTC (every panel shows UTC). */
export function toInputTime(ts: number): string {
  return new Date(ts).toISOString().slice(0, 19);
}

export function fromInputTime(value: string): number | null {
  const ts = Date.parse(`${value}Z`);
  return Number.isFinite(ts) ? ts : null;
}

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
  const fraction =
    job === null || job.total === null || job.total === 0 ? null : Math.min(1, job.done / job.total);

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
        <div className="form-row">
          <label>
            From (UTC)
            <input
              type="datetime-local"
              step={1}
              data-testid="range-from"
              value={range === null ? '' : toInputTime(range.from)}
              onChange={(event) => {
                const from = fromInputTime(event.target.value);
                if (from !== null && range !== null) setRange({ from, to: range.to });
              }}
            />
          </label>
          <label>
            To (UTC)
            <input
              type="datetime-local"
              step={1}
              data-testid="range-to"
              value={range === null ? '' : toInputTime(range.to)}
              onChange={(event) => {
                const to = fromInputTime(event.target.value);
                if (to !== null && range !== null) setRange({ from: range.from, to });
              }}
            />
          </label>
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
          {running ? (
            <button type="button" data-testid="cancel-build" onClick={cancelBuild}>
              Cancel
            </button>
          ) : null}
        </div>
        {job === null ? null : (
          <div className={`job-progress ${job.state}`} data-testid="build-progress" data-state={job.state}>
            <div className="bar">
              <span style={{ transform: `scaleX(${fraction ?? (job.state === 'done' ? 1 : 0)})` }} />
            </div>
            <span className="job-text">
              {job.state === 'running'
                ? `${fraction === null ? '…' : `${(fraction * 100).toFixed(0)}%`}${job.etaMs === null ? '' : ` · ${Math.ceil(job.etaMs / 1000)} s left`}`
                : job.state === 'failed'
                  ? `failed: ${job.error ?? ''}`
                  : job.state === 'done'
                    ? buildSummary(job.result)
                    : job.state}
            </span>
          </div>
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
                {toInputTime(m.from).replace('T', ' ')} → {toInputTime(m.to).slice(11)} ·{' '}
                {featureValue(m.rows)} rows
              </button>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

/** What a finished build says about itself: workers, seams checked, a fallback to one pass. */
export function buildSummary(result: unknown): string {
  if (typeof result !== 'object' || result === null) return 'done';
  const { workers, seamsVerified, inexactColumns, fallback } = result as Record<string, unknown>;
  const parts = ['done'];
  if (typeof workers === 'number') parts.push(`${workers} worker${workers === 1 ? '' : 's'}`);
  if (typeof seamsVerified === 'number' && seamsVerified > 0) {
    const inexact = Array.isArray(inexactColumns) ? inexactColumns.length : 0;
    parts.push(
      `${seamsVerified} seam${seamsVerified === 1 ? '' : 's'} checked${inexact > 0 ? ` (${inexact} columns within 1e-12)` : ''}`,
    );
  }
  if (typeof fallback === 'string') parts.push(fallback);
  return parts.join(' · ');
}
