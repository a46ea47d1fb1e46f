import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/storage/database.js';
import { MarketStore } from '../../main/storage/market-store.js';
import { CandleBuilder } from '../../shared/candles/candle-builder.js';
import type { Candle } from '../../shared/domain/candle.js';
import type { Trade } from '../../shared/domain/market.js';
import { TIMEFRAMES } from '../../shared/domain/timeframes.js';
import { createRng } from '../../shared/market/rng.js';

// kill -9 of a recording process (the CLI's demo-history recording the demo market) at seeded
// random moments, then the checks a restart relies on: the file is intact, nothing reported as
// committed is lost (at most the batch being written), candles are exactly what the stored
// trades build, and a restart on the same workspace finishes the recording.

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/main/cli.js');
const INSTRUMENT = 'demo:DEMO/USD';
const START = '2026-01-05T00:00:00Z';
const HOURS = '0.02';
/** Market seconds per committed batch (demo-history --commit-every): the most a kill may take away. */
const BATCH_S = 5;
const BATCH_MS = BATCH_S * 1000;
const KILLS = 10;
const SEED = 20261207;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  dirs.push(dir);
  return dir;
}

interface Commit {
  readonly marketTime: number;
  readonly trades: number;
}

/** Starts demo-history on `dataDir`; resolves with its exit once it ends or is killed. */
function record(dataDir: string, commitLog: string) {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'demo-history',
      '--hours',
      HOURS,
      '--start',
      START,
      '--seed',
      '3',
      '--data-dir',
      dataDir,
      '--features',
      'off',
      '--commit-every',
      String(BATCH_S),
      '--commit-log',
      commitLog,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.on('exit', (code, signal) => {
        resolve({ code, signal, stderr });
      });
    },
  );
  return { child, exited };
}

/** Kills the child `extraMs` after the commit log has `commits` lines (0: after spawning). */
function killAfter(child: ChildProcess, commitLog: string, commits: number, extraMs: number) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const kill = (): void => {
    timer = setTimeout(() => child.kill('SIGKILL'), extraMs);
  };
  const poll = (): void => {
    if (commits === 0 || commitCount(commitLog) >= commits) kill();
    else timer = setTimeout(poll, 10);
  };
  poll();
  return {
    cancel: (): void => {
      if (timer !== null) clearTimeout(timer);
    },
  };
}

function commitCount(commitLog: string): number {
  return existsSync(commitLog) ? readFileSync(commitLog, 'utf8').split('\n').filter(Boolean).length : 0;
}

function lastCommit(commitLog: string): Commit | null {
  if (!existsSync(commitLog)) return null;
  const lines = readFileSync(commitLog, 'utf8').trim().split('\n').filter(Boolean);
  const last = lines.at(-1);
  return last === undefined ? null : (JSON.parse(last) as Commit);
}

/** Everything a restart reads, through the store's public readers. */
function readWorkspace(dataDir: string) {
  const db = openDatabase(path.join(dataDir, 'workspace.sqlite'));
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const store = new MarketStore(db);
    // The market data without the local receive time: that is the wall clock of whichever run
    // recorded the trade, so a trade re-recorded after a restart differs from the reference there.
    const trades = store
      .recentTrades(INSTRUMENT, store.countTrades(INSTRUMENT))
      .map(({ localTs: _receivedAt, ...trade }) => trade);
    const candles = new Map<string, Candle[]>();
    for (const timeframe of TIMEFRAMES)
      candles.set(timeframe, store.candles(INSTRUMENT, timeframe, 1_000_000));
    return { integrity, trades, candles };
  } finally {
    db.close();
  }
}

/** The candles the existing candle builder makes of these trades, per timeframe, oldest first. */
function rebuild(trades: readonly Trade[]): Map<string, Candle[]> {
  const builder = new CandleBuilder();
  for (const trade of trades) builder.addTrade(trade);
  const bars = new Map<string, Candle>();
  for (const candle of builder.drainChanged()) bars.set(`${candle.timeframe}|${candle.openTime}`, candle);
  const out = new Map<string, Candle[]>();
  for (const timeframe of TIMEFRAMES) {
    out.set(
      timeframe,
      [...bars.values()].filter((c) => c.timeframe === timeframe).sort((a, b) => a.openTime - b.openTime),
    );
  }
  return out;
}

const tradesUpTo = (trades: readonly Trade[], ts: number): number => trades.filter((t) => t.ts <= ts).length;

describe('crash safety of recording', () => {
  it(`survives ${KILLS} kill -9 at random moments: intact file, no committed trade lost, candles rebuilt exactly, restart finishes`, async () => {
    // The uninterrupted recording of the same market: what every crashed one must converge to.
    const referenceDir = tempDir('tw-crash-ref');
    const reference = record(referenceDir, path.join(referenceDir, 'commits.jsonl'));
    expect((await reference.exited).code).toBe(0);
    const expected = readWorkspace(referenceDir);
    expect(expected.trades.length).toBeGreaterThan(500);

    const dataDir = tempDir('tw-crash');
    const rng = createRng(SEED);
    const start = Date.parse(START);
    let kills = 0;
    /** Kills that landed mid-recording, after at least one reported commit. */
    let midRecording = 0;
    /** Trades the workspace held after the previous kill. */
    let storedBefore = 0;
    for (let trial = 0; kills < KILLS && trial < KILLS * 3; trial++) {
      const commitLog = path.join(dataDir, `commits-${trial}.jsonl`);
      const run = record(dataDir, commitLog);
      // A seeded moment, counted in commits so it does not depend on the machine's speed: before
      // the first one (opening, migrating, the first batch), or a few ms after the k-th one.
      const afterCommits = Math.floor(rng.next() * 8);
      const extraMs = Math.floor(rng.next() * (afterCommits === 0 ? 1_500 : 150));
      const timer = killAfter(run.child, commitLog, afterCommits, extraMs);
      const began = Date.now();
      const exit = await run.exited;
      timer.cancel();
      if (process.env.CRASH_TRACE === '1')
        process.stderr.write(
          `trial ${trial}: ${exit.signal ?? exit.code} after ${Date.now() - began} ms (commit ${afterCommits} + ${extraMs} ms)\n`,
        );
      if (exit.signal !== 'SIGKILL') {
        // It finished before the kill: a restart that completed. Start over to keep crashing.
        expect(exit, exit.stderr).toMatchObject({ code: 0 });
        rmSync(dataDir, { recursive: true, force: true });
        storedBefore = 0;
        continue;
      }
      kills++;
      if (!existsSync(path.join(dataDir, 'workspace.sqlite'))) continue;
      const seen = readWorkspace(dataDir);
      expect(seen.integrity, `trial ${trial} (kill ${extraMs} ms after commit ${afterCommits})`).toBe('ok');
      // No hole: what is stored is the start of the recording.
      expect(seen.trades).toEqual(expected.trades.slice(0, seen.trades.length));
      const committed = lastCommit(commitLog);
      if (committed !== null) {
        midRecording++;
        expect(seen.trades.length).toBeGreaterThanOrEqual(committed.trades);
        expect(seen.trades.length).toBeGreaterThanOrEqual(tradesUpTo(expected.trades, committed.marketTime));
      }
      // At most the batch after the last one reported (the kill may fall between a commit and
      // its report line) is there beyond it: the loss is bounded by one uncommitted batch.
      // (Earlier runs on this workspace may have stored more: a rerun only adds what is missing.)
      const reportedUpTo = committed?.marketTime ?? start;
      expect(seen.trades.length).toBeLessThanOrEqual(
        Math.max(storedBefore, tradesUpTo(expected.trades, reportedUpTo + BATCH_MS)),
      );
      storedBefore = seen.trades.length;
      expect(seen.candles).toEqual(rebuild(seen.trades));
    }
    expect(kills).toBe(KILLS);
    // The seeded moments are not all before the first commit: the checks above had data to check.
    expect(midRecording).toBeGreaterThanOrEqual(KILLS / 2);
    process.stderr.write(`crash safety: ${kills} kills, ${midRecording} after a commit\n`);

    // The restart resumes on the crashed workspace and ends where the uninterrupted one did.
    const last = record(dataDir, path.join(dataDir, 'commits-final.jsonl'));
    const exit = await last.exited;
    expect(exit, exit.stderr).toMatchObject({ code: 0 });
    const finished = readWorkspace(dataDir);
    expect(finished.integrity).toBe('ok');
    expect(finished.trades).toEqual(expected.trades);
    expect(finished.candles).toEqual(expected.candles);
    expect(finished.candles).toEqual(rebuild(finished.trades));
  }, 180_000);
});
