import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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
import { TradeStore } from '../../main/storage/trade-store.js';
import { createApiClient } from '../../shared/api/client.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { createRng } from '../../shared/market/rng.js';
import {
  bundleEventBacktestChild,
  runEventBacktestChild,
  storeGeneratedTrades,
} from '../fixtures/stored-trades.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import { writeBinanceTradesDump } from '../fixtures/trade-dumps.js';
import { writeBinanceDumpFast } from './binance-dump-writer.js';
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
function workspace(): { db: SqliteDatabase; store: MarketStore; file: string; close(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-bench-record-'));
  const file = path.join(dir, 'workspace.sqlite');
  const db = openDatabase(file);
  const store = new MarketStore(db);
  store.upsertInstrument(INSTRUMENT);
  return {
    db,
    store,
    file,
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

/**
 * Bulk import into a fresh workspace; bytes per trade is the growth of the database file
 * (after a checkpoint, so the WAL is in it), everything the trades cost on disk included.
 */
function bulkImport(rows: TradeColumns): { perSecond: number; bytesPerTrade: number; file: number } {
  const ws = workspace();
  try {
    // The bulk connection's own settings: a large page cache for the b-tree being built.
    ws.db.pragma('cache_size = -262144');
    ws.db.pragma('wal_checkpoint(TRUNCATE)');
    const before = statSync(ws.file).size;
    const bulk = new BulkStore(ws.db);
    const began = nowMs();
    ws.db.transaction(() => bulk.insertTrades(INSTRUMENT.id, rows)).immediate();
    const seconds = (nowMs() - began) / 1000;
    ws.db.pragma('wal_checkpoint(TRUNCATE)');
    const grown = statSync(ws.file).size - before;
    return { perSecond: rows.length / seconds, bytesPerTrade: grown / rows.length, file: grown };
  } finally {
    ws.close();
  }
}

/**
 * Replay speed: every trade of a 1M-trade workspace read back through the trade store's
 * cursor (SQLite read + chunk decode into typed columns), each trade's ts, price, amount and
 * side touched. The reference: the same touch of Float64Arrays already in memory. The replay
 * is one thread, so its rate per second of this process's CPU time is also given: on a machine
 * shared with other work the wall-clock rate counts the time the thread was not scheduled.
 */
function replayFigures(rows: TradeColumns): { perSecond: number; perCpuSecond: number; vsScan: number } {
  const ws = workspace();
  try {
    const bulk = new BulkStore(ws.db);
    ws.db.transaction(() => bulk.insertTrades(INSTRUMENT.id, rows)).immediate();
    const key = ws.store.instrumentKey(INSTRUMENT.id) ?? -1;
    const trades = new TradeStore(ws.db);
    const replayRates: number[] = [];
    const cpuRates: number[] = [];
    for (let r = 0; r < 5; r++) {
      let sum = 0;
      let count = 0;
      const cpuBefore = process.cpuUsage();
      const began = nowMs();
      const cursor = trades.cursor(key, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      while (cursor.nextBlock()) {
        const { ts, price, amount, side } = cursor.block;
        for (let i = cursor.index; i < cursor.end; i++)
          sum += (ts[i] ?? 0) * 1e-12 + (price[i] ?? 0) * (amount[i] ?? 0) * (side[i] ?? 0);
        count += cursor.end - cursor.index;
      }
      replayRates.push(count / ((nowMs() - began) / 1000));
      const cpu = process.cpuUsage(cpuBefore);
      cpuRates.push(count / ((cpu.user + cpu.system) / 1e6));
      if (count !== rows.length || Number.isNaN(sum)) throw new Error(`replayed ${count} of ${rows.length}`);
    }
    const n = rows.length;
    const columns = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    for (const column of columns) column.fill(1.5);
    const [ts, price, amount, side] = columns as [Float64Array, Float64Array, Float64Array, Float64Array];
    const scanRates: number[] = [];
    for (let r = 0; r < 5; r++) {
      let sum = 0;
      const began = nowMs();
      for (let i = 0; i < n; i++)
        sum += (ts[i] ?? 0) * 1e-12 + (price[i] ?? 0) * (amount[i] ?? 0) * (side[i] ?? 0);
      scanRates.push(n / ((nowMs() - began) / 1000));
      if (Number.isNaN(sum)) throw new Error('scan summed NaN');
    }
    const perSecond = median(replayRates);
    return { perSecond, perCpuSecond: median(cpuRates), vsScan: perSecond / median(scanRates) };
  } finally {
    ws.close();
  }
}

/** The replay figures alone, over the same 1M trades as the full benchmark. */
function replayOnlyFigures(): Figure[] {
  const replay = replayFigures(syntheticTrades(1_000_000));
  return [
    { name: 'replay_trades_per_s', value: replay.perSecond, unit: '1/s', better: 'higher' },
    { name: 'replay_trades_per_cpu_s', value: replay.perCpuSecond, unit: '1/s', better: 'higher' },
    { name: 'replay_vs_float64_scan', value: replay.vsScan, unit: 'ratio', better: 'higher' },
  ];
}

/**
 * Peak RSS of an event-mode backtest over a month of generated trades (2M), run in a child
 * process as the backtest worker runs it: memory must not grow with the range.
 */
function eventBacktestPeakRss(root: string): number {
  const ws = workspace();
  try {
    const month = 30 * DAY;
    const count = 2_000_000;
    const range = storeGeneratedTrades(ws.db, INSTRUMENT.id, START, count, Math.floor(month / count));
    ws.db.pragma('wal_checkpoint(TRUNCATE)');
    const child = bundleEventBacktestChild(root);
    const run = runEventBacktestChild(child, 4096, [ws.file, INSTRUMENT.id, range.from, range.to]);
    if (run.trades !== count) throw new Error(`event backtest replayed ${run.trades} of ${count} trades`);
    return run.peakRssMb;
  } finally {
    ws.close();
  }
}

/**
 * The real Binance XRP/ETH sample (../shared/marketdata, not part of the project: skipped with
 * a note when absent) stored and read back: the round trip must be exact; bytes per trade is
 * the trade_chunks table's share on disk (the file of a 12k-trade workspace is mostly schema).
 */
function binanceSampleBytesPerTrade(root: string): number | null {
  const file = path.join(root, '../../shared/marketdata/trades_binance_xrpeth.csv');
  const fallback = path.join(root, '../shared/marketdata/trades_binance_xrpeth.csv');
  const csv = existsSync(file) ? file : existsSync(fallback) ? fallback : null;
  if (csv === null) {
    process.stdout.write(
      '  (no ../shared/marketdata/trades_binance_xrpeth.csv: real-sample figure skipped)\n',
    );
    return null;
  }
  const rows = new TradeColumns();
  const lines = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
  for (const line of lines) {
    const [ts, price, amount, side, id] = line.split(',');
    rows.push(Number(ts), Number(id), id ?? null, Number(price), Number(amount), side === 'buy' ? 1 : -1);
  }
  const ws = workspace();
  try {
    const bulk = new BulkStore(ws.db);
    ws.db.transaction(() => bulk.insertTrades(INSTRUMENT.id, rows)).immediate();
    const back = ws.store.recentTrades(INSTRUMENT.id, rows.length);
    back.forEach((trade, i) => {
      const exact =
        trade.ts === rows.ts[i] &&
        trade.seq === rows.seq[i] &&
        trade.id === rows.id[i] &&
        trade.price === rows.price[i] &&
        trade.amount === rows.amount[i] &&
        (trade.side === 'buy' ? 1 : -1) === rows.side[i];
      if (!exact) throw new Error(`XRP/ETH sample trade ${i} did not round-trip: ${JSON.stringify(trade)}`);
    });
    if (back.length !== rows.length) throw new Error(`XRP/ETH sample: ${back.length} of ${rows.length} back`);
    ws.db.pragma('wal_checkpoint(TRUNCATE)');
    return tableBytes(ws.db, 'trade_chunks') / rows.length;
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

/**
 * The reference: one prepared single-row INSERT per trade into a row-per-trade table (the
 * schema trades had before packed chunks, migration 0001, with its id index), one transaction.
 */
function plainInsert(rows: TradeColumns): number {
  const ws = workspace();
  try {
    ws.db.exec(`
      CREATE TABLE plain_trades (
        instrument INTEGER NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL, trade_id TEXT,
        price REAL NOT NULL, amount REAL NOT NULL, side INTEGER NOT NULL,
        PRIMARY KEY (instrument, ts, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX plain_trades_by_trade_id ON plain_trades (instrument, trade_id);`);
    const insert = ws.db.prepare(
      'INSERT INTO plain_trades (instrument, ts, seq, trade_id, price, amount, side) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    // The columns' views, taken once: each access to one is a new view.
    const { ts, seq, id, price, amount, side } = rows;
    const began = nowMs();
    ws.db
      .transaction(() => {
        for (let i = 0; i < rows.length; i++) {
          insert.run(1, ts[i], seq[i], id[i], price[i], amount[i], side[i]);
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
    bytesPerRecordedTrade: tableBytes(ws.db, 'trade_chunks') / Math.max(1, recorder.stats.recordedTrades),
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

/**
 * A generated dump, kept in bench/.cache (git-ignored) under a name that says its rows and
 * spacing, so the 10M-row CSV and the 40M-row zip (minutes to generate on a busy machine) are
 * made once. Written under a temporary name and renamed when complete: an interrupted run
 * never leaves a short file to be reused. The Binance-style name the import reads is the last
 * path part (`name`), in a folder per variant.
 */
async function cachedDump(
  root: string,
  name: string,
  rows: number,
  options: { startTs: number; spacingMs: number },
): Promise<string> {
  const dir = path.join(root, 'bench/.cache', `${rows}-rows-${options.startTs}-${options.spacingMs}ms`);
  const file = path.join(dir, name);
  if (existsSync(file)) return file;
  // The same name in a folder of its own: a zip's entry is named after the zip.
  const partial = path.join(`${dir}.partial`, name);
  rmSync(path.dirname(partial), { recursive: true, force: true });
  mkdirSync(path.dirname(partial), { recursive: true });
  mkdirSync(dir, { recursive: true });
  const began = nowMs();
  process.stdout.write(`  generating ${name} (${rows} rows) into bench/.cache, once\n`);
  let shown = 0;
  await writeBinanceDumpFast(partial, rows, options, (done) => {
    if (done - shown < rows / 10 && done < rows) return;
    shown = done;
    process.stdout.write(
      `    ${Math.round((100 * done) / rows)}% in ${((nowMs() - began) / 1000).toFixed(0)} s\n`,
    );
  });
  renameSync(partial, file);
  rmSync(path.dirname(partial), { recursive: true, force: true });
  process.stdout.write(`  generated in ${((nowMs() - began) / 1000).toFixed(0)} s\n`);
  return file;
}

/** The whole streamed import of a 10M-row plain CSV, in process: rows and candles committed per second. */
async function importLargeCsv(root: string): Promise<number> {
  // 60 ms apart: 10M trades over about a week, so the candle rebuild covers 7 days.
  const file = await cachedDump(root, 'BENCHUSDT-trades-2026-01.csv', FILE_IMPORT_ROWS, {
    startTs: START,
    spacingMs: 60,
  });
  const ws = workspace();
  try {
    const began = nowMs();
    const result = await importFile(ws.db, { path: file, instrument: INSTRUMENT.id });
    const seconds = (nowMs() - began) / 1000;
    if (result.inserted !== FILE_IMPORT_ROWS) throw new Error(`imported ${result.inserted} rows`);
    return FILE_IMPORT_ROWS / seconds;
  } finally {
    ws.close();
  }
}

/** import_file_trades_per_s as the median of three runs, each printed, with their spread. */
async function fileImportFigures(root: string): Promise<Figure[]> {
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    rates.push(await importLargeCsv(root));
    process.stdout.write(`  (run ${run + 1}) import_file_trades_per_s ${(rates[run] ?? 0).toFixed(0)}\n`);
  }
  const spread = (Math.max(...rates) - Math.min(...rates)) / median(rates);
  return [
    { name: 'import_file_trades_per_s', value: median(rates), unit: '1/s', better: 'higher' },
    { name: 'import_file_trades_per_s_spread', value: spread * 100, unit: '%', better: 'lower' },
  ];
}

/** Peak resident memory of the CLI importing a 40M-row zipped dump (polled from /proc). */
async function importZipPeakRss(root: string, dir: string): Promise<{ peakMb: number; perSecond: number }> {
  const file = await cachedDump(root, 'BENCHUSDT-trades-2026-02.zip', ZIP_IMPORT_ROWS, {
    startTs: START,
    spacingMs: 65,
  });
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
    const fileRate = show('import_file_trades_per_s', await importLargeCsv(root));
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
  replay: { perSecond: number; perCpuSecond: number; vsScan: number };
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
    replay: replayFigures(trades),
  };
}

export function recordBenchmark(root: string): Benchmark {
  return {
    name: 'record',
    summary: 'bulk import, streaming record, queries and bytes on disk of the market-data store',
    async run(): Promise<Figure[]> {
      // RECORD_BENCH_ONLY=import: only the streamed-import figures (minutes less while tuning them).
      if (process.env.RECORD_BENCH_ONLY === 'import') return streamingImportFigures(root);
      // RECORD_BENCH_ONLY=import-file: only import_file_trades_per_s, run three times, so a change
      // to the import path is measured with its spread in a few minutes.
      if (process.env.RECORD_BENCH_ONLY === 'import-file') return fileImportFigures(root);
      // RECORD_BENCH_ONLY=replay: only the replay figures (seconds, not the whole benchmark).
      if (process.env.RECORD_BENCH_ONLY === 'replay') return replayOnlyFigures();
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
      const { bulkRate, plainRate, fileRate, bytesPerTrade, replay } = await importFigures();
      const eventRss = eventBacktestPeakRss(root);
      const sampleBytes = binanceSampleBytesPerTrade(root);

      const { events, market } = demoEvents(60, 11);
      // The latency run gets its own, smaller event list: the heap of the others' millions of
      // objects would put major-GC pauses into the p99 that the live host never holds.
      const pacedEvents = demoEvents(20, 13).events;
      const streamRates: number[] = [];
      const p99s: number[] = [];
      let bytesPerBookEvent = 0;
      let bytesPerRecordedTrade = 0;
      let bookAtP99 = 0;
      for (let i = 0; i < 3; i++) {
        const run = stream(events, market, FLUSH_MS, null);
        streamRates.push(run.perSecond);
        bytesPerBookEvent = run.bytesPerBookEvent;
        bytesPerRecordedTrade = run.bytesPerRecordedTrade;
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
        { name: 'bytes_per_recorded_trade', value: bytesPerRecordedTrade, unit: 'B', better: 'lower' },
        ...(sampleBytes === null
          ? []
          : [
              {
                name: 'bytes_per_trade_binance_xrpeth',
                value: sampleBytes,
                unit: 'B',
                better: 'lower' as const,
              },
            ]),
        { name: 'replay_trades_per_s', value: replay.perSecond, unit: '1/s', better: 'higher' },
        { name: 'replay_trades_per_cpu_s', value: replay.perCpuSecond, unit: '1/s', better: 'higher' },
        { name: 'replay_vs_float64_scan', value: replay.vsScan, unit: 'ratio', better: 'higher' },
        { name: 'event_backtest_peak_rss_mb', value: eventRss, unit: 'MB', better: 'lower' },
        { name: 'bytes_per_book_event', value: bytesPerBookEvent, unit: 'B', better: 'lower' },
        ...(await streamingImportFigures(root)),
      ];
    },
  };
}
