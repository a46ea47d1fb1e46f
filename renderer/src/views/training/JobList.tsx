import { useState } from 'react';
import type { SearchInfo } from '../../../../shared/api/domains/models.js';
import { useModels } from '../../stores/context.js';
import { JobProgress } from '../JobProgress.js';
import type { TrainingJob } from '../../stores/models.js';
import { LossChart, MetricChart, ObjectiveChart, type LossCurve } from './TrainingCharts.js';
import { score } from './trainingFormat.js';

/** Running and recent trainings and searches; the chosen one's live curves, trials and objective. */
export function JobList() {
  const jobs = useModels((state) => state.jobs);
  const cancelJob = useModels((state) => state.cancelJob);
  const [chosen, choose] = useState<string | null>(null);
  // Follow the newest running job unless the trader picked one.
  const focus =
    jobs.find((j) => j.job.id === chosen) ?? jobs.find((j) => j.job.state === 'running') ?? jobs[0] ?? null;

  return (
    <section className="panel training-jobs" aria-label="Training jobs">
      <header className="panel-title">
        <span>Jobs</span>
        <span className="panel-note">{jobs.filter((j) => j.job.state === 'running').length} running</span>
      </header>
      <div className="training-jobs-body">
        <ul className="training-job-list" data-testid="training-jobs">
          {jobs.length === 0 ? <li className="muted">No training yet.</li> : null}
          {jobs.map((entry) => (
            <li
              key={entry.job.id}
              className={entry === focus ? 'active' : ''}
              data-testid="training-job"
              data-state={entry.job.state}
              data-mode={entry.mode}
            >
              <button
                type="button"
                className="training-job-title"
                onClick={() => {
                  choose(entry.job.id);
                }}
              >
                <b>{entry.mode === 'search' ? 'search' : 'train'}</b> {entry.job.title}
              </button>
              <JobProgress
                job={entry.job}
                compact
                testIds={{ root: 'training-job-progress', cancel: 'training-cancel' }}
                onCancel={() => {
                  void cancelJob(entry.job.id);
                }}
              />
              {entry.mode === 'train' && entry.job.state !== 'running' ? (
                <ResumeButton jobId={entry.job.id} />
              ) : null}
            </li>
          ))}
        </ul>
        {focus === null ? null : <JobCurves entry={focus} />}
      </div>
    </section>
  );
}

/** Resumes a stopped training that kept a checkpoint; nothing for one that kept none. */
function ResumeButton({ jobId }: { jobId: string }) {
  const kept = useModels((state) => state.checkpoints.find((c) => c.jobId === jobId));
  const resumeJob = useModels((state) => state.resumeJob);
  if (kept === undefined) return null;
  const step = kept.step === null ? '' : `, epoch ${kept.step} of the next`;
  return (
    <button
      type="button"
      data-testid="training-resume"
      title={`${kept.foldsDone}/${kept.folds} fits kept${step}`}
      onClick={() => {
        void resumeJob(jobId);
      }}
    >
      Resume
    </button>
  );
}

/** Live loss curves of a job: per fold for a training, per fold of the latest trials for a search. */
function JobCurves({ entry }: { entry: TrainingJob }) {
  const [metric, setMetric] = useState('');
  const latestTrials = [...new Set(entry.curves.map((c) => c.trial))].slice(-2);
  const curves: LossCurve[] = entry.curves
    .filter((c) => latestTrials.includes(c.trial))
    .map((c) => ({
      name: `${c.trial === null ? '' : `t${c.trial} `}${entry.validationFolds !== null && c.fold >= entry.validationFolds ? 'all rows' : `fold ${c.fold + 1}`}`,
      trainLoss: c.trainLoss,
      validLoss: c.validLoss,
    }));
  const unit = entry.curves[0]?.unit ?? 'epoch';
  const metrics = [...new Set(entry.curves.flatMap((c) => Object.keys(c.metrics)))];
  const shownMetric = metrics.includes(metric)
    ? metric
    : (metrics.find((m) => /valid/i.test(m)) ?? metrics[0]);
  return (
    <div className="training-job-detail">
      <LossChart curves={curves} unit={unit} testId="live-loss-plot" />
      {shownMetric === undefined ? null : (
        <>
          <select
            data-testid="live-metric"
            value={shownMetric}
            onChange={(event) => {
              setMetric(event.target.value);
            }}
          >
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <MetricChart
            metric={shownMetric}
            unit={unit}
            curves={entry.curves
              .filter((c) => latestTrials.includes(c.trial))
              .map((c, i) => ({ name: curves[i]?.name ?? '', values: c.metrics[shownMetric] ?? [] }))}
          />
        </>
      )}
      {entry.mode === 'search' ? <Trials search={entry.search} /> : null}
    </div>
  );
}

/** The trials of a search (state, objective, parameters) and the objective per trial. */
function Trials({ search }: { search: SearchInfo | null }) {
  if (search === null) return <p className="muted">Trials appear as they finish.</p>;
  const names = [...new Set(search.trials.flatMap((t) => Object.keys(t.params)))];
  return (
    <div className="training-trials">
      <ObjectiveChart search={search} />
      <div className="training-table-wrap">
        <table className="training-table" data-testid="trials-table">
          <thead>
            <tr>
              <th>Trial</th>
              <th>State</th>
              <th>Objective</th>
              {names.map((n) => (
                <th key={n}>{n}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {search.trials.map((t) => (
              <tr
                key={t.trial}
                data-state={t.state}
                className={t.modelId !== null && t.modelId === search.bestModelId ? 'best' : ''}
                title={t.error ?? undefined}
              >
                <td>{t.trial}</td>
                <td>{t.state}</td>
                <td className="num">{score(t.value)}</td>
                {names.map((n) => (
                  <td key={n} className="num">
                    {paramText(t.params[n])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function paramText(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(3);
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
