import { migration0001 } from './0001_initial.js';
import { migration0002 } from './0002_jobs.js';
import { migration0003 } from './0003_gap_ledger.js';
import { migration0004 } from './0004_features.js';
import { migration0005 } from './0005_history.js';
import { migration0006 } from './0006_backtests.js';
import { migration0007 } from './0007_backtest_runs_v2.js';
import { migration0008 } from './0008_models.js';
import { migration0009 } from './0009_trading.js';
import { migration0010 } from './0010_training_checkpoints.js';
import { migration0011 } from './0011_live_stop_orders.js';
import { migration0012 } from './0012_paper_orders.js';
import { migration0013 } from './0013_idempotent_runs.js';
import { migration0014 } from './0014_trade_chunks.js';
import { migration0015 } from './0015_candle_ledger.js';
import { migration0016 } from './0016_book_receive_time.js';
import { migration0017 } from './0017_funding_rates.js';
import { migration0018 } from './0018_annotations.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration this build knows, in order; versions are 1..n without gaps. */
export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
  migration0011,
  migration0012,
  migration0013,
  migration0014,
  migration0015,
  migration0016,
  migration0017,
  migration0018,
];
