import path from 'node:path';
import type {
  CandleCheck,
  CandleDifference,
  ColumnMapping,
  ImportFormat,
} from '../../shared/api/domains/history.js';
import { columnMappingSchema, importFormatSchema } from '../../shared/api/domains/history.js';
import { TIMEFRAMES, type Timeframe } from '../../shared/domain/timeframes.js';
import { createExchange, instrumentOf, marketSummaries } from '../exchange/ccxt-exchange.js';
import { openDatabase } from '../storage/database.js';
import { ensureDataDir, workspaceDatabasePath } from '../storage/data-folder.js';
import { GapLedger } from '../storage/gap-ledger.js';
import { MarketStore } from '../storage/market-store.js';
import { abortableSleep, runBackfill } from './backfill.js';
import { forFundingHistory, runFundingBackfill } from './funding-backfill.js';
import { CoverageReader } from './coverage.js';
import { exportRange } from './export-file.js';
import { InstrumentStepsStore, PROVISIONAL_STEPS } from './instrument-steps.js';
import { importFile } from './import-file.js';
import { verifyCandles } from './verify-candles.js';

const IMPORT_PHASES = {
  checking: 'reading, checking and staging',
  writing: 'writing',
  candles: 'writing candles (days)',
} as const;

export { HISTORY_CLI_USAGE } from './cli-usage.js';

export const HISTORY_CLI_OPTIONS = {
  format: { type: 'string' },
  mapping: { type: 'string' },
  tick: { type: 'string' },
  lot: { type: 'string' },
  exchange: { type: 'string' },
  symbol: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  kind: { type: 'string' },
  endpoint: { type: 'string' },
  out: { type: 'string' },
} as const;

export type ProgressLine = (
  done: number,
  total: number,
  startedMs: number,
  nowMs: number,
  detail: string,
) => string;

export class HistoryUsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function required(values: Values, name: string, command: string): string {
  const value = text(values, name);
  if (value === undefined) throw new HistoryUsageError(`${command} needs --${name}`);
  return value;
}

function time(values: Values, name: string, command: string): number {
  const raw = required(values, name, command);
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new HistoryUsageError(`--${name} must be an ISO date or ms, got '${raw}'`);
  return ms;
}

function timeframe(values: Values): Timeframe | undefined {
  const value = text(values, 'timeframe');
  if (value === undefined) return undefined;
  if (!(TIMEFRAMES as readonly string[]).includes(value))
    throw new HistoryUsageError(`--timeframe must be one of ${TIMEFRAMES.join(', ')}`);
  return value as Timeframe;
}

/** Redraws one progress line on stderr when it is a terminal, at most 5 times a second. */
function terminalProgress(progressLine: ProgressLine): (done: number, total: number, detail: string) => void {
  const started = Date.now();
  let last = 0;
  return (done, total, detail) => {
    const now = Date.now();
    if (!process.stderr.isTTY || now - last < 200) return;
    last = now;
    process.stderr.write(`\r${progressLine(done, total, started, now, detail)}`);
  };
}

function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}

/** Runs a history command; false when `command` is not one of them. */
export async function runHistoryCommand(
  command: string,
  positionals: readonly string[],
  values: Values,
  dataDir: string,
  progressLine: ProgressLine,
): Promise<boolean> {
  switch (command) {
    case 'import':
    case 'backfill':
    case 'export':
    case 'coverage':
    case 'verify':
      break;
    default:
      return false;
  }
  const db = openDatabase(workspaceDatabasePath(ensureDataDir(dataDir)));
  const store = new MarketStore(db);
  const show = terminalProgress(progressLine);
  try {
    switch (command) {
      case 'import': {
        const file = positionals[1];
        if (file === undefined) throw new HistoryUsageError('import needs a file');
        const instrument = required(values, 'instrument', 'import');
        // Steps not given by --tick/--lot are taken from the file once it has been read.
        let inferSteps = false;
        const givenTick = text(values, 'tick');
        const givenLot = text(values, 'lot');
        if (!store.hasInstrument(instrument)) {
          // A fresh workspace: the instrument is named by the import, its steps by --tick/--lot.
          const [exchange = '', symbol = ''] = instrument.split(':');
          const [base = symbol, quote = '?'] = symbol.split('/');
          if (exchange === '' || symbol === '')
            throw new HistoryUsageError(`--instrument must be <exchange>:<symbol>, got '${instrument}'`);
          store.upsertInstrument({
            id: instrument,
            exchange,
            symbol,
            base,
            quote,
            tickSize: givenTick === undefined ? PROVISIONAL_STEPS.tickSize : Number(givenTick),
            lotSize: givenLot === undefined ? PROVISIONAL_STEPS.lotSize : Number(givenLot),
          });
          inferSteps = givenTick === undefined || givenLot === undefined;
        }
        const format = text(values, 'format');
        const mapping = text(values, 'mapping');
        const tf = timeframe(values);
        const result = await importFile(
          db,
          {
            path: file,
            instrument,
            ...(format === undefined
              ? {}
              : { format: importFormatSchema.parse(format) satisfies ImportFormat }),
            ...(mapping === undefined
              ? {}
              : { mapping: columnMappingSchema.parse(JSON.parse(mapping)) satisfies ColumnMapping }),
            ...(tf === undefined ? {} : { timeframe: tf }),
          },
          (phase, done, total) => {
            show(done, total, IMPORT_PHASES[phase]);
          },
        );
        endProgress();
        if (inferSteps && 'steps' in result && result.steps !== null) {
          const steps = {
            tickSize: givenTick === undefined ? result.steps.tickSize : Number(givenTick),
            lotSize: givenLot === undefined ? result.steps.lotSize : Number(givenLot),
          };
          new InstrumentStepsStore(db).set(instrument, steps);
          process.stdout.write(
            `${instrument}: tick ${steps.tickSize}, lot ${steps.lotSize} (from the file)\n`,
          );
        }
        process.stdout.write(
          `imported ${path.basename(file)} (${result.format}): ${result.inserted} of ${result.rows} ${result.kind} written` +
            (result.from === null || result.to === null
              ? ''
              : `, ${new Date(result.from).toISOString()} .. ${new Date(result.to).toISOString()}`) +
            `, ${result.candles} bars rebuilt\n`,
        );
        return true;
      }
      case 'backfill': {
        const exchangeId = required(values, 'exchange', 'backfill');
        const symbol = required(values, 'symbol', 'backfill');
        const kind = text(values, 'kind') ?? 'trades';
        if (kind !== 'trades' && kind !== 'candles' && kind !== 'funding')
          throw new HistoryUsageError('--kind must be trades, candles or funding');
        const endpoint = text(values, 'endpoint');
        const exchange = createExchange(
          exchangeId,
          endpoint === undefined ? {} : { endpoint: { rest: endpoint } },
        );
        if (kind === 'funding') forFundingHistory(exchange, exchangeId);
        await exchange.loadMarkets();
        const market = marketSummaries(exchange).find((m) => m.symbol === symbol);
        if (market === undefined) throw new HistoryUsageError(`${exchangeId} has no market '${symbol}'`);
        const instrument = instrumentOf(exchangeId, market);
        store.upsertInstrument(instrument);
        if (kind === 'funding') {
          const funding = await runFundingBackfill(
            db,
            {
              fetchFundingRateHistory: (s, since, limit) => exchange.fetchFundingRateHistory(s, since, limit),
            },
            {
              instrument: instrument.id,
              symbol,
              from: time(values, 'from', 'backfill'),
              to: time(values, 'to', 'backfill'),
            },
            (done, total, message) => {
              show(done, total, message);
            },
          );
          endProgress();
          process.stdout.write(
            `backfilled ${funding.rows} funding rates of ${instrument.id} (${funding.inserted} new or changed) in ${funding.pages} pages\n`,
          );
          return true;
        }
        const result = await runBackfill(
          {
            db,
            exchange: {
              fetchTrades: (s, since, limit) => exchange.fetchTrades(s, since, limit),
              fetchOHLCV: (s, tf, since, limit) => exchange.fetchOHLCV(s, tf, since, limit),
            },
            clock: Date.now,
            sleep: abortableSleep,
            random: Math.random,
          },
          {
            instrument: instrument.id,
            symbol,
            kind,
            timeframe: timeframe(values) ?? '1m',
            from: time(values, 'from', 'backfill'),
            to: time(values, 'to', 'backfill'),
          },
          (done, total, message) => {
            show(done, total, message);
          },
        );
        endProgress();
        process.stdout.write(
          `backfilled ${result.rows} ${kind} of ${instrument.id} in ${result.pages} pages (${result.retries} retries${result.resumed ? ', resumed' : ''})\n`,
        );
        return true;
      }
      case 'export': {
        const kind = required(values, 'kind', 'export');
        const format = required(values, 'format', 'export');
        if (kind !== 'trades' && kind !== 'candles')
          throw new HistoryUsageError('--kind must be trades or candles');
        if (format !== 'csv' && format !== 'parquet')
          throw new HistoryUsageError('--format must be csv or parquet');
        const result = await exportRange(
          db,
          {
            instrument: required(values, 'instrument', 'export'),
            from: time(values, 'from', 'export'),
            to: time(values, 'to', 'export'),
            kind,
            timeframe: timeframe(values) ?? '1m',
            format,
            out: required(values, 'out', 'export'),
          },
          (done, total) => {
            show(done, total, `${done.toLocaleString('en')} rows`);
          },
        );
        endProgress();
        process.stdout.write(`exported ${result.rows} ${kind} to ${result.out}\n`);
        return true;
      }
      case 'verify': {
        const check = await verifyCandles(
          db,
          {
            instrument: required(values, 'instrument', 'verify'),
            from: time(values, 'from', 'verify'),
            to: time(values, 'to', 'verify'),
          },
          (done, total) => {
            show(done, total, 'checking candles against trades (days)');
          },
        );
        endProgress();
        process.stdout.write(describeCheck(check));
        return true;
      }
      case 'coverage': {
        const instrument = text(values, 'instrument');
        const iso = (ms: number): string => new Date(ms).toISOString();
        for (const coverage of new CoverageReader(db, new GapLedger(db, Date.now)).read(instrument)) {
          const { counts } = coverage;
          process.stdout.write(
            `${coverage.instrument}: ${counts.trades} trades, ${counts.bookDeltas} book deltas, ${counts.bookSnapshots} snapshots, ` +
              `${
                Object.entries(counts.candles)
                  .map(([tf, n]) => `${n} ${tf}`)
                  .join(' ') || 'no'
              } bars, ${(coverage.bytes / 1e6).toFixed(2)} MB\n`,
          );
          for (const [kind, spans] of Object.entries(coverage.ranges)) {
            for (const span of spans)
              process.stdout.write(`  ${kind.padEnd(8)} ${iso(span.from)} .. ${iso(span.to)}\n`);
          }
          for (const gap of coverage.gaps) {
            process.stdout.write(
              `  gap ${gap.kind.padEnd(8)} ${iso(gap.from)} .. ${iso(gap.to)} ${gap.source}: ${gap.reason}\n`,
            );
          }
        }
        return true;
      }
      default:
        return false;
    }
  } finally {
    db.close();
  }
}

/** A candle check in words: what was repaired per timeframe, and the first bar that differed. */
export function describeCheck(check: CandleCheck): string {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const lines = [
    `checked ${check.days} days of ${check.instrument} (${iso(check.from)} .. ${iso(check.to)}): ${check.bars} bars match the trades` +
      (check.daysWithoutTrades > 0
        ? `, ${check.daysWithoutTrades} days with bars but no trades left as they are`
        : ''),
  ];
  const repaired = Object.entries(check.changed).filter(([, c]) => c.added + c.changed + c.removed > 0);
  if (repaired.length === 0) lines.push('  every bar already matched');
  for (const [timeframe, c] of repaired)
    lines.push(`  ${timeframe.padEnd(4)} ${c.added} added, ${c.changed} changed, ${c.removed} removed`);
  const first = check.firstDifference;
  if (first !== null) {
    const bar = (values: CandleDifference['stored']): string =>
      values === null
        ? 'none'
        : `O ${values.open} H ${values.high} L ${values.low} C ${values.close} V ${values.volume} (${values.trades} trades)`;
    lines.push(
      `  first difference: ${first.timeframe} bar at ${iso(first.openTime)}: stored ${bar(first.stored)}, from trades ${bar(first.rebuilt)}`,
    );
  }
  return lines.join('\n') + '\n';
}
