// The workspace commands of the CLI, as they were before the research commands: recording the
// demo market, printing candles, what a workspace holds, and the history commands (import,
// backfill, export, coverage). Built as its own file: only these commands load ccxt.
import { appendFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TIMEFRAMES, type Timeframe } from '../../shared/domain/timeframes.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { HISTORY_CLI_OPTIONS, HistoryUsageError, runHistoryCommand } from '../history/cli-commands.js';
import { widenDemoWindowFor } from '../history/storage-api.js';
import { backupWorkspace, checkBackup, pruneBackups, restoreWorkspace } from '../backup/workspace-backup.js';
import { LivePipeline } from '../host/live-pipeline.js';
import { openDatabase } from '../storage/database.js';
import { ensureDataDir, workspaceDatabasePath } from '../storage/data-folder.js';
import { MarketStore } from '../storage/market-store.js';
import { Recorder } from '../storage/recorder.js';
import { FeatureWorker } from '../workers/feature-worker.js';
import { UsageError, type CliModule } from './cli-command.js';
import { workspaceHelp } from './workspace-usage.js';

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new UsageError(`--${name} must be a number, got '${value}'`);
  return parsed;
}

/** One terminal line redrawn in place: bar, percent, rate and time left. */
function progressLine(done: number, total: number, startedMs: number, nowMs: number, detail: string): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const width = 30;
  const filled = Math.round(fraction * width);
  const elapsed = (nowMs - startedMs) / 1000;
  const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
  const etaText = Number.isFinite(eta) ? `${eta.toFixed(0)} s left` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}% ${detail} ${etaText}`;
}

async function demoHistory(dataDir: string, values: Record<string, string | undefined>): Promise<void> {
  const hours = numberOption(values.hours, 'hours', Number.NaN);
  if (!(hours > 0)) throw new UsageError('demo-history needs --hours <h> greater than 0');
  // Without --start the history ends now, so it reads as the recent past the live demo market
  // continues (a fixed date left the chart spanning that date to today). Whole seconds, so
  // bars of every timeframe line up with the live ones.
  const start =
    values.start === undefined
      ? Math.floor((Date.now() - hours * 3_600_000) / 1000) * 1000
      : Date.parse(values.start);
  if (!Number.isFinite(start)) throw new UsageError(`--start must be an ISO date, got '${values.start}'`);
  const market = new DemoMarket({
    seed: numberOption(values.seed, 'seed', 1),
    beta: numberOption(values.beta, 'beta', 0),
    startTs: start,
  });

  const db = openDatabase(workspaceDatabasePath(ensureDataDir(dataDir)));
  const store = new MarketStore(db);
  store.upsertInstrument(market.instrument);
  const recorder = new Recorder(store);
  const features = values.features ?? 'on';
  if (features !== 'on' && features !== 'off')
    throw new UsageError(`--features must be on or off, got '${features}'`);
  let signals = 0;
  const failure: { message: string | null } = { message: null };
  // --features off records market data only (no feature worker, no signals): a quick fill
  // of a workspace for backtests over candles, and the crash-safety tests.
  const worker =
    features === 'on'
      ? new FeatureWorker(new URL('../../worker/features.js', import.meta.url), {
          onProcessed: (_events, computed, fired) => {
            signals += fired.length;
            pipeline.onFeatures(computed, fired);
          },
          onError: (message) => (failure.message = message),
        })
      : null;
  let marketTime = start;
  const pipeline = new LivePipeline({
    recorder,
    features: worker ?? { send: () => undefined },
    clock: () => marketTime,
  });

  // One JSON line per committed batch: what a kill -9 can no longer take away (crash tests,
  // scripts that follow a long recording).
  const commitLog = values['commit-log'];
  const committed = (): void => {
    if (commitLog === undefined) return;
    const line = { marketTime, trades: store.countTrades(market.instrument.id) };
    appendFileSync(commitLog, `${JSON.stringify(line)}\n`);
  };

  // Market seconds per committed batch: what a crash can take away at most.
  const commitEvery = numberOption(values['commit-every'], 'commit-every', 60);
  if (!(Number.isInteger(commitEvery) && commitEvery >= 1))
    throw new UsageError(`--commit-every must be whole seconds >= 1, got '${values['commit-every']}'`);

  const end = start + hours * 3_600_000;
  const stepMs = 1000;
  const began = Date.now();
  let lastDraw = 0;
  const out: MarketEvent[] = [];
  // Same path as live, only faster than the wall clock: validate -> record -> features -> signals.
  for (marketTime = start + stepMs; marketTime <= end; marketTime += stepMs) {
    out.length = 0;
    market.advanceTo(marketTime, out);
    pipeline.ingest(out);
    if (worker !== null && worker.pending > 8) await worker.whenDrained();
    if ((marketTime - start) % (commitEvery * 1000) === 0) {
      pipeline.flush();
      committed();
    }
    if (failure.message !== null) throw new Error(failure.message);
    const now = Date.now();
    if (process.stderr.isTTY && now - lastDraw > 200) {
      lastDraw = now;
      const detail = `${pipeline.eventsTotal.toLocaleString('en')} events`;
      process.stderr.write(`\r${progressLine(marketTime - start, end - start, began, now, detail)}`);
    }
  }
  await worker?.stop();
  pipeline.flush();
  committed();
  const widened = widenDemoWindowFor(store, start, Date.now());
  db.close();
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (widened !== null) process.stdout.write(`${widened}\n`);
  const seconds = (Date.now() - began) / 1000;
  process.stdout.write(
    `recorded ${hours} h of ${market.instrument.id}: ${pipeline.eventsTotal} events, ` +
      `${recorder.stats.recordedTrades} trades, ${signals} signals (${recorder.stats.recordedSignals} new) ` +
      `in ${seconds.toFixed(1)} s -> ${dataDir}\n`,
  );
}

function printCandles(dataDir: string, values: Record<string, string | undefined>): void {
  const instrument = values.instrument;
  if (instrument === undefined) throw new UsageError('candles needs --instrument <id>');
  const timeframe = values.timeframe as Timeframe | undefined;
  if (timeframe === undefined || !TIMEFRAMES.includes(timeframe)) {
    throw new UsageError(`candles needs --timeframe, one of ${TIMEFRAMES.join(', ')}`);
  }
  const store = new MarketStore(openDatabase(workspaceDatabasePath(dataDir)));
  process.stdout.write('open_time,open,high,low,close,volume,trades\n');
  for (const c of store.candles(instrument, timeframe, numberOption(values.limit, 'limit', 1000))) {
    const time = new Date(c.openTime).toISOString();
    process.stdout.write(`${time},${c.open},${c.high},${c.low},${c.close},${c.volume},${c.trades}\n`);
  }
}

async function backup(dataDir: string, values: Record<string, string | undefined>): Promise<void> {
  const folder = values.to === undefined ? undefined : path.resolve(values.to);
  if (folder === undefined) throw new UsageError('backup needs --to <folder>');
  const keep = values.keep === undefined ? undefined : numberOption(values.keep, 'keep', Number.NaN);
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 1))
    throw new UsageError(`--keep must be a whole number >= 1, got '${values.keep}'`);
  const file = workspaceDatabasePath(dataDir);
  if (!existsSync(file)) throw new Error(`no workspace in ${dataDir}: nothing to back up`);
  const db = openDatabase(file);
  const began = Date.now();
  try {
    const made = await backupWorkspace(db, folder, {
      now: Date.now(),
      onProgress: ({ copiedPages, totalPages }) => {
        if (process.stderr.isTTY)
          process.stderr.write(
            `\r${progressLine(copiedPages, totalPages, began, Date.now(), `${copiedPages}/${totalPages} pages`)}`,
          );
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const removed = keep === undefined ? [] : pruneBackups(folder, keep);
    process.stdout.write(
      `backed up ${file} -> ${made.path} (${(made.bytes / 1e6).toFixed(1)} MB)` +
        (removed.length === 0 ? '' : `; removed ${removed.length} older backup(s)`) +
        '\n',
    );
  } finally {
    db.close();
  }
}

function restore(dataDir: string, values: Record<string, string | undefined>, checkOnly: boolean): void {
  const from = values.from === undefined ? undefined : path.resolve(values.from);
  if (from === undefined)
    throw new UsageError(`${checkOnly ? 'backup-check' : 'restore'} needs --from <backup file>`);
  if (checkOnly) {
    const check = checkBackup(from);
    if (!check.ok) throw new Error(`cannot be restored: ${check.reason}`);
    process.stdout.write(
      `${from} can be restored: integrity ok, schema version ${check.schemaVersion}, ${check.auditEntries} audit entries verified\n`,
    );
    return;
  }
  const result = restoreWorkspace(from, dataDir, { now: Date.now() });
  process.stdout.write(
    `restored ${workspaceDatabasePath(dataDir)} from ${from} (integrity ok, ${result.check.auditEntries} audit entries verified)` +
      (result.keptAside === null ? '' : `; the replaced workspace is kept in ${result.keptAside}`) +
      '\n',
  );
}

function info(dataDir: string): void {
  const file = workspaceDatabasePath(dataDir);
  const store = new MarketStore(openDatabase(file));
  process.stdout.write(`workspace ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB)\n`);
  for (const instrument of store.listInstruments()) {
    process.stdout.write(`  ${instrument.id}: ${store.countTrades(instrument.id)} trades\n`);
  }
}

async function run(command: string, argv: readonly string[], dataDir: string): Promise<void> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    // node:util parseArgs: an unknown flag or a flag without its value.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  try {
    switch (command) {
      case 'demo-history':
        await demoHistory(dataDir, values);
        return;
      case 'candles':
        printCandles(dataDir, values);
        return;
      case 'info':
        info(dataDir);
        return;
      case 'backup':
        await backup(dataDir, values);
        return;
      case 'restore':
        restore(dataDir, values, false);
        return;
      case 'backup-check':
        restore(dataDir, values, true);
        return;
      default:
        if (await runHistoryCommand(command, [command, ...positionals], values, dataDir, progressLine))
          return;
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof HistoryUsageError) throw new UsageError(error.message);
    throw error;
  }
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      hours: { type: 'string' },
      seed: { type: 'string' },
      beta: { type: 'string' },
      start: { type: 'string' },
      instrument: { type: 'string' },
      timeframe: { type: 'string' },
      limit: { type: 'string' },
      keep: { type: 'string' },
      'commit-log': { type: 'string' },
      'commit-every': { type: 'string' },
      features: { type: 'string' },
      ...HISTORY_CLI_OPTIONS,
    },
  });
}

export const cli: CliModule = {
  help: workspaceHelp,
  run,
};
