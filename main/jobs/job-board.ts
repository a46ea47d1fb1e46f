import { randomUUID } from 'node:crypto';
import {
  isTerminal,
  jobResultSchemas,
  jobSchema,
  type Job,
  type JobKind,
  type JobResult,
} from '../../shared/api/domains/jobs.js';
import { ApiError } from '../../shared/api/protocol.js';
import type { SqliteDatabase } from '../storage/database.js';

/** What a running job gets: a way to report progress and to hear that it should stop. */
export interface JobContext {
  readonly signal: AbortSignal;
  /** Reports progress; `total` may be set once known. Cheap to call often: updates are throttled. */
  progress(done: number, total?: number | null, message?: string): void;
  /** Throws the cancellation error if the job was cancelled; call between units of work. */
  throwIfCancelled(): void;
}

export interface JobSpec<K extends JobKind> {
  /** Names the shape of the job's result (shared/api/domains/jobs.ts). */
  readonly kind: K;
  readonly title: string;
  /** What `done` and `total` count, e.g. 'rows', 'files', 'bars'. */
  readonly unit: string;
  readonly total?: number | null;
}

export interface JobBoardOptions {
  readonly clock?: () => number;
  /** Least time between two progress notifications of one job. */
  readonly throttleMs?: number;
  readonly log?: (line: string) => void;
  /**
   * Marks jobs left 'running' by a workstation that stopped as failed (default). The CLI says
   * false: it opens a workspace the window may have open, whose running jobs are alive.
   */
  readonly recoverInterrupted?: boolean;
}

interface JobRow {
  id: string;
  kind: string;
  title: string;
  state: Job['state'];
  done: number;
  total: number | null;
  unit: string;
  message: string;
  error: string | null;
  result: string | null;
  started_at: number;
  finished_at: number | null;
}

/**
 * A result as the job's code holds it: the same shape, its arrays possibly readonly (the board
 * parses it by the kind's schema before anyone sees it).
 */
type Unparsed<T> = T extends readonly (infer E)[]
  ? readonly Unparsed<E>[]
  : T extends object
    ? { readonly [P in keyof T]: Unparsed<T[P]> }
    : T;

class JobCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * Runs long work with progress, ETA and cancel, and keeps every job in the workspace so the
 * list survives a restart. A job still marked running when the board opens was cut short by a
 * crash or a kill: it is marked failed with that reason, never left spinning forever.
 */
export class JobBoard {
  private readonly clock: () => number;
  private readonly throttleMs: number;
  private readonly live = new Map<string, { job: Job; controller: AbortController; lastEmit: number }>();
  private readonly listeners = new Set<(job: Job) => void>();
  private readonly insert;
  private readonly update;
  private readonly recent;
  private readonly byId;

  constructor(
    private readonly db: SqliteDatabase,
    options: JobBoardOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.throttleMs = options.throttleMs ?? 250;
    if (options.recoverInterrupted ?? true)
      db.prepare(
        `UPDATE jobs SET state = 'failed', error = 'interrupted: the workstation stopped while this job ran',
         finished_at = ? WHERE state = 'running'`,
      ).run(this.clock());
    this.insert = db.prepare(
      `INSERT INTO jobs (id, kind, title, state, done, total, unit, message, started_at)
       VALUES (@id, @kind, @title, 'running', 0, @total, @unit, '', @startedAt)`,
    );
    this.update = db.prepare(
      `UPDATE jobs SET state = @state, done = @done, total = @total, message = @message, error = @error,
       result = @result, finished_at = @finishedAt WHERE id = @id`,
    );
    this.recent = db.prepare<[number], JobRow>(
      'SELECT * FROM jobs ORDER BY started_at DESC, rowid DESC LIMIT ?',
    );
    this.byId = db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?');
  }

  /** Hears every job change (throttled progress, and every start and end). */
  subscribe(listener: (job: Job) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Follows one job: `emit` hears its current state at once, then every change, and nothing
   * after its terminal state (the watch stops itself there). Throws not_found for an unknown id.
   */
  watch(id: string, emit: (job: Job) => void): () => void {
    const current = this.get(id);
    if (current === null) throw new ApiError('not_found', `no job '${id}'`);
    emit(current);
    if (isTerminal(current.state)) return () => undefined;
    // Subscribed in the same tick as the read above: no change can fall between the two.
    const stop = this.subscribe((job) => {
      if (job.id !== id) return;
      emit(job);
      if (isTerminal(job.state)) stop();
    });
    return stop;
  }

  /** One job as it is now (live progress when running), or null when the board never had it. */
  get(id: string): Job | null {
    const live = this.live.get(id);
    if (live !== undefined) return live.job;
    const row = this.byId.get(id);
    return row === undefined ? null : fromRow(row);
  }

  /**
   * Starts `run` now and returns the job as it begins. The promise `finished` settles with
   * the final job; a thrown error fails the job, an abort cancels it. The result is checked
   * against its kind's schema: one that does not match fails the job and says why.
   */
  start<K extends JobKind>(
    spec: JobSpec<K>,
    run: (context: JobContext) => Promise<Unparsed<JobResult<K>>>,
  ): { job: Job; finished: Promise<Job> } {
    const startedAt = this.clock();
    const job: Job = {
      id: randomUUID(),
      kind: spec.kind,
      title: spec.title,
      state: 'running',
      done: 0,
      total: spec.total ?? null,
      unit: spec.unit,
      message: '',
      etaMs: null,
      error: null,
      result: null,
      startedAt,
      finishedAt: null,
    };
    this.insert.run({
      id: job.id,
      kind: job.kind,
      title: job.title,
      total: job.total,
      unit: job.unit,
      startedAt,
    });
    const controller = new AbortController();
    const entry = { job, controller, lastEmit: startedAt };
    this.live.set(job.id, entry);
    this.emit(job);

    const context: JobContext = {
      signal: controller.signal,
      progress: (done, total, message) => {
        const now = this.clock();
        const nextTotal = total === undefined ? entry.job.total : total;
        entry.job = {
          ...entry.job,
          done,
          total: nextTotal,
          message: message ?? entry.job.message,
          etaMs: eta(done, nextTotal, now - startedAt),
        };
        if (now - entry.lastEmit >= this.throttleMs) {
          entry.lastEmit = now;
          this.persist(entry.job);
          this.emit(entry.job);
        }
      },
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw new JobCancelled();
      },
    };

    const finished = Promise.resolve()
      .then(() => run(context))
      .then((result) => jobResultSchemas[spec.kind].parse(result))
      .then(
        (result) => this.finish(job.id, { state: 'done', result, error: null }),
        (error: unknown) =>
          controller.signal.aborted || error instanceof JobCancelled
            ? this.finish(job.id, { state: 'cancelled', result: null, error: null })
            : this.finish(job.id, { state: 'failed', result: null, error: messageOf(error) }),
      );
    return { job, finished };
  }

  cancel(id: string): Job {
    const entry = this.live.get(id);
    if (entry === undefined) {
      const stored = this.get(id);
      if (stored === null) throw new ApiError('not_found', `no job '${id}'`);
      return stored;
    }
    entry.controller.abort();
    entry.job = { ...entry.job, message: 'cancelling…' };
    this.emit(entry.job);
    return entry.job;
  }

  /** Newest first; running jobs show their live progress. */
  list(limit = 100): Job[] {
    return this.recent
      .all(limit)
      .map((row) => this.live.get(row.id)?.job ?? fromRow(row))
      .filter((job) => job !== null);
  }

  /** Cancels every running job and waits for none: each keeps what it committed. */
  cancelAll(): void {
    for (const entry of this.live.values()) entry.controller.abort();
  }

  private finish(id: string, end: { state: Job['state']; result: unknown; error: string | null }): Job {
    const entry = this.live.get(id);
    if (entry === undefined) throw new Error(`job ${id} finished twice`);
    this.live.delete(id);
    // The result was parsed by its kind's schema in start(); this joins it to the job's kind.
    const job = jobSchema.parse({ ...entry.job, ...end, etaMs: null, finishedAt: this.clock() });
    if (job.state === 'done' && job.total !== null) job.done = job.total;
    this.persist(job);
    this.emit(job);
    return job;
  }

  private persist(job: Job): void {
    this.update.run({
      id: job.id,
      state: job.state,
      done: job.done,
      total: job.total,
      message: job.message,
      error: job.error,
      result: job.result === null ? null : JSON.stringify(job.result),
      finishedAt: job.finishedAt,
    });
  }

  private emit(job: Job): void {
    for (const listener of this.listeners) listener(job);
  }
}

/** Time left at the average rate so far; unknown until some work is done and the total is known. */
function eta(done: number, total: number | null, elapsedMs: number): number | null {
  if (total === null || done <= 0 || elapsedMs <= 0) return null;
  return Math.max(0, ((total - done) * elapsedMs) / done);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A stored job, parsed by its kind's schema. A row whose result an older build wrote in
 * another shape keeps its state with no result; a kind this build no longer runs is left out.
 */
function fromRow(row: JobRow): Job | null {
  const stored = {
    id: row.id,
    kind: row.kind,
    title: row.title,
    state: row.state,
    done: row.done,
    total: row.total,
    unit: row.unit,
    message: row.message,
    etaMs: null,
    error: row.error,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
  const parsed = jobSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  const withoutResult = jobSchema.safeParse({ ...stored, result: null });
  return withoutResult.success ? withoutResult.data : null;
}
