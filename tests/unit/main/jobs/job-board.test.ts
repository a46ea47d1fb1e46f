import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobBoard } from '../../../../main/jobs/job-board.js';
import { openDatabase } from '../../../../main/storage/database.js';
import type { Job } from '../../../../shared/api/domains/jobs.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('job board', () => {
  it('runs a job to done with throttled progress and an ETA from the rate so far', async () => {
    const clock = manualClock();
    const board = new JobBoard(openDatabase(':memory:'), { clock: clock.now, throttleMs: 250 });
    const seen: Job[] = [];
    board.subscribe((job) => seen.push(job));
    const { finished } = board.start(
      { kind: 'export', title: 'Export trades', unit: 'rows', total: 1000 },
      (job) => {
        clock.advance(100);
        job.progress(100, undefined, 'reading'); // 100 ms in: throttled away
        clock.advance(200);
        job.progress(300); // 300 ms in: published, 300 rows in 300 ms -> 700 ms left
        return Promise.resolve({ out: '/tmp/trades.csv', rows: 1000 });
      },
    );
    const done = await finished;
    expect(seen.map((j) => [j.state, j.done])).toEqual([
      ['running', 0],
      ['running', 300],
      ['done', 1000],
    ]);
    expect(seen[1]?.etaMs).toBe(700);
    expect(seen[1]?.message).toBe('reading');
    expect(done).toMatchObject({
      state: 'done',
      result: { out: '/tmp/trades.csv', rows: 1000 },
      etaMs: null,
      finishedAt: 1_000_300,
    });
    expect(board.list()[0]).toMatchObject({ state: 'done', result: { out: '/tmp/trades.csv', rows: 1000 } });
  });

  it('fails a job whose work throws, with the error in words', async () => {
    const board = new JobBoard(openDatabase(':memory:'));
    const { finished } = board.start({ kind: 'import', title: 'Bad file', unit: 'rows' }, () =>
      Promise.reject(new Error('trades.csv line 7: price is not a number')),
    );
    expect(await finished).toMatchObject({
      state: 'failed',
      error: 'trades.csv line 7: price is not a number',
    });
  });

  it('cancels a running job, which stops at its next check', async () => {
    const board = new JobBoard(openDatabase(':memory:'));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { job, finished } = board.start(
      { kind: 'backfill', title: 'Backfill', unit: 'bars' },
      async (context) => {
        await gate;
        context.throwIfCancelled();
        return { rows: 1, pages: 1, retries: 0, resumed: false };
      },
    );
    expect(board.cancel(job.id).message).toBe('cancelling…');
    release();
    expect(await finished).toMatchObject({ state: 'cancelled', result: null });
  });

  it('marks a job that was running when the workstation died as interrupted', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'tw-jobs-'));
    folders.push(folder);
    const file = path.join(folder, 'workspace.sqlite');
    const first = openDatabase(file);
    new JobBoard(first).start(
      { kind: 'import', title: 'Never finishes', unit: 'rows' },
      () => new Promise(() => undefined),
    );
    first.close();

    const second = openDatabase(file);
    const [job] = new JobBoard(second).list();
    expect(job).toMatchObject({ title: 'Never finishes', state: 'failed' });
    expect(job?.error).toMatch(/^interrupted/);
    second.close();
  });

  it('fails a job whose result is not the shape its kind promises, naming the field', async () => {
    const board = new JobBoard(openDatabase(':memory:'));
    const { finished } = board.start({ kind: 'model-train', title: 'Train', unit: 'steps' }, () =>
      // A slip the compiler would catch; the parse catches what slips past it (a worker's reply).
      Promise.resolve(JSON.parse('{"modelId":"seven"}') as { modelId: number }),
    );
    const done = await finished;
    expect(done.state).toBe('failed');
    expect(done.result).toBeNull();
    expect(done.error).toMatch(/modelId/);
  });

  it('reads a stored result an older build wrote in another shape as no result, keeping the state', () => {
    const db = openDatabase(':memory:');
    const insert = db.prepare(
      `INSERT INTO jobs (id, kind, title, state, done, total, unit, message, result, started_at, finished_at)
       VALUES (?, ?, 't', 'done', 1, 1, 'configurations', '', ?, ?, ?)`,
    );
    insert.run('old-backtest', 'backtest', JSON.stringify({ runId: 3, bars: 10 }), 10, 20);
    insert.run('gone-kind', 'dream', JSON.stringify({}), 5, 6);
    const board = new JobBoard(db);
    expect(board.list().map((job) => [job.id, job.kind, job.state, job.result])).toEqual([
      ['old-backtest', 'backtest', 'done', null],
    ]);
  });

  it('refuses to cancel a job it never had', () => {
    const board = new JobBoard(openDatabase(':memory:'));
    expect(() => board.cancel('nope')).toThrow("no job 'nope'");
  });
});

describe('jobs.watch on the board', () => {
  it('sends the current state first, then every change, and nothing after the terminal state', async () => {
    const clock = manualClock();
    const board = new JobBoard(openDatabase(':memory:'), { clock: clock.now, throttleMs: 0 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { job, finished } = board.start(
      { kind: 'export', title: 'Export', unit: 'rows', total: 10 },
      async (context) => {
        context.progress(4);
        await gate;
        context.progress(8);
        return { out: '/tmp/x.csv', rows: 10 };
      },
    );
    await Promise.resolve();
    await Promise.resolve();
    const seen: Job[] = [];
    const stop = board.watch(job.id, (update) => seen.push(update));
    // Another job's changes never reach this watch.
    const other = board.start({ kind: 'repair', title: 'Repair', unit: 'days' }, () =>
      Promise.resolve({ days: 1, bars: 2 }),
    );
    await other.finished;
    release();
    await finished;
    expect(seen.map((j) => [j.id, j.state, j.done])).toEqual([
      [job.id, 'running', 4],
      [job.id, 'running', 8],
      [job.id, 'done', 10],
    ]);
    expect(seen[2]?.result).toEqual({ out: '/tmp/x.csv', rows: 10 });
    stop(); // after the end: a no-op, the watch already let go of the board
  });

  it('sends a job that already ended as its one and only event', async () => {
    const board = new JobBoard(openDatabase(':memory:'));
    const { job, finished } = board.start({ kind: 'repair', title: 'Repair', unit: 'days' }, () =>
      Promise.resolve({ days: 2, bars: 96 }),
    );
    await finished;
    const seen: Job[] = [];
    board.watch(job.id, (update) => seen.push(update));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id: job.id,
      kind: 'repair',
      state: 'done',
      result: { days: 2, bars: 96 },
    });
  });

  it('refuses to watch a job it never had', () => {
    const board = new JobBoard(openDatabase(':memory:'));
    expect(() => board.watch('nope', () => undefined)).toThrow("no job 'nope'");
  });
});
