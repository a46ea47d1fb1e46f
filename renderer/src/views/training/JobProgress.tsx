import type { Job } from '../../../../shared/api/domains/jobs.js';
import { eta } from './trainingFormat.js';

/** A job's bar and one line of words: percent, ETA and what it is doing, or why it ended. */
export function JobProgress({ job, onCancel }: { job: Job; onCancel: () => void }) {
  const fraction = job.total === null || job.total === 0 ? null : Math.min(1, job.done / job.total);
  const shown = job.state === 'done' ? 1 : (fraction ?? 0);
  const left = eta(job.etaMs);
  const detail =
    job.state === 'failed'
      ? (job.error ?? 'failed')
      : job.state === 'running'
        ? [
            fraction === null
              ? `${job.done.toLocaleString('en')} ${job.unit}`.trim()
              : `${(fraction * 100).toFixed(0)}%`,
            left,
            job.message,
          ]
            .filter((part) => part !== '')
            .join(' · ')
        : job.state;
  return (
    <div className="training-job-progress" data-testid="training-job-progress" data-state={job.state}>
      <div
        className={
          fraction === null && job.state === 'running' ? 'training-bar indeterminate' : 'training-bar'
        }
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(shown * 100)}
      >
        <div style={{ width: `${shown * 100}%` }} />
      </div>
      <span className={job.state === 'failed' ? 'detail failed' : 'detail'} data-testid="job-detail">
        {detail}
      </span>
      {job.state === 'running' ? (
        <button type="button" className="small" data-testid="training-cancel" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
    </div>
  );
}
