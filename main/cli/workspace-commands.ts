// The workspace commands of the CLI, as they were before the research commands: recording the
// demo market, printing candles, what a workspace holds, and the history commands (import,
// backfill, export, coverage). Built as its own file: only these commands load ccxt.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TIMEFRAMES, type Timeframe } from '../../shared/domain/timeframes.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { HISTORY_CLI_OPTIONS, HistoryUsageError, runHistoryCommand } from '../history/cli-commands.js';
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
  const start = values.start === undefined ? Date.UTC(2026, 0, 5) : Date.parse(values.start);
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
  let signals = 0;
  const failure: { message: string | null } = { message: null };
  const worker = new FeatureWorker(new URL('../../worker/features.js', import.meta.url), {
    onProcessed: (_events, features, fired) => {
      signals += fired.length;
      pipeline.onFeatures(features, fired);
    },
    onError: (message) => (failure.message = message),
  });
  let marketTime = start;
  const pipeline = new LivePipeline({ recorder, features: worker, clock: () => marketTime });

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
    if (worker.pending > 8) await worker.whenDrained();
    if ((marketTime - start) % 60_000 === 0) pipeline.flush();
    if (failure.message !== null) throw new Error(failure.message);
    const now = Date.now();
    if (process.stderr.isTTY && now - lastDraw > 200) {
      lastDraw = now;
      const detail = `${pipeline.eventsTotal.toLocaleString('en')} events`;
      process.stderr.write(`\r${progressLine(marketTime - start, end - start, began, now, detail)}`);
    }
  }
  await worker.stop();
  pipeline.flush();
  db.close();
  if (process.stderr.isTTY) process.stderr.write('\n');
  const seconds = (Date.now() - began) / 1000;
  process.stdout.write(
    `recorded ${hours} h of ${market.instrument.id}: ${pipeline.eventsTotal} events, ` +
      `${recorder.stats.recordedTrades} trades, ${signals} signals in ${seconds.toFixed(1)} s -> ${dataDir}\n`,
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
      ...HISTORY_CLI_OPTIONS,
    },
  });
}

export const cli: CliModule = {
  help: workspaceHelp,
  run,
};
