import { describe, expect, it } from 'vitest';
import type { JobOf } from '../../../../shared/api/domains/jobs.js';
import {
  countText,
  etaText,
  jobFraction,
  jobProgressText,
  percentText,
} from '../../../../renderer/src/views/jobProgressText.js';

/** A running import of 10,000 rows, 2,500 done; override what a case is about. */
function job(overrides: Partial<JobOf<'import'>> = {}): JobOf<'import'> {
  return {
    id: 'j1',
    kind: 'import',
    title: 'Import trades.csv',
    state: 'running',
    done: 2_500,
    total: 10_000,
    unit: 'rows',
    message: '',
    etaMs: null,
    error: null,
    result: null,
    startedAt: 0,
    finishedAt: null,
    ...overrides,
  };
}

describe('job progress', () => {
  describe('jobFraction', () => {
    it('is done over total, capped at 1 when a job overshoots its estimate', () => {
      expect(jobFraction(job())).toBe(0.25);
      expect(jobFraction(job({ done: 12_000 }))).toBe(1);
    });

    it('is unknown (an indeterminate bar) while the total is unknown or zero', () => {
      expect(jobFraction(job({ total: null }))).toBeNull();
      expect(jobFraction(job({ total: 0 }))).toBeNull();
    });
  });

  describe('percentText', () => {
    it('rounds down, so a running job never reads 100% before it is done', () => {
      expect(percentText(0.996)).toBe('99%');
      expect(percentText(0.25)).toBe('25%');
      expect(percentText(1)).toBe('100%');
    });
  });

  describe('etaText', () => {
    it('says nothing while the host cannot tell', () => {
      expect(etaText(null)).toBe('');
    });

    it('rounds seconds up, so the last second still shows as 1 s', () => {
      expect(etaText(0)).toBe('0 s left');
      expect(etaText(850)).toBe('1 s left');
      expect(etaText(12_001)).toBe('13 s left');
    });

    it('reads minutes and seconds, then hours and minutes, for long jobs', () => {
      expect(etaText(65_000)).toBe('1m 05s left');
      expect(etaText(3_600_000 + 2 * 60_000 + 30_000)).toBe('1h 02m left');
    });
  });

  describe('countText', () => {
    it('writes done/total in the job unit, with thousands separators', () => {
      expect(countText(job())).toBe('2,500/10,000 rows');
    });

    it('writes only what is done while the total is unknown', () => {
      expect(countText(job({ total: null, unit: 'trades' }))).toBe('2,500 trades');
    });
  });

  describe('jobProgressText', () => {
    it('joins percent, count, time left and message while running', () => {
      expect(jobProgressText(job({ etaMs: 4_200, message: 'parsing' }))).toBe(
        '25% · 2,500/10,000 rows · 5 s left · parsing',
      );
    });

    it('leaves the count out when compact, and skips parts that are empty', () => {
      expect(jobProgressText(job(), { compact: true })).toBe('25%');
    });

    it('says starting until the first unit of an unknown total is done, then counts', () => {
      expect(jobProgressText(job({ total: null, done: 0 }))).toBe('starting…');
      expect(jobProgressText(job({ total: null, done: 40, unit: 'epochs' }))).toBe('40 epochs');
    });

    it('says done, or the view summary of a finished job', () => {
      expect(jobProgressText(job({ state: 'done' }))).toBe('done');
      expect(jobProgressText(job({ state: 'done' }), { doneText: 'done · 2 workers' })).toBe(
        'done · 2 workers',
      );
    });

    it('says why a job failed, and that a cancelled job was cancelled', () => {
      expect(jobProgressText(job({ state: 'failed', error: 'bad header' }))).toBe('failed: bad header');
      expect(jobProgressText(job({ state: 'failed' }))).toBe('failed: no reason given');
      expect(jobProgressText(job({ state: 'cancelled', etaMs: 5_000 }))).toBe('cancelled');
    });
  });
});
