import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import type { CommandRequest } from '../../../shared/api/contract.js';
import type { ImportPreview, InstrumentCoverage, Retention } from '../../../shared/api/domains/history.js';
import type { Job, JobKind } from '../../../shared/api/domains/jobs.js';
import type { StorageSettings, StorageState } from '../../../shared/api/domains/storage.js';
import { ApiError } from '../../../shared/api/protocol.js';

/** Jobs kept in the list (the newest). */
export const JOBS_SHOWN = 20;
/** Job kinds whose end changes what is stored, so coverage is read again. */
const DATA_CHANGING: ReadonlySet<JobKind> = new Set(['import', 'backfill', 'retention', 'verify', 'repair']);

export interface HistoryState {
  readonly coverage: readonly InstrumentCoverage[];
  readonly jobs: readonly Job[];
  readonly preview: ImportPreview | null;
  readonly retention: Retention | null;
  /** The demo market's kept window, its last trim and the disk's free space. */
  readonly storage: StorageState | null;
  /** What went wrong, in words for the trader (a bad path, an unknown instrument...). */
  readonly problem: string | null;

  /** Loads coverage, jobs and retention and follows the jobs topic. */
  readonly start: () => Promise<void>;
  readonly stop: () => void;
  readonly refreshCoverage: () => Promise<void>;
  /** Reads the first rows of a file on the host for the column-mapping step. */
  readonly previewFile: (path: string) => Promise<void>;
  readonly startImport: (request: CommandRequest<'history.import'>) => Promise<void>;
  readonly startExport: (request: CommandRequest<'history.export'>) => Promise<void>;
  readonly startBackfill: (request: CommandRequest<'history.backfill'>) => Promise<void>;
  /** Checks a range's candles against its trades, repairing what differs, as a job. */
  readonly startVerify: (request: CommandRequest<'history.verify'>) => Promise<void>;
  readonly saveRetention: (retention: Retention) => Promise<void>;
  readonly applyRetention: () => Promise<void>;
  readonly saveStorage: (settings: StorageSettings) => Promise<void>;
  readonly cancelJob: (id: string) => Promise<void>;
}

export type HistoryStore = StoreApi<HistoryState>;

function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/** Newest first, one entry per job id, the incoming version replacing the stored one. */
export function mergeJob(jobs: readonly Job[], job: Job): Job[] {
  const rest = jobs.filter((j) => j.id !== job.id);
  return [job, ...rest].sort((a, b) => b.startedAt - a.startedAt).slice(0, JOBS_SHOWN);
}

/** The data domain: coverage, imports, exports, backfills and retention, fed by the API client. */
export function createHistoryStore(api: ApiClient): HistoryStore {
  let jobFeed: Unsubscribe | null = null;

  return createStore<HistoryState>()((set, get) => {
    const attempt = async (work: () => Promise<void>): Promise<void> => {
      try {
        await work();
        set({ problem: null });
      } catch (error) {
        set({ problem: messageOf(error) });
      }
    };
    const started = (job: Job): void => {
      set({ jobs: mergeJob(get().jobs, job) });
    };

    return {
      coverage: [],
      jobs: [],
      preview: null,
      retention: null,
      storage: null,
      problem: null,

      async start() {
        jobFeed?.();
        jobFeed = api.subscribe('jobs', {}, (job) => {
          const before = get().jobs.find((j) => j.id === job.id);
          set({ jobs: mergeJob(get().jobs, job) });
          if (job.state !== 'running' && before?.state === 'running' && DATA_CHANGING.has(job.kind))
            void get().refreshCoverage();
        });
        await attempt(async () => {
          const [jobs, retention] = await Promise.all([
            api.call('jobs.list', { limit: JOBS_SHOWN }),
            api.call('history.retention.get', {}),
          ]);
          set({ jobs, retention });
          await get().refreshCoverage();
        });
      },
      stop() {
        jobFeed?.();
        jobFeed = null;
      },
      refreshCoverage: () =>
        attempt(async () => {
          // Sizes change together: the demo window's trims show in the coverage and the disk.
          const [coverage, storage] = await Promise.all([
            api.call('history.coverage', {}),
            api.call('storage.get', {}),
          ]);
          set({ coverage, storage });
        }),
      previewFile: (path) =>
        attempt(async () => {
          set({ preview: null });
          set({ preview: await api.call('history.import.preview', { path, rows: 8 }) });
        }),
      startImport: (request) =>
        attempt(async () => {
          started(await api.call('history.import', request));
        }),
      startExport: (request) =>
        attempt(async () => {
          started(await api.call('history.export', request));
        }),
      startBackfill: (request) =>
        attempt(async () => {
          started(await api.call('history.backfill', request));
        }),
      startVerify: (request) =>
        attempt(async () => {
          started(await api.call('history.verify', request));
        }),
      saveRetention: (retention) =>
        attempt(async () => {
          set({ retention: await api.call('history.retention.set', retention) });
        }),
      applyRetention: () =>
        attempt(async () => {
          started(await api.call('history.retention.apply', {}));
        }),
      saveStorage: (settings) =>
        attempt(async () => {
          set({ storage: await api.call('storage.set', settings) });
          // A shorter window trimmed at once: the demo's size changed.
          await get().refreshCoverage();
        }),
      cancelJob: (id) =>
        attempt(async () => {
          started(await api.call('jobs.cancel', { id }));
        }),
    };
  });
}
