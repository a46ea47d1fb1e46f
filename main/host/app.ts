import { statSync } from 'node:fs';
import path from 'node:path';
import type { AppInfo, BookView, Status } from '../../shared/api/schemas.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { Trade } from '../../shared/domain/market.js';
import { SAMPLING_MS } from '../../shared/features/feature-set.js';
import type { BookFeatures, Signal } from '../../shared/domain/signal.js';
import { ApiError } from '../../shared/api/protocol.js';
import { chartStudiesSchema, type ChartStudies } from '../../shared/api/domains/markets.js';
import { annotationHandlers } from '../annotations/annotation-api.js';
import { backtestHandlers } from '../backtests/backtest-api.js';
import { applyPendingRestore, createBackupService } from '../backup/backup-service.js';
import { holdWorkspace } from '../backup/workspace-backup.js';
import { createExchangeService, KEY_FILE, type ExchangeService } from '../exchange/exchange-service.js';
import { PassphraseSecretStore, type SecretStore } from '../exchange/secret-store.js';
import { createFeatureService } from '../features/feature-service.js';
import { createHistoryService } from '../history/history-api.js';
import { InstrumentStepsStore } from '../history/instrument-steps.js';
import { createStorageService } from '../history/storage-api.js';
import { jobHandlers } from '../jobs/job-api.js';
import { JobBoard } from '../jobs/job-board.js';
import { Redactor } from '../logging/redaction.js';
import { rememberedSecrets } from '../logging/remembered-secrets.js';
import { DemoMarketSource, type MarketSource } from '../market/demo-source.js';
import { modelService, type ModelService } from '../models/model-api.js';
import { createLiveModels } from '../models/live/live-models.js';
import { retrainer } from '../models/live/retrain.js';
import { workspaceFeatureSets } from '../models/live/workspace-sets.js';
import { openDatabase } from '../storage/database.js';
import { describeTightened, tightenWorkspace } from '../storage/owner-only.js';
import { MarketStore } from '../storage/market-store.js';
import { Recorder } from '../storage/recorder.js';
import { StrategyLibrary, strategiesFolder } from '../strategies/strategy-library.js';
import { createTradingService } from '../trading/trading-service.js';
import { FeatureWorker } from '../workers/feature-worker.js';
import type { ApiHandlers } from '../api/handlers.js';
import { Fanout, KeyedFanout } from '../api/fanout.js';
import { LivePipeline, type PipelineOutput } from './live-pipeline.js';

export const APP_NAME = 'Trading Workstation';

export interface AppOptions {
  readonly dataDir: string;
  readonly version: string;
  readonly transport: AppInfo['transport'];
  /** The built feature worker script (dist/worker/features.js). */
  readonly workerEntry: URL;
  readonly clock?: () => number;
  /** Overrides for the demo market (seed, planted beta, ...). */
  readonly demo?: ConstructorParameters<typeof DemoMarketSource>[0]['market'];
  /** better-sqlite3 built for Electron's ABI; Node uses the build in node_modules. */
  readonly nativeBinding?: string;
  readonly log?: (line: string) => void;
  /** Where exchange API keys are kept (Electron: safeStorage); default a passphrase file. */
  readonly secrets?: SecretStore;
}

/** Publication cadences: the host throttles topics so no view has to. */
const BOOK_FRAME_MS = 1000 / 30;
// Commits every 25 ms keep event-to-commit p99 under 50 ms (tests/bench/record.ts); trades are
// still published at most 10 times a second (TRADES_MS), as the trades topic promises.
const FLUSH_MS = 25;
const TRADES_MS = 100;
const SLOW_TOPIC_MS = 250;
const STATUS_MS = 1000;
/** An instrument's chart before its trader chose anything: volume under the price. */
const DEFAULT_CHART_STUDIES: ChartStudies = { overlays: [], panes: ['volume'] };
/** The settings key of one instrument's chart studies. */
const chartStudiesKey = (instrument: string): string => `markets.chart:${instrument}`;

export interface App extends ApiHandlers {
  readonly info: AppInfo;
  readonly pipeline: LivePipeline;
  readonly store: MarketStore;
  /** Long-running work (imports, backfills, matrices) with progress and cancel. */
  readonly jobs: JobBoard;
  /** Live exchange connections (ccxt), the gap ledger and the API key store. */
  readonly exchanges: ExchangeService;
  /** Training, search and the model registry (models.*). */
  readonly models: ModelService;
  /** The App's log: every line already scrubbed of keys, secrets and signatures. */
  readonly log: (line: string) => void;
  /** Scrubs credentials from text that leaves the App (errors sent to a client). */
  readonly redact: (text: string) => string;
  stop(): Promise<void>;
}

/**
 * Builds the running App: storage, the market source, the live pipeline and its feature
 * worker, and the handlers behind the API contract. Knows nothing of Electron, so the window
 * and the headless host run the very same App.
 */
export function createApp(options: AppOptions): App {
  const clock = options.clock ?? Date.now;
  // Every line of the App's log passes the redactor, so no caller (nor a ccxt error message
  // quoting a signed URL) can write a key, secret, passphrase or signature.
  const redactor = new Redactor();
  const log = redactor.logger(options.log ?? (() => undefined));
  const passphrase = process.env.WORKSTATION_PASSPHRASE;
  redactor.remember(passphrase);
  const secrets = rememberedSecrets(
    options.secrets ?? new PassphraseSecretStore(path.join(options.dataDir, KEY_FILE), passphrase),
    redactor,
  );
  const databaseFile = path.join(options.dataDir, 'workspace.sqlite');
  // A workspace made by an older build, or copied in, may be readable by other users.
  const tightened = tightenWorkspace(options.dataDir);
  if (tightened.length > 0) log(describeTightened(tightened, options.dataDir));
  // A restore staged from Settings replaces the database before anything opens it.
  const restore = applyPendingRestore(options.dataDir, clock());
  if (restore !== null) log(restore.message);
  const releaseWorkspace = holdWorkspace(options.dataDir);
  const db = openDatabase(
    databaseFile,
    options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding },
  );
  const store = new MarketStore(db);
  const recorder = new Recorder(store);
  const jobs = new JobBoard(db, { clock });
  const jobApi = jobHandlers(jobs);
  const backups = createBackupService({
    db,
    dataDir: options.dataDir,
    jobs,
    settings: {
      get: (key) => store.getSetting(key),
      set: (key, value) => {
        store.setSetting(key, value);
      },
    },
    clock,
    log,
  });

  const source: MarketSource = new DemoMarketSource({
    clock,
    ...(options.demo ? { market: options.demo } : {}),
  });
  for (const instrument of source.instruments) store.upsertInstrument(instrument);
  // The demo market keeps a bounded window while it records; the disk is watched for all.
  const storage = createStorageService({
    db,
    store,
    demoInstrument: source.instruments[0]?.id ?? '',
    dataDir: options.dataDir,
    clock,
    log,
  });
  const exchanges = createExchangeService({
    db,
    store,
    dataDir: options.dataDir,
    deliver: (events) => pipeline.ingest(events),
    clock,
    log,
    secrets,
  });

  let featureError: string | null = null;
  let storageError: string | null = null;
  const worker = new FeatureWorker(options.workerEntry, {
    onProcessed: (_events, features, signals) => {
      pipeline.onFeatures(features, signals);
    },
    onError: (message) => {
      featureError = message;
      log(message);
    },
  });
  // The feature worker and the paper brokers both see every validated event, in exchange time.
  const pipeline = new LivePipeline({
    recorder,
    features: {
      send: (events) => {
        worker.send(events);
        trading.onMarketEvents(events);
      },
    },
    clock,
  });
  const features = createFeatureService({
    db,
    databaseFile,
    jobs,
    worker,
    clock,
    log,
    // Built beside the feature worker: dist/worker/features.js -> dist/main/features/matrix-worker.js.
    matrixWorkerEntry: new URL('../main/features/matrix-worker.js', options.workerEntry),
    ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
    knownInstrument: (id) => {
      knownInstrument(id);
    },
  });
  const models = modelService({
    db,
    jobs,
    clock,
    log,
    features: features.store,
    market: store,
    databaseFile,
    ...(options.nativeBinding === undefined ? {} : { nativeBinding: options.nativeBinding }),
    // Built beside the feature worker (main/scripts/build.mjs).
    trainingWorkerEntry: new URL('./training.js', options.workerEntry),
    matrixWorkerEntry: new URL('../main/features/matrix-worker.js', options.workerEntry),
    exportsDir: path.join(options.dataDir, 'exports'),
  });
  const live = createLiveModels({
    worker,
    registry: models.registry,
    featureSets: workspaceFeatureSets(features.store, store),
    settings: {
      get: (key) => store.getSetting(key),
      set: (key, value) => {
        store.setSetting(key, value);
      },
    },
    log,
    retrain: retrainer(models.registry, (request) => models.commands['models.train'](request), clock),
  });
  const history = createHistoryService({
    db,
    store,
    jobs,
    clock,
    log,
    random: Math.random,
    liveBook: (id, depth, at) => pipeline.bookView(id, depth, at),
    worker: {
      // Built beside the feature worker: dist/worker/features.js -> dist/main/history/history-worker.js.
      entry: new URL('../main/history/history-worker.js', options.workerEntry),
      databaseFile,
      nativeBinding: options.nativeBinding,
    },
  });

  const strategies = new StrategyLibrary(strategiesFolder(options.dataDir));
  const trading = createTradingService({
    db,
    strategies,
    settings: {
      get: (key) => store.getSetting(key),
      set: (key, value) => {
        store.setSetting(key, value);
      },
    },
    clock,
    log,
    mid: (instrument) => pipeline.validator.bookOf(instrument)?.mid() ?? null,
    book: (instrument) => {
      const book = pipeline.validator.bookOf(instrument);
      if (book === null) return null;
      const { bids, asks } = book.top(Math.max(book.depth('bid'), book.depth('ask')));
      return { bids, asks, mid: book.mid() };
    },
    candles: (instrument, timeframe, limit) => store.candles(instrument, timeframe, limit),
    orderBook: (instrument) => pipeline.validator.bookOf(instrument),
    knownInstrument: (id) => {
      knownInstrument(id);
    },
    connections: () => exchanges.hub.configs(),
    connected: (exchange) => exchanges.status().some((s) => s.exchange === exchange && s.state === 'live'),
    secrets: exchanges.secrets,
    keyChanges: (listener) => exchanges.secrets.onChange(listener),
    exportsDir: path.join(options.dataDir, 'exports'),
    models: {
      info: (id) => models.registry.info(id),
      rowMs: (id) => {
        const model = models.registry.info(id);
        const stored = model === null ? null : features.store.getSet(model.featureSetId);
        if (stored === null) return null;
        const sampling = stored.set.sampling;
        return sampling === 'event' ? 0 : SAMPLING_MS[sampling];
      },
      isRunning: (id) => live.isRunning(id),
      startLive: async (id) => {
        // As primary, or beside the primary already running on the instrument as its shadow.
        const instrument = models.registry.info(id)?.instrument;
        const running = await live.commands['models.live.list']({});
        const taken = running.some((m) => m.instrument === instrument && m.role === 'primary');
        await live.commands['models.live.start']({ id, role: taken ? 'shadow' : 'primary' });
      },
      subscribe: (listener) => live.subscribe(listener),
    },
  });

  // The paper strategy resumes once the live models are back (the ML-signal one trades one).
  void live.restore().then(() => trading.resume());

  const info: AppInfo = {
    name: APP_NAME,
    version: options.version,
    dataDir: options.dataDir,
    transport: options.transport,
    source: source.name,
    startedAt: clock(),
  };

  // Streams, keyed by instrument (and timeframe for candles).
  const bookSubscribers = new Set<{
    instrument: string;
    depth: number;
    version: number;
    emit: (v: BookView) => void;
  }>();
  const tradeStreams = new KeyedFanout<Trade[]>();
  const candleStreams = new KeyedFanout<Candle[]>();
  const signalStreams = new KeyedFanout<Signal>();
  const featureStreams = new KeyedFanout<BookFeatures>();
  const statusStream = new Fanout<Status>();

  let connection: Status['connection'] = 'starting';
  let eventsPerSecond = 0;
  let lastEventCount = 0;
  let pendingCandles = new Map<string, Candle>();
  let pendingTrades = new Map<string, Trade[]>();

  const status = (): Status => ({
    source: source.name,
    connection,
    eventsPerSecond,
    eventsTotal: pipeline.eventsTotal,
    recordedTrades: recorder.recordedTrades,
    rejected: { ...pipeline.validator.rejected(), ...exchanges.rejectedCounts() },
    dataDir: options.dataDir,
    databaseBytes: databaseBytes(databaseFile),
    problems: [
      ...(featureError === null ? [] : [`features: ${featureError}`]),
      ...features.problems().map((problem) => `features: ${problem}`),
      ...live.problems().map((problem) => `models: ${problem}`),
      ...trading.problems().map((problem) => `trading: ${problem}`),
      ...(storageError === null ? [] : [`storage: ${storageError}`]),
      ...(restore === null || restore.restored ? [] : [restore.message]),
    ],
    connections: exchanges.status(),
    disk: storage.disk(),
  });

  const timers = [
    setInterval(() => {
      const now = clock();
      for (const subscriber of bookSubscribers) {
        const version = pipeline.bookVersion(subscriber.instrument);
        if (version === subscriber.version) continue;
        subscriber.version = version;
        subscriber.emit(pipeline.bookView(subscriber.instrument, subscriber.depth, now));
      }
    }, BOOK_FRAME_MS),
    setInterval(() => {
      let output: PipelineOutput;
      try {
        output = pipeline.flush();
      } catch (error) {
        // The recorder keeps the batch and the next tick retries; say so once per failure.
        storageError = error instanceof Error ? error.message : String(error);
        log(`recorder: flush failed, will retry: ${storageError}`);
        return;
      }
      storageError = null;
      for (const [instrument, trades] of output.trades) {
        const batch = pendingTrades.get(instrument);
        if (batch === undefined) pendingTrades.set(instrument, trades);
        else batch.push(...trades);
      }
      for (const candle of output.candles) {
        pendingCandles.set(`${candle.instrument}|${candle.timeframe}|${candle.openTime}`, candle);
      }
      for (const signal of pipeline.takeSignals()) signalStreams.emit(signal.instrument, signal);
    }, FLUSH_MS),
    setInterval(() => {
      const batches = pendingTrades;
      pendingTrades = new Map();
      for (const [instrument, trades] of batches) tradeStreams.emit(instrument, trades);
    }, TRADES_MS),
    setInterval(() => {
      const byStream = new Map<string, Candle[]>();
      for (const candle of pendingCandles.values()) {
        const key = `${candle.instrument}|${candle.timeframe}`;
        const list = byStream.get(key);
        if (list === undefined) byStream.set(key, [candle]);
        else list.push(candle);
      }
      pendingCandles = new Map();
      for (const [key, candles] of byStream) {
        candles.sort((a, b) => a.openTime - b.openTime);
        candleStreams.emit(key, candles);
      }
      for (const instrument of [...source.instruments, ...exchanges.instruments()]) {
        const features = pipeline.features(instrument.id);
        if (features !== null) featureStreams.emit(instrument.id, features);
      }
    }, SLOW_TOPIC_MS),
    setInterval(() => {
      eventsPerSecond = ((pipeline.eventsTotal - lastEventCount) * 1000) / STATUS_MS;
      lastEventCount = pipeline.eventsTotal;
      statusStream.emit(status());
    }, STATUS_MS),
  ];

  source.start((events) => {
    connection = 'live';
    pipeline.ingest(events);
  });
  exchanges.restore();

  const knownInstrument = (instrument: string): void => {
    if (
      !source.instruments.some((i) => i.id === instrument) &&
      !store.listInstruments().some((i) => i.id === instrument)
    ) {
      throw new ApiError('not_found', `unknown instrument '${instrument}'`);
    }
  };

  const instrumentSteps = new InstrumentStepsStore(db);
  let stopped: Promise<void> | null = null;

  return {
    info,
    pipeline,
    store,
    jobs,
    exchanges,
    models,
    log,
    redact: (text) => redactor.redact(text),
    commands: {
      ...jobApi.commands,
      ...exchanges.commands,
      ...history.commands,
      ...features.commands,
      ...models.commands,
      ...live.commands,
      ...trading.commands,
      ...backups.commands,
      ...storage.commands,
      ...annotationHandlers({ db, clock, liveBook: (id, depth, at) => pipeline.bookView(id, depth, at) }),
      'models.delete': (request) => {
        live.stopModel(request.id);
        return models.commands['models.delete'](request);
      },
      ...backtestHandlers({
        db,
        jobs,
        clock,
        databaseFile,
        featureWorkerEntry: options.workerEntry,
        nativeBinding: options.nativeBinding,
        strategies,
      }),
      'strategies.list': () => strategies.list(),
      'app.info': () => info,
      'app.status': () => status(),
      'markets.list': () => store.listInstruments(),
      'markets.instrument.steps': ({ instrument, tickSize, lotSize }) => {
        const changed = instrumentSteps.set(instrument, { tickSize, lotSize });
        if (changed === null) throw new ApiError('not_found', `unknown instrument '${instrument}'`);
        return changed;
      },
      'markets.book': ({ instrument, depth }) => {
        knownInstrument(instrument);
        return pipeline.bookView(instrument, depth, clock());
      },
      'markets.trades': ({ instrument, limit }) => {
        knownInstrument(instrument);
        return store.recentTrades(instrument, limit);
      },
      'markets.candles': ({ instrument, timeframe, limit, to }) => {
        knownInstrument(instrument);
        return store.candles(instrument, timeframe, limit, to);
      },
      'markets.chart.get': ({ instrument }) => {
        knownInstrument(instrument);
        return store.getSetting(chartStudiesKey(instrument), chartStudiesSchema) ?? DEFAULT_CHART_STUDIES;
      },
      'markets.chart.set': ({ instrument, studies }) => {
        knownInstrument(instrument);
        store.setSetting(chartStudiesKey(instrument), studies);
        return studies;
      },
      'signals.recent': ({ instrument, limit }) => {
        knownInstrument(instrument);
        return store.recentSignals(instrument, limit);
      },
    },
    topics: {
      ...jobApi.topics,
      ...features.topics,
      ...models.topics,
      ...live.topics,
      ...trading.topics,
      book: ({ instrument, depth }, emit) => {
        knownInstrument(instrument);
        const subscriber = { instrument, depth, version: -1, emit };
        bookSubscribers.add(subscriber);
        return () => bookSubscribers.delete(subscriber);
      },
      trades: ({ instrument }, emit) => {
        knownInstrument(instrument);
        return tradeStreams.add(instrument, emit);
      },
      candles: ({ instrument, timeframe }, emit) => {
        knownInstrument(instrument);
        return candleStreams.add(`${instrument}|${timeframe}`, emit);
      },
      signals: ({ instrument }, emit) => {
        knownInstrument(instrument);
        return signalStreams.add(instrument, emit);
      },
      features: ({ instrument }, emit) => {
        knownInstrument(instrument);
        return featureStreams.add(instrument, emit);
      },
      status: (_params, emit) => {
        emit(status());
        return statusStream.add(emit);
      },
    },
    stop() {
      stopped ??= (async () => {
        source.stop();
        backups.stop();
        storage.stop();
        jobs.cancelAll();
        history.stop();
        live.stop();
        trading.stop();
        features.stop();
        await exchanges.stop();
        connection = 'stopped';
        for (const timer of timers) clearInterval(timer);
        await worker.stop();
        pipeline.flush();
        db.close();
        releaseWorkspace();
      })();
      return stopped;
    },
  };
}

function databaseBytes(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(file + suffix).size;
    } catch {
      // A missing WAL file just means nothing is waiting to be checkpointed.
    }
  }
  return total;
}
