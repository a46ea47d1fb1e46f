import { useBacktests } from '../../stores/context.js';

/** The running backtest job: a bar with percent and time left, Cancel, and how it ended. */
export function JobProgress() {
  const job = useBacktests((s) => s.job);
  const cancel = useBacktests((s) => s.cancel);
  if (job === null) return null;
  const fraction = job.total === null || job.total === 0 ? null : Math.min(1, job.done / job.total);
  const shown = job.state === 'done' ? 1 : (fraction ?? 0);
  const text =
    job.state === 'running'
      ? `${fraction === null ? 'starting…' : `${(fraction * 100).toFixed(0)}% · ${job.done}/${job.total ?? '?'} ${job.unit}`}${
          job.etaMs === null ? '' : ` · ${Math.ceil(job.etaMs / 1000)} s left`
        }${job.message === '' ? '' : ` · ${job.message}`}`
      : job.state === 'failed'
        ? `failed: ${job.error ?? 'no reason given'}`
        : job.state === 'done'
          ? 'done'
          : 'cancelled';
  return (
    <div
      className={`backtest-job ${job.state}`}
      data-testid="bt-job"
      data-state={job.state}
      data-job-id={job.id}
    >
      <div
        className={
          fraction === null && job.state === 'running' ? 'backtest-bar indeterminate' : 'backtest-bar'
        }
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(shown * 100)}
        data-testid="bt-progress"
      >
        <div style={{ width: `${shown * 100}%` }} />
      </div>
      <div className="backtest-job-line">
        <span className={job.state === 'failed' ? 'backtest-error' : ''} data-testid="bt-job-text">
          {text}
        </span>
        {job.state === 'running' ? (
          <button type="button" data-testid="bt-cancel" onClick={cancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
}
