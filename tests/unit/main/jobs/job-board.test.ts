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
      { kind: 'import', title: 'Import trades', unit: 'rows', total: 1000 },
      (job) => {
        clock.advance(100);
        job.progress(100, undefined, 'reading'); // 100 ms in: throttled away
        clock.advance(200);
        job.progress(300); // 300 ms in: published, 300 rows in 300 ms -> 700 ms left
        return Promise.resolve({ rows: 1000 });
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
    expect(done).toMatchObject({ state: 'done', result: { rows: 1000 }, etaMs: null, finishedAt: 1_000_300 });
    expect(board.list()[0]).toMatchObject({ state: 'done', result: { rows: 1000 } });
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
        return 'should not get here';
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

  it('refuses to cancel a job it never had', () => {
    const board = new JobBoard(openDatabase(':memory:'));
    expect(() => board.cancel('nope')).toThrow("no job 'nope'");
  });
});
