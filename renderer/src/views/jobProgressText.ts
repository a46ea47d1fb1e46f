import type { Job } from '../../../shared/api/domains/jobs.js';

/** How far a job is, 0..1, or null while its total is unknown (the bar is then indeterminate). */
export function jobFraction(job: Pick<Job, 'done' | 'total'>): number | null {
  if (job.total === null || job.total === 0) return null;
  return Math.min(1, Math.max(0, job.done / job.total));
}

/** `42%`, rounded down so a running job never reads 100% before it is done. */
export function percentText(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}

/** `12 s left`, `3m 05s left`, `1h 02m left`, or nothing while the host cannot tell. */
export function etaText(etaMs: number | null): string {
  if (etaMs === null || !Number.isFinite(etaMs)) return '';
  const seconds = Math.ceil(Math.max(0, etaMs) / 1000);
  if (seconds < 60) return `${seconds} s left`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s left`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m left`;
}

/** `1,200/5,000 rows`, or `1,200 rows` while the total is unknown. */
export function countText(job: Pick<Job, 'done' | 'total' | 'unit'>): string {
  const done = job.done.toLocaleString('en');
  const count = job.total === null ? done : `${done}/${job.total.toLocaleString('en')}`;
  return `${count} ${job.unit}`.trim();
}

/**
 * The one line under the bar: while running, percent (or `starting…`), count, time left and what
 * it is doing; once ended, `done` (or the view's own summary), `cancelled`, or why it failed.
 */
export function jobProgressText(
  job: Pick<Job, 'state' | 'done' | 'total' | 'unit' | 'etaMs' | 'message' | 'error'>,
  options: { readonly compact?: boolean; readonly doneText?: string } = {},
): string {
  switch (job.state) {
    case 'running': {
      const fraction = jobFraction(job);
      const progress =
        fraction === null
          ? job.done === 0
            ? 'starting…'
            : countText(job)
          : options.compact === true
            ? percentText(fraction)
            : `${percentText(fraction)} · ${countText(job)}`;
      return [progress, etaText(job.etaMs), job.message].filter((part) => part !== '').join(' · ');
    }
    case 'done':
      return options.doneText ?? 'done';
    case 'failed':
      return `failed: ${job.error ?? 'no reason given'}`;
    case 'cancelled':
      return 'cancelled';
    default: {
      const never: never = job.state;
      return String(never);
    }
  }
}
