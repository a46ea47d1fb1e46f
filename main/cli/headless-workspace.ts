import { backtestHandlers, type BacktestCommandName } from '../backtests/backtest-api.js';
import type { CommandHandlers } from '../host/api-handlers.js';
import { JobBoard } from '../jobs/job-board.js';
import { openDatabase, type SqliteDatabase } from '../storage/database.js';
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

export function openHeadlessWorkspace(dataDir: string): HeadlessWorkspace {
  const databaseFile = workspaceDatabasePath(ensureDataDir(dataDir));
  const db = openDatabase(databaseFile);
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
