import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import { isJobOfKind, isTerminal, type JobKind, type JobOf } from '../../../shared/api/domains/jobs.js';

/** What a store hears about the one job it follows. */
export interface JobFollower<K extends JobKind> {
  /** Every state of the job, the current one first; the last is terminal. */
  readonly onChange: (job: JobOf<K>) => void;
  /** Once, with the terminal state (after onChange has seen it). */
  readonly onEnd?: (job: JobOf<K>) => void;
  /** The watch stopped before a terminal state: unknown job, dropped connection, wrong kind. */
  readonly onLost: (error: Error) => void;
}

/**
 * Follows one job through `jobs.watch`: the host sends its current state first, so a job that
 * ended before the store subscribed still reports its end, and no store has to ask the job list
 * or invent a placeholder. The result arrives typed by `kind`. Returns how to stop following.
 */
export function followJob<K extends JobKind>(
  api: ApiClient,
  id: string,
  kind: K,
  follower: JobFollower<K>,
): Unsubscribe {
  let over = false;
  let unsubscribe: Unsubscribe | null = null;
  const stop = (): void => {
    over = true;
    unsubscribe?.();
    unsubscribe = null;
  };
  const subscription = api.subscribe(
    'jobs.watch',
    { id },
    (job) => {
      if (over) return;
      if (!isJobOfKind(job, kind)) {
        stop();
        follower.onLost(new Error(`job ${id} is a ${job.kind} job, not ${kind}`));
        return;
      }
      follower.onChange(job);
      if (!isTerminal(job.state)) return;
      stop();
      follower.onEnd?.(job);
    },
    (error) => {
      if (over) return;
      over = true;
      follower.onLost(error);
    },
  );
  // A transport that delivers the first state while subscribing may have ended the watch
  // before `subscription` was known: let go of it now.
  if (isOver()) subscription();
  else unsubscribe = subscription;
  return stop;

  function isOver(): boolean {
    return over;
  }
}
