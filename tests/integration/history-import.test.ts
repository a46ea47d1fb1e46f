import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkStore } from '../../main/history/bulk-store.js';
import { CandleLedger } from '../../main/history/candle-ledger.js';
import { importFile } from '../../main/history/import-file.js';
import { verifyCandles } from '../../main/history/verify-candles.js';
import { openDatabase, type SqliteDatabase } from '../../main/storage/database.js';
import { workspaceDatabasePath } from '../../main/storage/data-folder.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { TIMEFRAMES } from '../../shared/domain/timeframes.js';
import type { CandleCheck } from '../../shared/api/domains/history.js';
import type { Job } from '../../shared/api/domains/jobs.js';
import { instrument } from '../fixtures/market-data.js';
import { startTestApp, testDataDir } from '../fixtures/test-app.js';
import { writeBinanceTradesDump } from '../fixtures/trade-dumps.js';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/main/cli.js');
const HISTORY_WORKER = path.join(root, 'dist/main/history/history-worker.js');
const INSTRUMENT = 'bench:BTC/USDT';
const START = Date.UTC(2026, 0, 5);
const DAY = 86_400_000;

/** Every bar of every timeframe, as comparable rows. */
function allCandles(db: SqliteDatabase): unknown[] {
  const store = new MarketStore(db);
  return TIMEFRAMES.flatMap((tf) => store.candles(INSTRUMENT, tf, 1_000_000));
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else
      child.on('exit', (code) => {
        resolve(code);
      });
  });
}

describe('streamed imports', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tw-history-import-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a zipped dump several times larger than the heap cap of the process that imports it', async () => {
    const rows = 1_500_000;
    const file = path.join(dir, 'BTCUSDT-trades-2026-01.zip');
    // 10 ms apart: about 4 hours of trades, so the rows, not the bars, are the work.
    const { csvBytes } = await writeBinanceTradesDump(file, rows, { startTs: START, spacingMs: 10 });
    const dataDir = path.join(dir, 'capped');
    // A workspace with the instrument, as the App or the CLI leaves it.
    const db = openDatabase(workspaceDatabasePath(mkdtempSync(`${dataDir}-`)));
    new MarketStore(db).upsertInstrument(instrument({ id: INSTRUMENT }));
    const databaseFile = db.name;
    db.close();
    const HEAP_MB = 32;
    // The App's history worker, in a child process whose heaps are capped: the main isolate by
    // --max-old-space-size, the worker's by resourceLimits.
    const script = `
      import { Worker } from 'node:worker_threads';
      const worker = new Worker(${JSON.stringify(HISTORY_WORKER)}, { resourceLimits: { maxOldGenerationSizeMb: ${HEAP_MB} } });
      worker.on('message', (m) => { if (m.type !== 'progress') process.stdout.write(JSON.stringify(m)); });
      worker.on('error', (e) => { process.stderr.write(String(e)); process.exitCode = 2; });
      worker.postMessage({ seq: 0, type: 'run', payload: { databaseFile: ${JSON.stringify(databaseFile)}, nativeBinding: null,
        work: { kind: 'import', request: { path: ${JSON.stringify(file)}, instrument: ${JSON.stringify(INSTRUMENT)} } } } });
    `;
    const runner = path.join(dir, 'capped-import.mjs');
    writeFileSync(runner, script);
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, runner], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid ?? 0}/status`, 'utf8');
        peakKb = Math.max(peakKb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // exited
      }
    }, 50);
    const code = await exited(child);
    clearInterval(poll);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(csvBytes).toBeGreaterThan(3 * HEAP_MB * 1024 * 1024);
    expect(JSON.parse(out)).toMatchObject({
      type: 'done',
      payload: { rows, inserted: rows, kind: 'trades' },
    });
    // The whole process (Node, SQLite's page cache, both isolates) stayed within the product's bound.
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb / 1024).toBeLessThan(400);
    const check = openDatabase(databaseFile);
    try {
      expect(new MarketStore(check).countTrades(INSTRUMENT)).toBe(rows);
      expect(new MarketStore(check).candles(INSTRUMENT, '1d', 10).reduce((n, c) => n + c.trades, 0)).toBe(
        rows,
      );
    } finally {
      check.close();
    }
    rmSync(file, { force: true });
  }, 90_000); // 680k rows checked, written and their candles built: ~15 s on an idle 2-core machine

  describe('an import killed at any point and run again', () => {
    const rows = 100_000;
    // Spread over many days: the candles are rebuilt a day per transaction, so the rebuild lasts
    // long enough (hundreds of ms) for the poller to stop the import inside it even on a busy
    // machine; over 10 days the rows and the rebuild passed faster than it looked.
    const days = 150;
    let file: string;
    let dataDir: string;
    let reader: SqliteDatabase | null = null;

    /** Rows and ledger marks of the workspace; null while the CLI is still creating its schema. */
    const peek = (): { trades: number; dirty: number } | null => {
      reader ??= new Database(workspaceDatabasePath(dataDir), { readonly: true, fileMustExist: true });
      const db = reader;
      try {
        return {
          trades: new MarketStore(db).countTrades(INSTRUMENT),
          dirty: new CandleLedger(db, new BulkStore(db)).pending(INSTRUMENT).length,
        };
      } catch (error) {
        if (error instanceof Error && /no such table/.test(error.message)) return null;
        throw error;
      }
    };
    const state = (): { trades: number; dirty: number } => {
      const seen = peek();
      if (seen === null) throw new Error('the workspace has no schema');
      return seen;
    };
    const cliImport = (into = dataDir): ChildProcess =>
      spawn(
        process.execPath,
        [
          CLI,
          'import',
          file,
          '--instrument',
          INSTRUMENT,
          '--tick',
          '0.01',
          '--lot',
          '0.001',
          '--data-dir',
          into,
        ],
        { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
      );
    /** Runs the CLI import and kills it (SIGKILL) once `when` holds of the workspace. */
    const killWhen = async (when: (s: { trades: number; dirty: number }) => boolean) => {
      const child = cliImport();
      for (;;) {
        if (child.exitCode !== null) throw new Error('the import ended before the point to kill it at');
        if (existsSync(workspaceDatabasePath(dataDir)) && statSync(workspaceDatabasePath(dataDir)).size > 0) {
          const seen = peek();
          if (seen !== null && when(seen)) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      child.kill('SIGKILL');
      await exited(child);
      return state();
    };

    beforeAll(async () => {
      file = path.join(dir, 'BTCUSDT-trades-2026-02.csv');
      dataDir = path.join(dir, 'killed');
      await writeBinanceTradesDump(file, rows, { startTs: START, spacingMs: (days * DAY) / rows });
    }, 30_000); // 100k rows generated: about 2 s on an idle machine
    afterAll(() => {
      reader?.close();
    });

    it('before the rows: nothing is written', async () => {
      const after = await killWhen((s) => s.trades === 0);
      expect(after).toEqual({ trades: 0, dirty: 0 });
    });

    it('during the rows: none is visible until the whole file checked out, then all at once', async () => {
      // The rows are staged as they are read and published in one transaction: a kill while
      // they are read leaves nothing, so no reader, polling all along, ever sees part of them.
      const own = path.join(dir, 'watched');
      const child = cliImport(own);
      const seen = new Set<number>();
      let watcher: SqliteDatabase | null = null;
      try {
        while (child.exitCode === null) {
          const file = workspaceDatabasePath(own);
          if (existsSync(file) && statSync(file).size > 0) {
            watcher ??= new Database(file, { readonly: true, fileMustExist: true });
            try {
              seen.add(new MarketStore(watcher).countTrades(INSTRUMENT));
            } catch (error) {
              if (!(error instanceof Error && /no such table/.test(error.message))) throw error;
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        expect(await exited(child)).toBe(0);
        watcher ??= new Database(workspaceDatabasePath(own), { readonly: true, fileMustExist: true });
        seen.add(new MarketStore(watcher).countTrades(INSTRUMENT));
      } finally {
        watcher?.close();
      }
      expect([...seen].every((count) => count === 0 || count === rows)).toBe(true);
      expect(seen.has(0) && seen.has(rows)).toBe(true);
    });

    it('after the rows: every row is there, its days still marked for their candles', async () => {
      const after = await killWhen((s) => s.trades === rows);
      expect(after.trades).toBe(rows);
      expect(after.dirty).toBeGreaterThan(0);
    });

    it('during the candle rebuild, then run to the end: exactly the rows and the candles of a rebuild', async () => {
      const before = state().dirty;
      const after = await killWhen((s) => s.dirty < before);
      expect(after.trades).toBe(rows);
      expect(after.dirty).toBeLessThan(before);
      expect(after.dirty).toBeGreaterThan(0);

      const child = cliImport();
      expect(await exited(child)).toBe(0);
      expect(state()).toEqual({ trades: rows, dirty: 0 });

      const db = openDatabase(workspaceDatabasePath(dataDir));
      const clean = openDatabase(':memory:');
      try {
        new MarketStore(clean).upsertInstrument(instrument({ id: INSTRUMENT }));
        await importFile(clean, { path: file, instrument: INSTRUMENT });
        expect(allCandles(db)).toEqual(allCandles(clean));
        expect(new MarketStore(db).candles(INSTRUMENT, '1d', 1_000)).toHaveLength(days);
        // And a check of every day finds nothing to repair.
        const check = await verifyCandles(db, {
          instrument: INSTRUMENT,
          from: START,
          to: START + days * DAY,
        });
        expect(check.firstDifference).toBeNull();
        expect(Object.values(check.changed).every((c) => c.added + c.changed + c.removed === 0)).toBe(true);
      } finally {
        db.close();
        clean.close();
      }
    }, 120_000); // two imports and a check of 150 days: ~15 s idle, 60 s with the machine busy
  });

  it('repairs marked days on the App start, and checks and repairs candles through the API as a job', async () => {
    const file = path.join(dir, 'BTCUSDT-trades-2026-03.csv');
    await writeBinanceTradesDump(file, 5_000, { startTs: START, spacingMs: 60_000 }); // 3.5 days
    const dataDir = testDataDir('tw-history-verify');
    // A workspace an import left with trades and marked days but no candles (killed mid-way).
    const db = openDatabase(workspaceDatabasePath(dataDir));
    new MarketStore(db).upsertInstrument(instrument({ id: INSTRUMENT }));
    await importFile(db, { path: file, instrument: INSTRUMENT });
    db.prepare('DELETE FROM candles').run();
    const ledger = new CandleLedger(db, new BulkStore(db));
    db.transaction(() => {
      ledger.markDirty(INSTRUMENT, START, START + 3 * DAY);
    })();
    db.close();

    const session = startTestApp({ dataDir });
    try {
      const { app, client } = session;
      const ended = (kind: string) =>
        expect
          .poll(() => app.jobs.list().find((j) => j.kind === kind && j.state !== 'running'), {
            timeout: 30_000,
          })
          .toBeDefined();
      await ended('repair');
      expect(app.store.candles(INSTRUMENT, '1d', 10).map((c) => c.trades)).toEqual([1440, 1440, 1440, 680]);

      // Corrupt a bar behind the App's back, then check a range holding it through the API.
      const writer = openDatabase(workspaceDatabasePath(dataDir));
      writer
        .prepare("UPDATE candles SET close = 1, volume = 0 WHERE timeframe = '15m' AND open_time = ?")
        .run(START + DAY);
      writer.close();
      const job: Job = await client.call('history.verify', {
        instrument: INSTRUMENT,
        from: START + DAY,
        to: START + DAY,
      });
      expect(job.kind).toBe('verify');
      await ended('verify');
      const done = app.jobs.list().find((j) => j.id === job.id);
      expect(done?.state).toBe('done');
      const check = done?.result as CandleCheck;
      expect(check.days).toBe(1);
      expect(check.changed['15m']).toEqual({ added: 0, changed: 1, removed: 0 });
      expect(check.firstDifference).toMatchObject({
        timeframe: '15m',
        openTime: START + DAY,
        stored: { close: 1 },
      });
      expect(app.store.candleAt(INSTRUMENT, '15m', START + DAY)?.volume).toBeGreaterThan(0);

      // An import through the API runs in the history worker and ends with the file's rows.
      const imported: Job = await client.call('history.import', { path: file, instrument: INSTRUMENT });
      await expect
        .poll(() => app.jobs.list().find((j) => j.id === imported.id)?.state, { timeout: 30_000 })
        .toBe('done');
      expect(app.jobs.list().find((j) => j.id === imported.id)?.result).toMatchObject({
        rows: 5_000,
        inserted: 0,
      });
    } finally {
      await session.stop();
    }
  });
});
