import type { Job } from '../../../shared/api/domains/jobs.js';
import { jobFraction, jobProgressText } from './jobProgressText.js';
import './JobProgress.css';

/**
 * The test ids of a job's parts. Each view kept the ids its e2e tests already use
 * (`bt-cancel`, `training-cancel`, `job-cancel`...), and they do not share one prefix.
 */
export interface JobProgressTestIds {
  readonly root: string;
  readonly bar: string;
  readonly text: string;
  readonly cancel: string;
}

const DEFAULT_TEST_IDS: JobProgressTestIds = {
  root: 'job-row',
  bar: 'job-progress',
  text: 'job-detail',
  cancel: 'job-cancel',
};

/**
 * A running or ended job: its title, a determinate or indeterminate bar, one line of words, and
 * Cancel while it runs. Every view that starts a job (import, feature build, backtest, training)
 * draws it with this.
 */
export function JobProgress({
  job,
  onCancel,
  label,
  compact = false,
  doneText,
  testIds,
}: {
  job: Job;
  onCancel: () => void;
  /** A title above the bar (a list of jobs names each one; a single job's panel already does). */
  label?: string;
  /** Percent without the count, for rows in a narrow list. */
  compact?: boolean;
  /** What a finished job says instead of `done` (a feature build names its workers and seams). */
  doneText?: string;
  testIds?: Partial<JobProgressTestIds>;
}) {
  const ids = { ...DEFAULT_TEST_IDS, ...testIds };
  const fraction = jobFraction(job);
  const running = job.state === 'running';
  const indeterminate = running && fraction === null;
  const shown = job.state === 'done' ? 1 : (fraction ?? 0);
  const text = jobProgressText(job, doneText === undefined ? { compact } : { compact, doneText });
  return (
    <div
      className={`job-progress ${job.state}${compact ? ' compact' : ''}`}
      data-testid={ids.root}
      data-state={job.state}
      data-kind={job.kind}
      data-job-id={job.id}
    >
      {label === undefined ? null : <span className="job-progress-label">{label}</span>}
      <div
        className={indeterminate ? 'job-progress-bar indeterminate' : 'job-progress-bar'}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={indeterminate ? undefined : Math.round(shown * 100)}
        data-testid={ids.bar}
      >
        <div style={indeterminate ? undefined : { width: `${shown * 100}%` }} />
      </div>
      <div className="job-progress-line">
        <span className="job-progress-text" data-testid={ids.text}>
          {text}
        </span>
        {running ? (
          <button type="button" className="small" data-testid={ids.cancel} onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
}
