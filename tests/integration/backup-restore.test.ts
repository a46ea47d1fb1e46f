import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { restoreWorkspace } from '../../main/backup/workspace-backup.js';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { AuditLog } from '../../main/trading/audit-log.js';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import { startTestApp, type TestApp } from '../fixtures/test-app.js';
import { trade } from '../fixtures/trades.js';
import { until } from '../fixtures/until.js';

// Backups of a workspace that is recording the demo market, and restoring them.

const DEMO = 'demo:DEMO/USD';
const FILLER = 'test:FILL/USD';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** The App on `dataDir`; its stop keeps the folder (the test reads it afterwards). */
function appOn(dataDir: string, log?: (line: string) => void): TestApp {
  const app = startTestApp({ dataDir, ...(log === undefined ? {} : { log }) });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await app.app.stop();
  };
  cleanups.push(stop);
  return { ...app, stop };
}

function readWorkspace(file: string) {
  const db = openDatabase(file);
  cleanups.push(() => {
    db.close();
  });
  const store = new MarketStore(db);
  const audit = new AuditLog(db, {
    get: (k) => store.getSetting(k),
    set: (k, v) => {
      store.setSetting(k, v);
    },
  });
  return { store, audit };
}

async function backupNow(app: TestApp) {
  const { jobId } = await app.client.call('backup.run', {});
  const job = await until(
    () => app.client.call('jobs.list', { limit: 20 }),
    (jobs) => jobs.some((j) => j.id === jobId && j.state !== 'running'),
  );
  return job.find((j) => j.id === jobId);
}

describe('backup and restore', () => {
  it('backs up while recording; the restore equals the source as of the backup', async () => {
    const dataDir = tempDir('tw-backup-src');
    const folder = tempDir('tw-backup-folder');
    const app = appOn(dataDir);
    await until(
      () => app.client.call('app.status', {}),
      (s) => s.recordedTrades > 200,
    );
    // Enough pages that the copy takes many steps while the recorder keeps committing.
    app.app.store.upsertInstrument({
      id: FILLER,
      exchange: 'test',
      symbol: 'FILL/USD',
      base: 'FILL',
      quote: 'USD',
      tickSize: 0.01,
      lotSize: 0.001,
    });
    app.app.store.insertTrades(
      Array.from({ length: 150_000 }, (_, i) => trade({ instrument: FILLER, ts: 1_000_000 + i })),
    );
    await app.client.call('trading.limits.set', { maxOrderQuantity: 5 });
    await app.client.call('trading.limits.set', { maxOrderQuantity: 3 });
    const state = await app.client.call('backup.settings.set', { folder, everyMinutes: null, keep: 2 });
    expect(state).toMatchObject({ settings: { folder, keep: 2 }, backups: [], nextAt: null });
    const tradesAtStart = app.app.store.countTrades(DEMO);

    const job = await backupNow(app);
    expect(job).toMatchObject({ kind: 'backup', state: 'done', unit: 'pages' });
    // Several steps of 256 pages (trades are packed in chunks, a few bytes each).
    expect(job?.total).toBeGreaterThan(256 * 2);
    expect(job?.done).toBe(job?.total);
    const after = await app.client.call('backup.state', {});
    expect(after.backups).toHaveLength(1);
    expect(after.last).toEqual(after.backups[0]);
    const restoredDir = tempDir('tw-backup-restored');
    const backupFile = after.backups[0]?.path ?? '';
    const result = restoreWorkspace(backupFile, restoredDir, { now: Date.now() });
    expect(result).toMatchObject({ check: { ok: true, auditEntries: 2 }, keptAside: null });
    const restored = readWorkspace(path.join(restoredDir, 'workspace.sqlite'));
    // Recording goes on: the source grows past what the backup holds.
    const inBackup = restored.store.countTrades(DEMO);
    await until(
      () => app.app.store.countTrades(DEMO),
      (n) => n > inBackup + 20,
    );
    await app.stop();

    const source = readWorkspace(path.join(dataDir, 'workspace.sqlite'));

    // Trades: the restore holds what was there when the backup began, and is exactly the
    // source's first trades (the source only appended since).
    const restoredTrades = restored.store.recentTrades(DEMO, restored.store.countTrades(DEMO));
    expect(restoredTrades.length).toBeGreaterThanOrEqual(tradesAtStart);
    const sourceTrades = source.store.recentTrades(DEMO, source.store.countTrades(DEMO));
    expect(sourceTrades.length).toBeGreaterThan(restoredTrades.length);
    expect(sourceTrades.slice(0, restoredTrades.length)).toEqual(restoredTrades);
    expect(restored.store.countTrades(FILLER)).toBe(150_000);

    // Candles: every bar the backup holds equals the source's, but the newest (it was still
    // open then); the source has no other bar up to it.
    for (const timeframe of ['1s', '1m'] as Timeframe[]) {
      const mine = restored.store.candles(DEMO, timeframe, 1_000_000);
      const last = mine.at(-1);
      if (last === undefined) throw new Error(`no ${timeframe} candles in the backup`);
      const theirs = source.store.candles(DEMO, timeframe, 1_000_000, last.openTime);
      expect(theirs.length).toBe(mine.length);
      expect(theirs.slice(0, -1)).toEqual(mine.slice(0, -1));
    }

    // Audit: the same chain, entry by entry, and it verifies.
    const restoredAudit = restored.audit.list(10_000).reverse();
    expect(restoredAudit.length).toBe(2);
    expect(source.audit.list(10_000).reverse().slice(0, restoredAudit.length)).toEqual(restoredAudit);
    expect(restored.audit.verify()).toMatchObject({ ok: true, entries: 2 });
  });

  it('keeps exactly N backups, refuses a corrupt one, and restores a staged one at the next start', async () => {
    const dataDir = tempDir('tw-backup-stage');
    const folder = tempDir('tw-backup-folder');
    const app = appOn(dataDir);
    await until(
      () => app.client.call('app.status', {}),
      (s) => s.recordedTrades > 50,
    );
    await app.client.call('backup.settings.set', { folder, everyMinutes: null, keep: 2 });
    for (let i = 0; i < 3; i++) {
      expect((await backupNow(app))?.state).toBe('done');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const { backups } = await app.client.call('backup.state', {});
    expect(backups).toHaveLength(2);
    expect(readdirSync(folder).sort()).toEqual(backups.map((b) => b.name).sort());

    const corrupt = path.join(folder, 'broken.sqlite');
    writeFileSync(corrupt, 'SQLite format 3\0'.padEnd(8192, 'x'));
    await expect(app.client.call('backup.restore', { path: corrupt })).rejects.toThrow(
      /^not restored, nothing was replaced: /,
    );
    expect((await app.client.call('backup.state', {})).pendingRestore).toBeNull();

    const oldest = backups[1];
    if (oldest === undefined) throw new Error('no backup');
    const staged = await app.client.call('backup.restore', { path: oldest.path });
    expect(staged.check).toMatchObject({ ok: true });
    expect(staged.state.pendingRestore).toBe(oldest.path);
    await app.stop();

    const lines: string[] = [];
    const again = appOn(dataDir, (line) => lines.push(line));
    expect(lines.find((l) => l.startsWith('backup: restored the workspace from'))).toContain(oldest.path);
    expect((await again.client.call('backup.state', {})).pendingRestore).toBeNull();
    expect(readdirSync(dataDir).some((name) => name.startsWith('replaced-'))).toBe(true);
    await again.stop();
    expect(existsSync(path.join(dataDir, 'workspace.lock'))).toBe(false);
  });
});
