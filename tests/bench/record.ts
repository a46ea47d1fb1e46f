import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BulkStore } from '../../main/history/bulk-store.js';
import { importFile } from '../../main/history/import-file.js';
import { TradeColumns } from '../../main/history/trade-batch.js';
import { serveConnection } from '../../main/host/api-server.js';
import { createApp } from '../../main/host/app.js';
import { LivePipeline } from '../../main/host/live-pipeline.js';
import { createMemoryPair } from '../../main/host/memory-transport.js';
import { BookHistory } from '../../main/storage/book-history.js';
import { openDatabase, type SqliteDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { Recorder } from '../../main/storage/recorder.js';
import { createApiClient } from '../../shared/api/client.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { createRng } from '../../shared/market/rng.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import { writeBinanceTradesDump } from '../fixtures/trade-dumps.js';
import { median, type Benchmark, type Figure } from './report.js';

const START = Date.UTC(2026, 0, 5);
const DAY = 86_400_000;
/** Commit cadence of the record path under test: the App's recorder timer (main/host/app.ts). */
const FLUSH_MS = 25;
const INSTRUMENT = {
  id: 'bench:BTC/USDT',
  exchange: 'bench',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: 0.01,
  lotSize: 0.00001,
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A fresh workspace file, as the App opens it. */
function workspace(): { db: SqliteDatabase; store: MarketStore; close(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-bench-record-'));
  const db = openDatabase(path.join(dir, 'workspace.sqlite'));
  const store = new MarketStore(db);
  store.upsertInstrument(INSTRUMENT);
  return {
    db,
    store,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** n trades like a busy exchange's: several per ms, prices on the tick grid, Binance-sized ids. */
function syntheticTrades(n: number): TradeColumns {
  const random = createRng(42);
  const rows = new TradeColumns();
  let price = 60_000;
  for (let i = 0; i < n; i++) {
    price = Math.max(1, Math.round((price + (random.next() - 0.5) * 2) * 100) / 100);
    const id = 3_000_000_000 + i;
    rows.push(
      START + Math.floor(i / 4),
      id,
      String(id),
      price,
      Math.round(random.next() * 100_000 + 1) / 100_000,
      random.next() < 0.5 ? 1 : -1,
    );
  }
  return rows;
}

/** Bytes of a table and its indexes on disk, from dbstat. */
function tableBytes(db: SqliteDatabase, table: string): number {
  return (
    db
      .prepare<[string], number>(
        `SELECT sum(d.pgsize) FROM dbstat AS d JOIN sqlite_schema AS m ON m.name = d.name WHERE m.tbl_name = ?`,
      )
      .pluck()
      .get(table) ?? 0
  );
}

function bulkImport(rows: TradeColumns): { perSecond: number; bytesPerTrade: number } {
  const ws = workspace();
  try {
    // The bulk connection's own settings: a large page cache for the b-tree being built.
    ws.db.pragma('cache_size = -262144');
    const bulk = new BulkStore(ws.db);
    const began = nowMs();
    ws.db.transaction(() => bulk.insertTrades(INSTRUMENT.id, rows)).immediate();
    const seconds = (nowMs() - began) / 1000;
    ws.db.pragma('wal_checkpoint(TRUNCATE)');
    return { perSecond: rows.length / seconds, bytesPerTrade: tableBytes(ws.db, 'trades') / rows.length };
  } finally {
    ws.close();
  }
}

/**
 * The whole import path on a Binance trades CSV: stream, parse and check every row, write in
 * chunks, rebuild the candles of every timeframe. Slower than the bare write: it is the figure
 * a user waits for.
 */
async function importCsv(rows: TradeColumns): Promise<number> {
  const ws = workspace();
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-bench-csv-'));
  try {
    const lines: string[] = [];
    for (let i = 0; i < rows.length; i++) {
      lines.push(
        `${rows.seq[i]},${rows.price[i]},${rows.amount[i]},0,${rows.ts[i]},${rows.side[i] === -1},true`,
      );
    }
    const file = path.join(dir, 'BTCUSDT-trades-2026-01-05.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const began = nowMs();
    const result = await importFile(ws.db, { path: file, instrument: INSTRUMENT.id });
    if (result.inserted !== rows.length) throw new Error(`imported ${result.inserted} of ${rows.length}`);
    return rows.length / ((nowMs() - began) / 1000);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference: one prepared single-row INSERT per trade, same schema, one transaction. */
function plainInsert(rows: TradeColumns): number {
  const ws = workspace();
  try {
    const insert = ws.db.prepare(
      'INSERT INTO trades (instrument, ts, seq, trade_id, price, amount, side) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const began = nowMs();
    ws.db
      .transaction(() => {
        for (let i = 0; i < rows.length; i++) {
          insert.run(1, rows.ts[i], rows.seq[i], rows.id[i], rows.price[i], rows.amount[i], rows.side[i]);
        }
      })
      .immediate();
    return rows.length / ((nowMs() - began) / 1000);
  } finally {
    ws.close();
  }
}

/** Demo-market events for `minutes` of market time, generated before timing. */
function demoEvents(minutes: number, seed: number): { events: MarketEvent[]; market: DemoMarket } {
  const market = new DemoMarket({ seed, startTs: START, instrument: { symbol: 'BTC/USDT' } });
  const events: MarketEvent[] = [];
  for (let ts = START + 100; ts <= START + minutes * 60_000; ts += 100) market.advanceTo(ts, events);
  return { events, market };
}

/**
 * The live record path: validation -> recorder (trades, book deltas, anchors, candles) with a
 * flush every `flushMs` of wall time, as the host's timer does. Unpaced it measures the most
 * the path sustains; paced (events/s) it measures each event's latency from its hand-over to
 * the commit that made it durable, at that rate.
 */
function stream(
  events: readonly MarketEvent[],
  market: DemoMarket,
  flushMs: number,
  pace: number | null,
  snapshotIntervalMs = 10_000,
) {
  const ws = workspace();
  ws.store.upsertInstrument(market.instrument);
  const recorder = new Recorder(ws.store);
  let marketTime = START;
  const pipeline = new LivePipeline({
    recorder,
    features: { send: () => undefined },
    clock: () => marketTime,
    snapshotIntervalMs,
  });
  const latencies: number[] = [];
  const BATCH = 500;
  let pending: { at: number; count: number }[] = [];
  let lastFlush = nowMs();
  const began = nowMs();
  for (let i = 0; i < events.length; i += BATCH) {
    // Paced: hold each batch until its time at the target rate (a busy wait: no timer is that fine).
    if (pace !== null) while (nowMs() - began < (i / pace) * 1000);
    const batch = events.slice(i, i + BATCH);
    marketTime = batch[batch.length - 1]?.ts ?? marketTime;
    pending.push({ at: nowMs(), count: batch.length });
    pipeline.ingest(batch);
    const now = nowMs();
    if (now - lastFlush >= flushMs) {
      pipeline.flush();
      const committed = nowMs();
      for (const { at, count } of pending) for (let k = 0; k < count; k += 50) latencies.push(committed - at);
      pending = [];
      lastFlush = committed;
    }
  }
  pipeline.flush();
  const committed = nowMs();
  for (const { at, count } of pending) for (let k = 0; k < count; k += 50) latencies.push(committed - at);
  const seconds = (committed - began) / 1000;
  ws.db.pragma('wal_checkpoint(TRUNCATE)');
  const deltas = recorder.stats.recordedBookDeltas;
  const bookBytes = tableBytes(ws.db, 'book_deltas') + tableBytes(ws.db, 'book_snapshots');
  return {
    ws,
    perSecond: events.length / seconds,
    p99: percentile(latencies, 0.99),
    bytesPerBookEvent: bookBytes / Math.max(1, deltas),
    market,
  };
}

/** p99 of bookAt at random T over the recorded span. */
function queryBookAt(db: SqliteDatabase, instrument: string, from: number, to: number): number {
  const history = new BookHistory(db);
  const random = createRng(7);
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const at = from + Math.floor(random.next() * (to - from));
    const began = nowMs();
    const book = history.bookAt(instrument, at, 50);
    times.push(nowMs() - began);
    if (book === null) throw new Error(`no book at ${at}`);
  }
  return percentile(times, 0.99);
}

/** p99 of reading one day of 1m candles out of 30 days stored. */
function queryDay1m(): number {
  const ws = workspace();
  try {
    const candles = [];
    for (let t = START; t < START + 30 * DAY; t += 60_000) {
      candles.push({
        instrument: INSTRUMENT.id,
        timeframe: '1m' as const,
        openTime: t,
        open: 1,
        high: 2,
        low: 0.5,
        close: 1.5,
        volume: 3,
        quoteVolume: 4,
        trades: 5,
      });
    }
    ws.store.upsertCandles(candles);
    const random = createRng(3);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const day = START + Math.floor(random.next() * 29) * DAY + DAY;
      const began = nowMs();
      const bars = ws.store.candles(INSTRUMENT.id, '1m', 1440, day - 60_000);
      times.push(nowMs() - began);
      if (bars.length !== 1440) throw new Error(`expected 1440 bars, got ${bars.length}`);
    }
    return percentile(times, 0.99);
  } finally {
    ws.close();
  }
}

/**
 * API round trips (a command over the in-memory transport, parsed on both ends) while the
 * App records a 100k events/s stream fed into its pipeline in 10 ms slices on the same thread.
 */
async function apiWhileRecording(
  root: string,
  events: readonly MarketEvent[],
  market: DemoMarket,
): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-bench-api-'));
  const app = createApp({
    dataDir,
    version: 'bench',
    transport: 'memory',
    workerEntry: pathToFileURL(path.join(root, 'dist/worker/features.js')),
  });
  app.store.upsertInstrument(market.instrument);
  const pair = createMemoryPair();
  serveConnection(app, pair.host);
  const client = createApiClient(pair.client);
  const times: number[] = [];
  let fed = 0;
  const SLICE = 1000; // 1000 events per 10 ms = 100k events/s
  const feeding = (async () => {
    while (fed < events.length) {
      const began = nowMs();
      app.pipeline.ingest(events.slice(fed, fed + SLICE));
      fed += SLICE;
      const wait = Math.max(0, 10 - (nowMs() - began));
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  while (fed < events.length) {
    const began = nowMs();
    await client.call('markets.trades', { instrument: market.instrument.id, limit: 100 });
    times.push(nowMs() - began);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await feeding;
  pair.close('done');
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return percentile(times, 0.99);
}

/** Rows of the plain CSV whose import is timed (issue #12). */
const FILE_IMPORT_ROWS = 10_000_000;
/** Rows of the zipped dump whose import's peak RSS is measured (a busy month of a major pair). */
const ZIP_IMPORT_ROWS = 40_000_000;
/** Rows of the file imported through the App's API while round trips are timed. */
const API_IMPORT_ROWS = 2_000_000;

/** The whole streamed import of a 10M-row plain CSV, in process: rows and candles committed per second. */
async function importLargeCsv(dir: string): Promise<number> {
  const file = path.join(dir, 'BENCHUSDT-trades-2026-01.csv');
  // 60 ms apart: 10M trades over about a week, so the candle rebuild covers 7 days.
  await writeBinanceTradesDump(file, FILE_IMPORT_ROWS, { startTs: START, spacingMs: 60 });
  const ws = workspace();
  try {
    const began = nowMs();
    const result = await importFile(ws.db, { path: file, instrument: INSTRUMENT.id });
    const seconds = (nowMs() - began) / 1000;
    if (result.inserted !== FILE_IMPORT_ROWS) throw new Error(`imported ${result.inserted} rows`);
    return FILE_IMPORT_ROWS / seconds;
  } finally {
    ws.close();
    rmSync(file, { force: true });
  }
}

/** Peak resident memory of the CLI importing a 40M-row zipped dump (polled from /proc). */
async function importZipPeakRss(root: string, dir: string): Promise<{ peakMb: number; perSecond: number }> {
  const file = path.join(dir, 'BENCHUSDT-trades-2026-02.zip');
  await writeBinanceTradesDump(file, ZIP_IMPORT_ROWS, { startTs: START, spacingMs: 65 });
  const dataDir = path.join(dir, 'cli-workspace');
  try {
    const began = nowMs();
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'dist/main/cli.js'),
        'import',
        file,
        '--instrument',
        INSTRUMENT.id,
        '--tick',
        '0.01',
        '--lot',
        '0.00001',
        '--data-dir',
        dataDir,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid ?? 0}/status`, 'utf8');
        peakKb = Math.max(peakKb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // the child has just exited
      }
    }, 100);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearInterval(poll);
    if (code !== 0) throw new Error(`cli import failed (${code}): ${stderr}`);
    return { peakMb: peakKb / 1024, perSecond: ZIP_IMPORT_ROWS / ((nowMs() - began) / 1000) };
  } finally {
    rmSync(file, { force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * API round trips while the App imports a file through its API (the history worker) and
 * records a 100k events/s live stream on its main thread, as apiWhileRecording does.
 */
async function apiWhileImporting(
  root: string,
  dir: string,
  events: readonly MarketEvent[],
  market: DemoMarket,
): Promise<number> {
  const file = path.join(dir, 'BENCHUSDT-trades-2026-03.csv');
  await writeBinanceTradesDump(file, API_IMPORT_ROWS, { startTs: START - 3 * DAY, spacingMs: 60 });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-bench-api-import-'));
  const app = createApp({
    dataDir,
    version: 'bench',
    transport: 'memory',
    workerEntry: pathToFileURL(path.join(root, 'dist/worker/features.js')),
  });
  app.store.upsertInstrument(market.instrument);
  app.store.upsertInstrument(INSTRUMENT);
  const pair = createMemoryPair();
  serveConnection(app, pair.host);
  const client = createApiClient(pair.client);
  const times: number[] = [];
  try {
    const job = await client.call('history.import', { path: file, instrument: INSTRUMENT.id });
    let state: Job = job;
    let fed = 0;
    const SLICE = 1000; // 1000 events per 10 ms = 100k events/s, replayed while the import runs
    const feeding = (async () => {
      while (state.state === 'running') {
        const began = nowMs();
        app.pipeline.ingest(events.slice(fed % events.length, (fed % events.length) + SLICE));
        fed += SLICE;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10 - (nowMs() - began))));
      }
    })();
    while (state.state === 'running') {
      const began = nowMs();
      await client.call('markets.trades', { instrument: market.instrument.id, limit: 100 });
      times.push(nowMs() - began);
      state = app.jobs.list().find((j) => j.id === job.id) ?? state;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await feeding;
    if (state.state !== 'done') throw new Error(`import ended ${state.state}: ${state.error ?? ''}`);
    return percentile(times, 0.99);
  } finally {
    pair.close('done');
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(file, { force: true });
  }
}

/** The streamed-import figures of issue #12; the generated files live in a temp folder deleted after. */
async function streamingImportFigures(root: string): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-bench-import-'));
  try {
    // Each figure is printed as it is measured: the three take tens of minutes on a busy machine.
    const show = (name: string, value: number): number => {
      process.stdout.write(`  (measured) ${name} ${value.toFixed(2)}\n`);
      return value;
    };
    const { events, market } = demoEvents(10, 12);
    const apiP99 = show(
      'api_roundtrip_p99_ms_during_import',
      await apiWhileImporting(root, dir, events, market),
    );
    const fileRate = show('import_file_trades_per_s', await importLargeCsv(dir));
    const zip = await importZipPeakRss(root, dir);
    show('import_peak_rss_mb', zip.peakMb);
    return [
      { name: 'import_file_trades_per_s', value: fileRate, unit: '1/s', better: 'higher' },
      { name: 'import_peak_rss_mb', value: zip.peakMb, unit: 'MB', better: 'lower' },
      { name: 'import_zip_trades_per_s', value: zip.perSecond, unit: '1/s', better: 'higher' },
      { name: 'api_roundtrip_p99_ms_during_import', value: apiP99, unit: 'ms', better: 'lower' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The import figures, in a scope of their own so their million-row columns are freed after. */
async function importFigures(): Promise<{
  bulkRate: number;
  plainRate: number;
  fileRate: number;
  bytesPerTrade: number;
}> {
  const trades = syntheticTrades(1_000_000);
  bulkImport(syntheticTrades(50_000)); // warm-up
  const bulk: number[] = [];
  const plain: number[] = [];
  let bytesPerTrade = 0;
  for (let i = 0; i < 3; i++) {
    const run = bulkImport(trades);
    bulk.push(run.perSecond);
    bytesPerTrade = run.bytesPerTrade;
    plain.push(plainInsert(trades));
  }
  return {
    bulkRate: median(bulk),
    plainRate: median(plain),
    fileRate: await importCsv(trades),
    bytesPerTrade,
  };
}

export function recordBenchmark(root: string): Benchmark {
  return {
    name: 'record',
    summary: 'bulk import, streaming record, queries and bytes on disk of the market-data store',
    async run(): Promise<Figure[]> {
      // RECORD_BENCH_ONLY=import: only the streamed-import figures (minutes less while tuning them).
      if (process.env.RECORD_BENCH_ONLY === 'import') return streamingImportFigures(root);
      if (process.env.RECORD_BENCH_ANCHORS !== undefined) {
        const { events: sample, market: demo } = demoEvents(30, 11);
        for (const interval of [1000, 5000, 10_000]) {
          const run = stream(sample, demo, 25, null, interval);
          const at = queryBookAt(run.ws.db, demo.instrument.id, START + 1000, START + 30 * 60_000);
          process.stdout.write(
            `  anchors every ${interval} ms: ${run.bytesPerBookEvent.toFixed(2)} B/event, bookAt p99 ${at.toFixed(2)} ms\n`,
          );
          run.ws.close();
        }
      }
      const { bulkRate, plainRate, fileRate, bytesPerTrade } = await importFigures();

      const { events, market } = demoEvents(60, 11);
      // The latency run gets its own, smaller event list: the heap of the others' millions of
      // objects would put major-GC pauses into the p99 that the live host never holds.
      const pacedEvents = demoEvents(20, 13).events;
      const streamRates: number[] = [];
      const p99s: number[] = [];
      let bytesPerBookEvent = 0;
      let bookAtP99 = 0;
      for (let i = 0; i < 3; i++) {
        const run = stream(events, market, FLUSH_MS, null);
        streamRates.push(run.perSecond);
        bytesPerBookEvent = run.bytesPerBookEvent;
        if (i === 0)
          bookAtP99 = queryBookAt(run.ws.db, market.instrument.id, START + 1000, START + 60 * 60_000);
        run.ws.close();
        const paced = stream(pacedEvents, market, FLUSH_MS, 100_000);
        p99s.push(paced.p99);
        paced.ws.close();
      }
      const apiP99 = await apiWhileRecording(root, demoEvents(10, 12).events, market);
      return [
        { name: 'bulk_import_trades_per_s', value: bulkRate, unit: '1/s', better: 'higher' },
        {
          name: 'bulk_import_vs_plain_insert',
          value: bulkRate / plainRate,
          unit: 'ratio',
          better: 'higher',
        },
        { name: 'import_csv_file_trades_per_s', value: fileRate, unit: '1/s', better: 'higher' },
        { name: 'stream_events_per_s', value: median(streamRates), unit: '1/s', better: 'higher' },
        { name: 'stream_commit_p99_ms', value: median(p99s), unit: 'ms', better: 'lower' },
        { name: 'api_roundtrip_p99_ms', value: apiP99, unit: 'ms', better: 'lower' },
        { name: 'query_day_1m_p99_ms', value: queryDay1m(), unit: 'ms', better: 'lower' },
        { name: 'query_book_at_p99_ms', value: bookAtP99, unit: 'ms', better: 'lower' },
        { name: 'bytes_per_trade', value: bytesPerTrade, unit: 'B', better: 'lower' },
        { name: 'bytes_per_book_event', value: bytesPerBookEvent, unit: 'B', better: 'lower' },
        ...(await streamingImportFigures(root)),
      ];
    },
  };
}
