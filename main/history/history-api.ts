import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CommandHandlers } from '../api/handlers.js';
import type { BookView } from '../../shared/api/schemas.js';
import { ApiError } from '../../shared/api/protocol.js';
import { createExchange, instrumentOf, marketSummaries } from '../exchange/ccxt-exchange.js';
import type { JobBoard } from '../jobs/job-board.js';
import type { SqliteDatabase } from '../storage/database.js';
import { BookHistory } from '../storage/book-history.js';
import { GapLedger } from '../storage/gap-ledger.js';
import type { MarketStore } from '../storage/market-store.js';
import { abortableSleep, runBackfill, type HistoryExchange } from './backfill.js';
import { forFundingHistory, runFundingBackfill } from './funding-backfill.js';
import { MarketContextReader } from './context.js';
import { CoverageReader } from './coverage.js';
import { exportRange } from './export-file.js';
import { ImportError, previewFile } from './file-import.js';
import { InstrumentStepsStore, PROVISIONAL_STEPS } from './instrument-steps.js';
import { BulkStore } from './bulk-store.js';
import { CandleLedger } from './candle-ledger.js';
import { importRequestSchema, type HistoryPhase } from './history-worker-protocol.js';
import { runHistoryWorker, type HistoryWorkerOptions } from './history-worker-runner.js';
import { applyRetention, readRetention, retentionLimits, writeRetention } from './retention.js';

export type HistoryCommandName =
  | 'history.context'
  | 'history.book'
  | 'history.coverage'
  | 'history.retention.get'
  | 'history.retention.set'
  | 'history.retention.apply'
  | 'history.import.preview'
  | 'history.import'
  | 'history.export'
  | 'history.verify'
  | 'history.backfill';

export interface HistoryServiceDeps {
  readonly db: SqliteDatabase;
  readonly store: MarketStore;
  readonly jobs: JobBoard;
  readonly clock: () => number;
  readonly log?: (line: string) => void;
  /** The live book, for a context at 'now'. */
  readonly liveBook?: (instrument: string, depth: number, at: number) => BookView | null;
  /** How often the retention job runs when some kind is not kept forever. Default hourly. */
  readonly retentionEveryMs?: number;
  /** Random source for backoff jitter (injected: nothing in here calls Math.random itself). */
  readonly random: () => number;
  /** The history worker: imports, candle repairs and checks run there, off the main thread. */
  readonly worker: HistoryWorkerOptions;
}

/** Share of an import's bar per phase: checking and writing each read the whole file once. */
// A staged import does nearly all its work while reading; a file that needs the write pass
// reads it twice, so 'writing' keeps a share of the bar.
const IMPORT_BAR: Record<HistoryPhase, [start: number, width: number]> = {
  checking: [0, 70],
  writing: [70, 20],
  candles: [90, 10],
  verifying: [0, 100],
};
const PHASE_WORDS: Record<HistoryPhase, string> = {
  checking: 'reading and checking',
  writing: 'writing',
  candles: 'writing candles',
  verifying: 'checking candles',
};

export interface HistoryService {
  readonly commands: Pick<CommandHandlers, HistoryCommandName>;
  stop(): void;
}

/**
 * History in the App: the data-access API, coverage, retention, imports, exports and
 * backfills. Long work runs as jobs on the App's JobBoard (progress, ETA, cancel).
 *
 * Files are named by a path on the host, not uploaded: the App runs where the data is (the
 * desktop in Electron; the remote box when the headless host is opened in a browser) and
 * dumps of several GB would otherwise cross the WebSocket in both directions.
 */
export function createHistoryService(deps: HistoryServiceDeps): HistoryService {
  const { db, store, jobs, clock } = deps;
  const log = deps.log ?? (() => undefined);
  const context = new MarketContextReader({
    db,
    clock,
    ...(deps.liveBook ? { liveBook: deps.liveBook } : {}),
  });
  const coverage = new CoverageReader(db, new GapLedger(db, clock));
  const books = new BookHistory(db);
  const instrumentSteps = new InstrumentStepsStore(db);

  const known = (instrument: string): void => {
    if (!store.hasInstrument(instrument))
      throw new ApiError('not_found', `unknown instrument '${instrument}'`);
  };
  const existingFile = (file: string): void => {
    if (!existsSync(file)) throw new ApiError('not_found', `no file '${file}' on the host`);
  };

  // An import or a backfill stopped before its candles were rebuilt left days in the ledger.
  if (new CandleLedger(db, new BulkStore(db)).pending().length > 0) {
    jobs.start({ kind: 'repair', title: 'Rebuild candles left by a stopped import', unit: 'days' }, (work) =>
      runHistoryWorker(
        deps.worker,
        { kind: 'repair' },
        (_phase, done, total) => {
          work.progress(done, total, 'rebuilding candles');
        },
        work.signal,
      ),
    );
  }

  let retentionRunning = false;
  const startRetention = () =>
    jobs.start({ kind: 'retention', title: 'Apply retention', unit: 'rows' }, async (job) => {
      retentionRunning = true;
      try {
        return await applyRetention(
          db,
          readRetention(store),
          clock(),
          (deleted) => {
            job.progress(deleted, null, `${deleted} rows deleted`);
          },
          job.signal,
        );
      } finally {
        retentionRunning = false;
      }
    });
  const timer = setInterval(() => {
    if (!retentionRunning && retentionLimits(readRetention(store))) startRetention();
  }, deps.retentionEveryMs ?? 3_600_000);
  timer.unref();

  return {
    commands: {
      'history.context': (request) => {
        known(request.instrument);
        return context.read(request);
      },
      'history.book': ({ instrument, at, seq, depth }) => {
        known(instrument);
        const book = books.bookAt(instrument, at, depth, seq);
        if (book === null) return null;
        const bestBid = book.bids[0]?.[0];
        const bestAsk = book.asks[0]?.[0];
        const both = bestBid !== undefined && bestAsk !== undefined;
        return {
          instrument,
          at,
          seq: book.seq,
          localTs: book.localTs ?? null,
          bids: [...book.bids],
          asks: [...book.asks],
          mid: both ? (bestBid + bestAsk) / 2 : null,
          spread: both ? bestAsk - bestBid : null,
          anchorTs: book.anchorTs,
          messagesApplied: book.messagesApplied,
          messagesAtTs: [...book.messagesAtTs],
        };
      },
      'history.coverage': ({ instrument, gapToleranceMs }) => {
        if (instrument !== undefined) known(instrument);
        return coverage.read(instrument, gapToleranceMs);
      },
      'history.retention.get': () => readRetention(store),
      'history.retention.set': (retention) => writeRetention(store, retention),
      'history.retention.apply': () => startRetention().job,
      'history.import.preview': async ({ path: file, rows }) => {
        existingFile(file);
        try {
          return await previewFile(file, rows);
        } catch (error) {
          if (error instanceof ImportError) throw new ApiError('bad_request', error.message);
          throw error;
        }
      },
      'history.import': (request) => {
        // Steps the user left out of `create` are taken from the file once it has been read.
        let inferSteps = false;
        // A missing file is refused before an instrument is created for it.
        existingFile(request.path);
        let creates = false;
        if (!store.hasInstrument(request.instrument) && request.create !== undefined) {
          creates = true;
          // A dump for a market the workspace never saw: the id names it, the user gives its steps.
          const at = request.instrument.indexOf(':');
          if (at <= 0 || at === request.instrument.length - 1) {
            throw new ApiError(
              'bad_request',
              `an instrument id is <exchange>:<symbol>, got '${request.instrument}'`,
            );
          }
          const exchange = request.instrument.slice(0, at);
          const symbol = request.instrument.slice(at + 1);
          const [base = symbol, quote = '?'] = symbol.split('/');
          const { tickSize, lotSize } = request.create;
          inferSteps = tickSize === undefined || lotSize === undefined;
          store.upsertInstrument({
            id: request.instrument,
            exchange,
            symbol,
            base,
            quote,
            tickSize: tickSize ?? PROVISIONAL_STEPS.tickSize,
            lotSize: lotSize ?? PROVISIONAL_STEPS.lotSize,
          });
        }
        known(request.instrument);
        const { job } = jobs.start(
          {
            kind: 'import',
            title: `Import ${path.basename(request.path)} into ${request.instrument}`,
            unit: '%',
            total: 100,
          },
          async (work) => {
            const result = await runHistoryWorker(
              deps.worker,
              { kind: 'import', request: importRequestSchema.parse(request) },
              (phase, done, total) => {
                const [start, width] = IMPORT_BAR[phase];
                work.progress(start + (width * done) / Math.max(1, total), 100, PHASE_WORDS[phase]);
              },
              work.signal,
            ).catch((error: unknown) => {
              // A refused (or cancelled) import into a new instrument leaves no empty one in the pickers.
              if (creates && store.removeEmptyInstrument(request.instrument))
                log(`import: ${request.instrument} removed: its import wrote nothing`);
              throw error;
            });
            log(`import: ${result.file}: ${result.inserted} of ${result.rows} ${result.kind} written`);
            if (inferSteps && 'steps' in result && result.steps !== null) {
              const steps = {
                tickSize: request.create?.tickSize ?? result.steps.tickSize,
                lotSize: request.create?.lotSize ?? result.steps.lotSize,
              };
              instrumentSteps.set(request.instrument, steps);
              log(
                `import: ${request.instrument}: tick ${steps.tickSize}, lot ${steps.lotSize} from the file`,
              );
            }
            return result;
          },
        );
        return job;
      },
      'history.verify': (request) => {
        known(request.instrument);
        if (request.to < request.from) throw new ApiError('bad_request', 'verify needs from <= to');
        const { job } = jobs.start(
          { kind: 'verify', title: `Check the candles of ${request.instrument}`, unit: 'days' },
          (work) =>
            runHistoryWorker(
              deps.worker,
              { kind: 'verify', ...request },
              (_phase, done, total) => {
                work.progress(done, total, 'checking candles against trades');
              },
              work.signal,
            ),
        );
        return job;
      },
      'history.export': (request) => {
        known(request.instrument);
        const { job } = jobs.start(
          {
            kind: 'export',
            title: `Export ${request.kind} of ${request.instrument} to ${path.basename(request.out)}`,
            unit: 'rows',
          },
          (work) =>
            exportRange(
              db,
              request,
              (done, total) => {
                work.progress(done, total);
              },
              work.signal,
            ),
        );
        return job;
      },
      'history.backfill': (request) => {
        const { job } = jobs.start(
          {
            kind: 'backfill',
            title: `Backfill ${request.kind} ${request.exchange} ${request.symbol}`,
            unit: 'ms',
            total: Math.max(1, request.to - request.from),
          },
          async (work) => {
            const exchange = createExchange(
              request.exchange,
              request.endpoint === undefined ? {} : { endpoint: { rest: request.endpoint } },
            );
            if (request.kind === 'funding') forFundingHistory(exchange, request.exchange);
            await exchange.loadMarkets();
            const market = marketSummaries(exchange).find((m) => m.symbol === request.symbol);
            if (market === undefined)
              throw new Error(`${request.exchange} has no market '${request.symbol}'`);
            const instrument = instrumentOf(request.exchange, market);
            store.upsertInstrument(instrument);
            if (request.kind === 'funding')
              return runFundingBackfill(
                db,
                {
                  fetchFundingRateHistory: (symbol, since, limit) =>
                    exchange.fetchFundingRateHistory(symbol, since, limit),
                },
                { instrument: instrument.id, symbol: request.symbol, from: request.from, to: request.to },
                (done, total, message) => {
                  work.progress(done, total, message);
                },
                work.signal,
              );
            const history: HistoryExchange = {
              fetchTrades: (symbol, since, limit) => exchange.fetchTrades(symbol, since, limit),
              fetchOHLCV: (symbol, timeframe, since, limit) =>
                exchange.fetchOHLCV(symbol, timeframe, since, limit),
            };
            return runBackfill(
              { db, exchange: history, clock, sleep: abortableSleep, random: deps.random },
              {
                instrument: instrument.id,
                symbol: request.symbol,
                kind: request.kind,
                timeframe: request.timeframe,
                from: request.from,
                to: request.to,
              },
              (done, total, message) => {
                work.progress(done, total, message);
              },
              work.signal,
            );
          },
        );
        return job;
      },
    },
    stop() {
      clearInterval(timer);
    },
  };
}
