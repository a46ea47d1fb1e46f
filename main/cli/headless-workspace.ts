import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { backtestHandlers, type BacktestCommandName } from '../backtests/backtest-api.js';
import { runBacktestWork } from '../backtests/backtest-work.js';
import type { CommandHandlers } from '../api/handlers.js';
import { JobBoard } from '../jobs/job-board.js';
import { openDatabase, SCHEMA_VERSION, userVersion, type SqliteDatabase } from '../storage/database.js';
import { ensureDataDir, workspaceDatabasePath } from '../storage/data-folder.js';
import { StrategyLibrary, strategiesFolder } from '../strategies/strategy-library.js';
import { jobFollower } from './cli-command.js';

/**
 * The App's research services over one workspace, without a window, a market source or a live
 * pipeline: the same database, job board, strategy library and backtest handlers the App
 * builds (main/host/app.ts), so a run started here is stored exactly as the window's and opens
 * there.
 */
export interface HeadlessWorkspace {
  readonly db: SqliteDatabase;
  readonly databaseFile: string;
  readonly dataDir: string;
  readonly jobs: JobBoard;
  readonly strategies: StrategyLibrary;
  readonly backtests: Pick<CommandHandlers, BacktestCommandName>;
  /** The built feature worker: other workers are built beside it (main/scripts/build.mjs). */
  readonly workerEntry: URL;
  readonly follow: ReturnType<typeof jobFollower>;
  close(): void;
}

export interface HeadlessWorkspaceOptions {
  /**
   * A command that only reads (`runs`, `strategies`): the database is opened read-only when it
   * is already at this build's version, so reading never writes the file or waits on a writer.
   */
  readonly readOnly?: boolean;
}

/** How long a read waits on a writer's lock, as openDatabase's connections do. */
const BUSY_TIMEOUT_MS = 5000;

/** The workspace read-only, or null when it must be opened for writing (missing or older). */
function openReadOnly(databaseFile: string): SqliteDatabase | null {
  if (!existsSync(databaseFile)) return null;
  const db = new Database(databaseFile, { readonly: true, timeout: BUSY_TIMEOUT_MS });
  if (userVersion(db) === SCHEMA_VERSION) return db;
  // An older file needs its migrations, a newer one the refusal openDatabase gives.
  db.close();
  return null;
}

export function openHeadlessWorkspace(
  dataDir: string,
  options: HeadlessWorkspaceOptions = {},
): HeadlessWorkspace {
  const databaseFile = workspaceDatabasePath(ensureDataDir(dataDir));
  const db = (options.readOnly === true ? openReadOnly(databaseFile) : null) ?? openDatabase(databaseFile);
  // The window may have this workspace open: its running jobs are alive, not interrupted.
  const jobs = new JobBoard(db, { recoverInterrupted: false });
  const follow = jobFollower(jobs);
  const strategies = new StrategyLibrary(strategiesFolder(dataDir));
  // This file is built to dist/main/cli/<module>.js; the workers live under dist/.
  const workerEntry = new URL('../../worker/features.js', import.meta.url);
  const backtests = backtestHandlers({
    db,
    jobs,
    clock: Date.now,
    databaseFile,
    featureWorkerEntry: workerEntry,
    strategies,
    // A terminal has no window to keep responsive: one configuration runs here, which spares
    // starting a thread and loading the worker's modules (most of a 45k-bar run's time).
    runSingleInProcess: runBacktestWork,
  });
  return {
    db,
    databaseFile,
    dataDir,
    jobs,
    strategies,
    backtests,
    workerEntry,
    follow,
    close: () => {
      db.close();
    },
  };
}
